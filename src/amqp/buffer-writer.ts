import { encodeTable, encodeArray } from './field-table.js';
import type { FieldTable, FieldValue } from './field-table.js';

/**
 * A growable output buffer. Encoders append at `pos`; the owner takes the written bytes with
 * `take()`, which hands over the current chunk and starts a fresh one, so bytes given to a
 * socket are never overwritten while the kernel may still be reading them.
 */
export class Writer {
  buf: Buffer;
  pos = 0;
  private readonly chunkSize: number;

  constructor(initialSize = 16 * 1024) {
    this.chunkSize = initialSize;
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /**
   * Hands over the written bytes and goes on writing after them: in the rest of the same buffer
   * while at least a quarter of a chunk is left (handing over a frame header between two large
   * bodies costs no allocation), otherwise in a new chunk.
   */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    const rest = this.buf.length - this.pos;
    this.buf = rest >= this.chunkSize / 4 ? this.buf.subarray(this.pos) : Buffer.allocUnsafe(Math.max(this.chunkSize, 16 * 1024));
    this.pos = 0;
    return out;
  }

  u8(v: number): void { this.ensure(1); this.buf[this.pos++] = v & 0xff; }
  i8(v: number): void { this.ensure(1); this.buf.writeInt8(v, this.pos); this.pos += 1; }
  u16(v: number): void { this.ensure(2); this.buf.writeUInt16BE(v & 0xffff, this.pos); this.pos += 2; }
  i16(v: number): void { this.ensure(2); this.buf.writeInt16BE(v, this.pos); this.pos += 2; }
  u32(v: number): void { this.ensure(4); this.buf.writeUInt32BE(v >>> 0, this.pos); this.pos += 4; }
  i32(v: number): void { this.ensure(4); this.buf.writeInt32BE(v | 0, this.pos); this.pos += 4; }
  f32(v: number): void { this.ensure(4); this.buf.writeFloatBE(v, this.pos); this.pos += 4; }
  f64(v: number): void { this.ensure(8); this.buf.writeDoubleBE(v, this.pos); this.pos += 8; }

  u64(v: number): void {
    this.ensure(8);
    this.buf.writeUInt32BE(Math.floor(v / 0x1_0000_0000) >>> 0, this.pos);
    this.buf.writeUInt32BE(v >>> 0, this.pos + 4);
    this.pos += 8;
  }

  i64Big(v: bigint): void { this.ensure(8); this.buf.writeBigInt64BE(v, this.pos); this.pos += 8; }
  u64Big(v: bigint): void { this.ensure(8); this.buf.writeBigUInt64BE(v, this.pos); this.pos += 8; }

  shortstr(s: string): void {
    const len = Buffer.byteLength(s);
    if (len > 255) throw new RangeError('shortstr longer than 255 bytes');
    this.ensure(1 + len);
    this.buf[this.pos++] = len;
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  longstr(s: string | Buffer): void {
    if (typeof s === 'string') {
      const len = Buffer.byteLength(s);
      this.ensure(4 + len);
      this.buf.writeUInt32BE(len, this.pos);
      this.pos += 4;
      this.pos += this.buf.write(s, this.pos, 'utf8');
    } else {
      this.ensure(4 + s.length);
      this.buf.writeUInt32BE(s.length, this.pos);
      this.pos += 4;
      this.pos += s.copy(this.buf, this.pos);
    }
  }

  bytes(b: Buffer): void {
    this.ensure(b.length);
    this.pos += b.copy(this.buf, this.pos);
  }

  table(t: FieldTable | undefined): void {
    encodeTable(this, t);
  }

  array(a: FieldValue[]): void {
    encodeArray(this, a);
  }
}
