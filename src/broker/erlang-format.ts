// The few pieces of Erlang's ~p output that RabbitMQ reply texts embed, reproduced so Warren's
// texts match byte for byte (people search logs and match client errors on them).

/** Characters io_lib counts as printable in a latin1 string, besides 32..126 and 160..255. */
const printableControls = new Set([8, 9, 10, 11, 12, 13, 27]);
const escapes: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 27: '\\e', 34: '\\"', 92: '\\\\' };

/**
 * A byte string (an Erlang list of bytes) as ~p prints it: "..." with escapes when every byte is
 * printable latin1, otherwise a list of integers. Printable bytes come out unchanged, so a UTF-8
 * string made only of printable bytes reads back as itself.
 */
export function erlangString(bytes: Buffer): string {
  const printable = bytes.every((b) => (b >= 32 && b <= 126) || b >= 160 || printableControls.has(b));
  if (!printable) return '[' + Array.from(bytes).join(',') + ']';
  let out = '';
  let from = 0;
  for (let i = 0; i < bytes.length; i++) {
    const esc = escapes[bytes[i]];
    if (esc === undefined) continue;
    out += bytes.toString('utf8', from, i) + esc;
    from = i + 1;
  }
  return '"' + out + bytes.toString('utf8', from) + '"';
}

/**
 * `{tag,Value}` as ~p lays it out when it starts at `column`: on one line if it ends by column 78,
 * otherwise broken after the tag with the value indented under it (measured against RabbitMQ).
 */
export function erlangTaggedTuple(tag: string, value: string, column: number): string {
  const flat = `{${tag},${value}}`;
  if (column + Buffer.byteLength(flat) <= 78) return flat;
  return `{${tag},\n${' '.repeat(column + 1)}${value}}`;
}

/**
 * A list of already formatted terms as ~p lays it out when it starts at `column`: on one line if
 * it ends by column 78, otherwise one element per line, aligned under the first.
 */
export function erlangList(items: string[], column = 1): string {
  const flat = `[${items.join(',')}]`;
  if (column + Buffer.byteLength(flat) <= 78) return flat;
  return `[${items.join(`,\n${' '.repeat(column)}`)}]`;
}

/** A JSON value as the Erlang term RabbitMQ decodes it into, printed as ~p would (strings as binaries). */
export function erlangTerm(v: unknown): string {
  if (typeof v === 'string') return `<<${erlangString(Buffer.from(v, 'utf8'))}>>`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map(erlangTerm).join(',')}]`;
  return `#{${Object.entries(v as object).map(([k, x]) => `${erlangTerm(k)} => ${erlangTerm(x)}`).join(',')}}`;
}
