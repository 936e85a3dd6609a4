// Structured logging: one line per event on stderr, `ts level event key=value ...`.
// Values with spaces are JSON-quoted so the line stays machine-splittable.
export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'none';

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warning: 30, error: 40, none: 100 };

export type LogFields = Record<string, string | number | boolean | undefined | null>;

export class Logger {
  constructor(
    private level: LogLevel = 'info',
    private readonly context: LogFields = {},
    private readonly sink: (line: string) => void = (line) => process.stderr.write(line + '\n'),
  ) {}

  setLevel(level: LogLevel): void {
    this.level = level;
  }

  /** A logger that adds the given fields (e.g. connection name and peer) to every line. */
  child(fields: LogFields): Logger {
    const child = new Logger(this.level, { ...this.context, ...fields }, this.sink);
    // Children follow the parent's level changes made later through setLevel on the parent.
    Object.defineProperty(child, 'level', { get: () => this.level });
    return child;
  }

  enabled(level: LogLevel): boolean {
    return rank[level] >= rank[this.level];
  }

  debug(event: string, fields?: LogFields): void { this.write('debug', event, fields); }
  info(event: string, fields?: LogFields): void { this.write('info', event, fields); }
  warning(event: string, fields?: LogFields): void { this.write('warning', event, fields); }
  error(event: string, fields?: LogFields): void { this.write('error', event, fields); }

  private write(level: LogLevel, event: string, fields?: LogFields): void {
    if (rank[level] < rank[this.level]) return;
    let line = `${new Date().toISOString()} ${level} ${event}`;
    line += format(this.context);
    if (fields) line += format(fields);
    this.sink(line);
  }
}

function format(fields: LogFields): string {
  let out = '';
  for (const key of Object.keys(fields)) {
    const v = fields[key];
    if (v === undefined || v === null) continue;
    const s = String(v);
    out += ' ' + key + '=' + (/^[^\s"=]+$/.test(s) ? s : JSON.stringify(s));
  }
  return out;
}
