import { crc32 } from 'node:zlib';
import { Writer } from '../amqp/buffer-writer.js';

/**
 * Records of the message log. Every record is
 *   length u32 (whole record) | crc32 u32 (of everything after it) | type u8 | id u64 | payload
 * so recovery can walk the log, verify each record and stop at a torn or corrupt tail.
 */
export const RecordType = {
  /** A persistent message and the durable queues it was routed to. id = message id. */
  Publish: 1,
  /** Messages removed from a queue for good (ack, reject, expiry, ...). */
  Ack: 2,
  /** Messages handed to a consumer (so recovery can mark them redelivered). */
  Delivered: 3,
  /** Every message of a queue with id <= record id is gone (purge, queue delete). */
  Purge: 4,
  /** A live message copied forward by compaction; supersedes its earlier copy. */
  Moved: 5,
} as const;

export const HEADER_SIZE = 4 + 4 + 1 + 8;

export interface PublishPayload {
  /** When the message was published (ms since the epoch): message TTLs count from it. */
  timestamp: number;
  queues: string[];
  exchange: string;
  routingKey: string;
  properties: Buffer;
  body: Buffer;
}

/** Accumulates encoded records for one batched write (the growable buffer is the codec's Writer). */
export class RecordWriter extends Writer {
  constructor() {
    super(1 << 20);
  }

  /** The bytes written so far (valid until the next append or reset). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
  }

  private begin(type: number, id: number): number {
    this.ensure(HEADER_SIZE);
    const start = this.pos;
    this.buf[start + 8] = type;
    writeU64(this.buf, start + 9, id);
    this.pos = start + HEADER_SIZE;
    return start;
  }

  private end(start: number): void {
    const b = this.buf;
    b.writeUInt32BE(this.pos - start, start);
    b.writeUInt32BE(crc32(b.subarray(start + 8, this.pos)), start + 4);
  }

  private str16(s: string): void {
    const len = Buffer.byteLength(s);
    this.ensure(2 + len);
    this.buf.writeUInt16BE(len, this.pos);
    this.pos += 2;
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  private bytes32(b: Buffer): void {
    this.ensure(4 + b.length);
    this.buf.writeUInt32BE(b.length, this.pos);
    this.pos += 4;
    this.pos += b.copy(this.buf, this.pos);
  }

  /** Appends a publish (or moved) record; returns its offset within this batch. */
  publish(type: typeof RecordType.Publish | typeof RecordType.Moved, id: number, p: PublishPayload): number {
    const start = this.begin(type, id);
    this.ensure(10);
    this.buf.writeDoubleBE(p.timestamp, this.pos);
    this.buf.writeUInt16BE(p.queues.length, this.pos + 8);
    this.pos += 10;
    for (const q of p.queues) this.str16(q);
    this.str16(p.exchange);
    this.str16(p.routingKey);
    this.bytes32(p.properties);
    this.bytes32(p.body);
    this.end(start);
    return start;
  }

  /** Ack or Delivered for a list of message ids of one queue. */
  idList(type: typeof RecordType.Ack | typeof RecordType.Delivered, queue: string, ids: readonly number[]): void {
    const start = this.begin(type, 0);
    this.str16(queue);
    this.ensure(4 + ids.length * 8);
    this.buf.writeUInt32BE(ids.length, this.pos);
    this.pos += 4;
    for (const id of ids) {
      writeU64(this.buf, this.pos, id);
      this.pos += 8;
    }
    this.end(start);
  }

  purge(queue: string, upToId: number): void {
    const start = this.begin(RecordType.Purge, upToId);
    this.str16(queue);
    this.end(start);
  }
}

export function writeU64(b: Buffer, at: number, v: number): void {
  b.writeUInt32BE(Math.floor(v / 0x1_0000_0000) >>> 0, at);
  b.writeUInt32BE(v >>> 0, at + 4);
}

export function readU64(b: Buffer, at: number): number {
  return b.readUInt32BE(at) * 0x1_0000_0000 + b.readUInt32BE(at + 4);
}

/** A decoded record; `publish` is set for Publish/Moved, `queue`/`ids` for the others. */
export interface DecodedRecord {
  type: number;
  id: number;
  length: number;
  publish?: PublishPayload;
  queue?: string;
  ids?: number[];
}

/**
 * Decodes the record at `at`, or returns undefined when the bytes there are not a complete,
 * intact record (torn write, zero fill, corruption): recovery stops at that point.
 */
export function decodeRecord(b: Buffer, at: number, end: number): DecodedRecord | undefined {
  if (end - at < HEADER_SIZE) return undefined;
  const length = b.readUInt32BE(at);
  if (length < HEADER_SIZE || at + length > end) return undefined;
  if (crc32(b.subarray(at + 8, at + length)) !== b.readUInt32BE(at + 4)) return undefined;
  const type = b[at + 8];
  const id = readU64(b, at + 9);
  let pos = at + HEADER_SIZE;
  const str = () => {
    const len = b.readUInt16BE(pos);
    const s = b.toString('utf8', pos + 2, pos + 2 + len);
    pos += 2 + len;
    return s;
  };
  const bytes = () => {
    const len = b.readUInt32BE(pos);
    const out = b.subarray(pos + 4, pos + 4 + len);
    pos += 4 + len;
    return out;
  };
  switch (type) {
    case RecordType.Publish:
    case RecordType.Moved: {
      const timestamp = b.readDoubleBE(pos);
      const n = b.readUInt16BE(pos + 8);
      pos += 10;
      const queues: string[] = [];
      for (let i = 0; i < n; i++) queues.push(str());
      const exchange = str();
      const routingKey = str();
      const properties = bytes();
      const body = bytes();
      return { type, id, length, publish: { timestamp, queues, exchange, routingKey, properties, body } };
    }
    case RecordType.Ack:
    case RecordType.Delivered: {
      const queue = str();
      const n = b.readUInt32BE(pos);
      pos += 4;
      const ids: number[] = new Array(n);
      for (let i = 0; i < n; i++) ids[i] = readU64(b, pos + i * 8);
      return { type, id, length, queue, ids };
    }
    case RecordType.Purge:
      return { type, id, length, queue: str() };
    default:
      return undefined;
  }
}
