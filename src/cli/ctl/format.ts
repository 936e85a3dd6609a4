// How warrenctl prints results, as rabbitmqctl 3.10 does: `table` (tab-separated, a header row
// unless -s/--no-table-headers, values written as Erlang terms), `json` (one object per row, in
// rabbitmqctl's "[\n{...}\n,{...}\n]" layout), `pretty_table` (boxed with VT100 line drawing, as
// rabbitmqctl draws it) and `csv`.

export type Formatter = 'table' | 'json' | 'pretty_table' | 'csv';
export const formatters: readonly Formatter[] = ['table', 'json', 'pretty_table', 'csv'];

/**
 * How a column's value is shown:
 * - plain: strings, numbers, booleans as they are;
 * - table: an AMQP field table (given as the API's JSON object) — `[{"k","v"}]` in a table,
 *   `[["k","longstr","v"]]` in JSON, as rabbitmqctl shows arguments and client properties;
 * - atoms: a list of names — `[management, policymaker]` in a table, a JSON array otherwise;
 * - tuple: a fixed list such as the protocol version — `{0,9,1}` in a table.
 */
export type ValueKind = 'plain' | 'table' | 'atoms' | 'tuple';

export interface Column {
  name: string;
  kind?: ValueKind;
}

/** A command's result, printed according to --formatter and -q/-s. */
export type Result =
  | { type: 'listing'; columns: Column[]; rows: unknown[][]; /** false: never a header row (list_user_topic_permissions) */ headers?: boolean }
  /**
   * Text for table formatters and a value for --formatter json. `level`: 'info' is hidden by -q and -s
   * (add_user's reminder), 'check' by -s only (a passing health check), 'data' always shown.
   */
  | { type: 'message'; text: string; json: unknown; level?: 'info' | 'check' | 'data' }
  /**
   * Rows that each carry their own columns, in key order (rabbitmqctl's shovel_status): the header
   * is the first row's keys, and each line has just its own row's values.
   */
  | { type: 'records'; rows: Record<string, unknown>[] }
  /** Printed as it is whatever the formatter (definitions exported to stdout). */
  | { type: 'raw'; text: string }
  /** Nothing to print; `json`: what --formatter json prints (set_cluster_name's {"node", "result"}). */
  | { type: 'none'; json?: unknown };

export interface PrintOptions {
  formatter: Formatter;
  quiet: boolean;
  silent: boolean;
  noTableHeaders: boolean;
  /**
   * An empty listing prints one empty line: rabbitmqctl does so for the verbs that return a whole
   * list (list_permissions, list_policies...), not for those that stream rows (list_queues...).
   */
  emptyListLine?: boolean;
}

/** The text to write to stdout for a result ('' for nothing). */
export function render(result: Result, o: PrintOptions): string {
  switch (result.type) {
    case 'none':
      return o.formatter === 'json' && result.json !== undefined ? JSON.stringify(result.json) + '\n' : '';
    case 'raw':
      return result.text.endsWith('\n') || result.text === '' ? result.text : result.text + '\n';
    case 'message': {
      if (o.formatter === 'json') return JSON.stringify(result.json) + '\n';
      const level = result.level ?? 'data';
      if ((level === 'info' && (o.quiet || o.silent)) || (level === 'check' && o.silent)) return '';
      return result.text + '\n';
    }
    case 'listing':
      return renderListing(result.columns, result.rows, { ...o, noTableHeaders: o.noTableHeaders || result.headers === false });
    case 'records':
      if (o.formatter === 'json') return jsonRows(result.rows.map((r) => JSON.stringify(r)));
      if (result.rows.length === 0) return '';
      return renderRecords(Object.keys(result.rows[0]), result.rows.map((r) => Object.values(r).map((v) => textValue(v))), o);
  }
}

/** rabbitmqctl's JSON listing layout: "[", one object a line with a leading comma, "]". */
function jsonRows(objects: string[]): string {
  return objects.length === 0 ? '[\n]\n' : `[\n${objects.join('\n,')}\n]\n`;
}

function renderListing(columns: Column[], rows: unknown[][], o: PrintOptions): string {
  if (o.formatter === 'json') {
    return jsonRows(rows.map((r) => JSON.stringify(Object.fromEntries(columns.map((c, i) => [c.name, jsonValue(r[i], c.kind)])))));
  }
  // rabbitmqctl prints no header row for an empty listing.
  if (rows.length === 0) return o.emptyListLine ? '\n' : '';
  return renderCells(columns.map((c) => c.name), rows.map((r) => columns.map((c, i) => textValue(r[i], c.kind))), o);
}

