import { isUtf8 } from 'node:buffer';
import { DecodeError } from './decode-error.js';
import { decodeTable, decodeArray } from './field-table.js';
import type { FieldTable, FieldValue } from './field-table.js';

/**
 * A cursor over a slice of a Buffer. Decoders advance `pos`; reading past `end` throws a
 * DecodeError instead of returning garbage, so truncated arguments are always detected.
 * One Reader is reused per connection to avoid an allocation per frame.
 */
export class Reader {
  buf: Buffer;
  pos: number;
  end: number;

  constructor(buf: Buffer = Buffer.alloc(0), pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  reset(buf: Buffer, pos: number, end: number): this {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    return this;
  }

  need(n: number): number {
    const at = this.pos;
    if (at + n > this.end) throw new DecodeError('truncated: needed ' + n + ' bytes at ' + at + ', frame ends at ' + this.end);
    this.pos = at + n;
    return at;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  u8(): number { return this.buf[this.need(1)]; }
  i8(): number { return this.buf.readInt8(this.need(1)); }
  u16(): number { return this.buf.readUInt16BE(this.need(2)); }
  i16(): number { return this.buf.readInt16BE(this.need(2)); }
  u32(): number { return this.buf.readUInt32BE(this.need(4)); }
  i32(): number { return this.buf.readInt32BE(this.need(4)); }
  f32(): number { return this.buf.readFloatBE(this.need(4)); }
  f64(): number { return this.buf.readDoubleBE(this.need(8)); }

  /** Unsigned 64-bit as a JS number (delivery tags never get near 2^53). */
  u64(): number {
    const at = this.need(8);
    return this.buf.readUInt32BE(at) * 0x1_0000_0000 + this.buf.readUInt32BE(at + 4);
  }

  i64Big(): bigint { return this.buf.readBigInt64BE(this.need(8)); }
  u64Big(): bigint { return this.buf.readBigUInt64BE(this.need(8)); }

  /** Short strings must be valid UTF-8 (names, keys); RabbitMQ refuses malformed ones. */
  shortstr(): string {
    const len = this.u8();
    const at = this.need(len);
    const buf = this.buf;
    for (let i = at; i < at + len; i++) {
      if (buf[i] >= 0x80) {
        if (!isUtf8(buf.subarray(at, at + len))) throw new DecodeError('Malformed UTF-8 in shortstr', 'utf8');
        break;
      }
    }
    return buf.toString('utf8', at, at + len);
  }

  longstr(): string {
    const len = this.u32();
    const at = this.need(len);
    return this.buf.toString('utf8', at, at + len);
  }

  /** A length-prefixed byte string as a copy (the frame buffer is reused). */
  longBytes(): Buffer {
    const len = this.u32();
    const at = this.need(len);
    return Buffer.from(this.buf.subarray(at, at + len));
  }

  table(): FieldTable {
    return decodeTable(this);
  }

  array(): FieldValue[] {
    return decodeArray(this);
  }
}
