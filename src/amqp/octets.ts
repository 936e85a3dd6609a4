/**
 * Formats bytes the way RabbitMQ's reply texts show them (Erlang's ~p of a binary):
 * printable ASCII as <<"text">>, anything else as <<1,2,3>>.
 */
export function erlangBinary(bytes: Buffer): string {
  if (bytes.length > 0 && bytes.every((b) => b >= 32 && b <= 126)) return `<<"${bytes.toString('latin1').replace(/["\\]/g, '\\$&')}">>`;
  return `<<${[...bytes].join(',')}>>`;
}

/** "type T, all octets = <<...>>" (or "first octets" beyond 16 bytes), as in RabbitMQ's frame errors. */
export function frameSnippet(type: number, payload: Buffer): string {
  return payload.length <= 16
    ? `type ${type}, all octets = ${erlangBinary(payload)}`
    : `type ${type}, first octets = ${erlangBinary(payload.subarray(0, 16))}`;
}

/** Total length of a body held as pieces. */
export function piecesLength(pieces: readonly Buffer[]): number {
  let n = 0;
  for (const p of pieces) n += p.length;
  return n;
}