/** Rows of their own lengths; a pretty table's boxes need them padded to one width. */
function renderRecords(names: string[], cells: string[][], o: PrintOptions): string {
  if (o.formatter !== 'pretty_table') return renderCells(names, cells, o);
  const width = Math.max(names.length, ...cells.map((c) => c.length));
  const pad = (l: string[]) => [...l, ...Array<string>(width - l.length).fill('')];
  return renderCells(pad(names), cells.map(pad), o);
}

/** Table, CSV or pretty table of text cells under the column names. */
function renderCells(names: string[], cells: string[][], o: PrintOptions): string {
  const header = !o.silent && !o.noTableHeaders;
  if (o.formatter === 'csv') {
    const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
    return [...(header ? [names] : []), ...cells].map((line) => line.map(quote).join(',')).join('\n') + '\n';
  }
  if (o.formatter === 'pretty_table') return prettyTable(header ? [names, ...cells] : cells);
  return [...(header ? [names] : []), ...cells].map((line) => line.join('\t')).join('\n') + '\n';
}

/** VT100 line drawing (ESC ( 0 ... ESC ( B), the way rabbitmqctl's pretty_table draws its boxes. */
function prettyTable(lines: string[][]): string {
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => [...l[i]].length)));
  const draw = (s: string) => `\x1b(0${s}\x1b(B`;
  const rule = (left: string, mid: string, right: string) => draw(left + widths.map((w) => 'q'.repeat(w + 2)).join(mid) + right);
  const row = (l: string[]) => l.map((cell, i) => `${draw('x')} ${cell}${' '.repeat(widths[i] - [...cell].length)} `).join('') + draw('x');
  const out = [rule('l', 'w', 'k')];
  lines.forEach((l, i) => {
    if (i > 0) out.push(rule('t', 'n', 'u'));
    out.push(row(l));
  });
  out.push(rule('m', 'v', 'j'));
  return out.join('\n') + '\n';
}

/** A value as rabbitmqctl's table formatter writes it. */
export function textValue(v: unknown, kind: ValueKind = 'plain'): string {
  if (v === undefined || v === null) return '';
  switch (kind) {
    case 'table':
      return typeof v === 'object' && !Array.isArray(v) ? erlangTable(v as Record<string, unknown>) : erlangTerm(v);
    case 'atoms':
      return Array.isArray(v) ? `[${v.map(String).join(', ')}]` : String(v);
    case 'tuple':
      return Array.isArray(v) ? `{${v.map((x) => erlangTerm(x)).join(',')}}` : String(v);
    default:
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      return JSON.stringify(v);
  }
}

/** A value as rabbitmqctl's JSON formatter writes it (field tables as [name, type, value] triples). */
export function jsonValue(v: unknown, kind: ValueKind = 'plain'): unknown {
  if (v === undefined) return null;
  if (kind === 'table' && v !== null && typeof v === 'object' && !Array.isArray(v)) return typedTable(v as Record<string, unknown>);
  return v;
}

function erlangTable(t: Record<string, unknown>): string {
  return `[${Object.entries(t).map(([k, x]) => `{${JSON.stringify(k)},${erlangTerm(x)}}`).join(',')}]`;
}

function erlangTerm(v: unknown): string {
  if (v === null || v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(erlangTerm).join(',')}]`;
  if (typeof v === 'object') return erlangTable(v as Record<string, unknown>);
  return String(v);
}

/** The AMQP type RabbitMQ reports for a JSON value it received through the HTTP API. */
function amqpType(v: unknown): string {
  if (v === null) return 'void';
  if (typeof v === 'string') return 'longstr';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'long' : 'double';
  if (Array.isArray(v)) return 'array';
  return 'table';
}

function typedValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => [amqpType(x), typedValue(x)]);
  if (v !== null && typeof v === 'object') return typedTable(v as Record<string, unknown>);
  return v;
}

function typedTable(t: Record<string, unknown>): unknown[] {
  return Object.entries(t).map(([k, v]) => [k, amqpType(v), typedValue(v)]);
}
