// The Prometheus text exposition format (version 0.0.4), as the rabbitmq_prometheus plugin writes
// it: a "# TYPE" then a "# HELP" line per metric family, then one line per sample.

export type MetricType = 'counter' | 'gauge' | 'untyped';

export const CONTENT_TYPE = 'text/plain; version=0.0.4';

/** Label values escape backslash, double quote and line feed. */
export function escapeLabel(v: string): string {
  return /["\\\n]/.test(v) ? v.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\' + c)) : v;
}

/** A label set written once per object and reused for each of its metrics: `{a="x",b="y"}`. */
export function labelSet(pairs: readonly (readonly [string, string])[]): string {
  if (pairs.length === 0) return '';
  let s = '{';
  for (let i = 0; i < pairs.length; i++) s += `${i > 0 ? ',' : ''}${pairs[i][0]}="${escapeLabel(pairs[i][1])}"`;
  return s + '}';
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/**
 * Collects exposition text in pieces; the caller takes what has accumulated whenever `size` is
 * large enough to send, so a scrape of many objects is written (and can yield) chunk by chunk.
 */
export class TextChunks {
  private parts: string[] = [];
  /** Samples written since the last take(). */
  size = 0;

  family(name: string, type: MetricType, help: string): void {
    this.parts.push(`# TYPE ${name} ${type}\n# HELP ${name} ${help}\n`);
  }

  sample(name: string, labels: string, value: number): void {
    this.parts.push(`${name}${labels} ${formatValue(value)}\n`);
    this.size++;
  }

  take(): string {
    const s = this.parts.join('');
    this.parts = [];
    this.size = 0;
    return s;
  }
}
