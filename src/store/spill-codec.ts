import { Message } from '../broker/message.js';

/**
 * Serialises a queued message (and its per-queue flags) for the paging files: everything a Message
 * holds, so a message read back is indistinguishable from the one written.
 *   len u32 | flags u8 | persistent u8 | priority u8 | arrivedAt f64 | ttl f64 | storeId f64 |
 *   exchange str16 | routingKey str16 | nKeys u16 (0xffff: none) + keys str16 | props u32+bytes | body u32+bytes
 */
export function spillSize(m: Message): number {
  let n = 4 + 3 + 24 + 2 + Buffer.byteLength(m.exchange) + 2 + Buffer.byteLength(m.routingKey) + 2;
  if (m.routingKeys) for (const k of m.routingKeys) n += 2 + Buffer.byteLength(k);
  return n + 4 + m.properties.length + 4 + m.bodySize;
}

export function writeSpilled(buf: Buffer, at: number, m: Message, flags: number): number {
  const start = at;
  at += 4;
  buf[at++] = flags;
  buf[at++] = m.persistent ? 1 : 0;
  buf[at++] = m.priority;
  buf.writeDoubleBE(m.arrivedAt, at);
  buf.writeDoubleBE(m.ttl, at + 8);
  buf.writeDoubleBE(m.storeId, at + 16);
  at += 24;
  at = str(buf, at, m.exchange);
  at = str(buf, at, m.routingKey);
  if (m.routingKeys) {
    buf.writeUInt16BE(m.routingKeys.length, at);
    at += 2;
    for (const k of m.routingKeys) at = str(buf, at, k);
  } else {
    buf.writeUInt16BE(0xffff, at);
    at += 2;
  }
  buf.writeUInt32BE(m.properties.length, at);
  at += 4 + m.properties.copy(buf, at + 4);
  buf.writeUInt32BE(m.bodySize, at);
  at += 4 + m.copyBodyTo(buf, at + 4);
  buf.writeUInt32BE(at - start, start);
  return at;
}

function str(buf: Buffer, at: number, s: string): number {
  const n = buf.write(s, at + 2, 'utf8');
  buf.writeUInt16BE(n, at);
  return at + 2 + n;
}

/** Reads the record at `at` (its length prefix must be complete in `buf`). */
export function readSpilled(buf: Buffer, at: number): { message: Message; flags: number; length: number } {
  const length = buf.readUInt32BE(at);
  let p = at + 4;
  const flags = buf[p++];
  const persistent = buf[p++] === 1;
  const priority = buf[p++];
  const arrivedAt = buf.readDoubleBE(p);
  const ttl = buf.readDoubleBE(p + 8);
  const storeId = buf.readDoubleBE(p + 16);
  p += 24;
  const readStr = () => {
    const n = buf.readUInt16BE(p);
    const s = buf.toString('utf8', p + 2, p + 2 + n);
    p += 2 + n;
    return s;
  };
  const exchange = readStr();
  const routingKey = readStr();
  const nKeys = buf.readUInt16BE(p);
  p += 2;
  let routingKeys: string[] | undefined;
  if (nKeys !== 0xffff) {
    routingKeys = [];
    for (let i = 0; i < nKeys; i++) routingKeys.push(readStr());
  }
  const readBytes = () => {
    const n = buf.readUInt32BE(p);
    // Copy: the read buffer is reused for the next chunk.
    const b = Buffer.from(buf.subarray(p + 4, p + 4 + n));
    p += 4 + n;
    return b;
  };
  const properties = readBytes();
  const body = readBytes();
  const message = new Message(exchange, routingKey, properties, body, persistent, priority, ttl, routingKeys);
  message.arrivedAt = arrivedAt;
  message.storeId = storeId;
  return { message, flags, length };
}
