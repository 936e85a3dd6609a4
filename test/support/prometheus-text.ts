// A strict parser of the Prometheus text exposition format 0.0.4 (what Prometheus itself accepts,
// checked harder): every line must be a HELP, TYPE, comment or sample line; names and label names
// must be valid; label values may only use the \\, \" and \n escapes; a family's TYPE comes before
// its samples, at most once; a family's samples are contiguous; no series appears twice; counters
// are not negative. Anything else throws with the line number.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  type: MetricType;
  help: string | undefined;
  readonly samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export class ExpositionError extends Error {}

/** The family a sample belongs to (histogram and summary samples carry suffixes). */
function familyOf(name: string, families: Map<string, Family>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const f = families.get(base);
    if (f && (f.type === 'histogram' || f.type === 'summary')) return base;
  }
  return name;
}

function parseValue(s: string, line: number): number {
  if (s === 'NaN') return NaN;
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) throw new ExpositionError(`line ${line}: bad value '${s}'`);
  return Number(s);
}

/** Parses `{a="x",b="y"}` starting at text[pos] === '{'; returns the labels and the index after '}'. */
function parseLabels(text: string, pos: number, line: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let i = pos + 1;
  const fail = (why: string): never => {
    throw new ExpositionError(`line ${line}: ${why} in labels of '${text}'`);
  };
  while (true) {
    if (text[i] === '}') return [labels, i + 1];
    const eq = text.indexOf('=', i);
    if (eq < 0) fail('missing =');
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) fail(`bad label name '${name}'`);
    if (name in labels) fail(`duplicate label '${name}'`);
    if (text[eq + 1] !== '"') fail('label value not quoted');
    let value = '';
    let j = eq + 2;
    for (;; j++) {
      const c = text[j];
      if (c === undefined) fail('unterminated label value');
      if (c === '"') break;
      if (c === '\n') fail('raw line feed');
      if (c === '\\') {
        const e = text[++j];
        if (e === '\\' || e === '"') value += e;
        else if (e === 'n') value += '\n';
        else fail(`bad escape '\\${e}'`);
      } else value += c;
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail(`expected , or } after label '${name}'`);
  }
}

export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const series = new Set<string>();
  const finished = new Set<string>();
  let current: string | null = null;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else if (text !== '') throw new ExpositionError('output does not end with a line feed');
  const family = (name: string, line: number): Family => {
    if (finished.has(name)) throw new ExpositionError(`line ${line}: family ${name} is not contiguous`);
    if (current !== null && current !== name) finished.add(current);
    current = name;
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: 'untyped', help: undefined, samples: [] }));
    return f;
  };
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(raw);
      if (!m) return; // a plain comment
      const [, kind, name, rest = ''] = m;
      if (!METRIC_NAME.test(name)) throw new ExpositionError(`line ${line}: bad metric name '${name}'`);
      const f = family(name, line);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new ExpositionError(`line ${line}: bad type '${rest}'`);
        if (f.samples.length > 0) throw new ExpositionError(`line ${line}: TYPE of ${name} after its samples`);
        if ((f as { typed?: boolean }).typed) throw new ExpositionError(`line ${line}: second TYPE for ${name}`);
        (f as { typed?: boolean }).typed = true;
        f.type = rest as MetricType;
      } else {
        if (f.help !== undefined) throw new ExpositionError(`line ${line}: second HELP for ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) throw new ExpositionError(`line ${line}: bad escape in HELP`);
        f.help = rest.replace(/\\(\\|n)/g, (_, e) => (e === 'n' ? '\n' : '\\'));
      }
      return;
    }
    const nameEnd = raw.search(/[{ ]/);
    if (nameEnd <= 0) throw new ExpositionError(`line ${line}: not a sample: '${raw}'`);
    const name = raw.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) throw new ExpositionError(`line ${line}: bad metric name '${name}'`);
    let labels: Record<string, string> = {};
    let pos = nameEnd;
    if (raw[pos] === '{') [labels, pos] = parseLabels(raw, pos, line);
    if (raw[pos] !== ' ') throw new ExpositionError(`line ${line}: expected a space before the value`);
    const parts = raw.slice(pos + 1).split(' ');
    if (parts.length > 2 || parts[0] === '') throw new ExpositionError(`line ${line}: bad value/timestamp '${raw.slice(pos + 1)}'`);
    const value = parseValue(parts[0], line);
    if (parts.length === 2 && !/^-?\d+$/.test(parts[1])) throw new ExpositionError(`line ${line}: bad timestamp '${parts[1]}'`);
    const f = family(familyOf(name, families), line);
    if (f.type === 'counter' && !(value >= 0)) throw new ExpositionError(`line ${line}: counter ${name} is ${value}`);
    const key = name + JSON.stringify(Object.entries(labels).sort());
    if (series.has(key)) throw new ExpositionError(`line ${line}: duplicate series ${raw}`);
    series.add(key);
    f.samples.push({ name, labels, value });
  });
  return families;
}

/** The one sample of `name` whose labels include `labels` (throws when none or several match). */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const f = families.get(name);
  if (!f) throw new Error(`no family ${name}`);
  const matches = f.samples.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (matches.length !== 1) throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matches[0].value;
}
