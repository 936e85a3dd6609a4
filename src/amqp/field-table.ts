import { DecodeError } from './decode-error.js';
import type { Reader } from './buffer-reader.js';
import type { Writer } from './buffer-writer.js';

/**
 * Field-table values. Plain JS values cover the common wire types, and the encoder picks them
 * for plain values: boolean → t, integer in int32 range → I, other integer → l, other number → d,
 * bigint → l, string → S, Buffer → x, null/undefined → V, array → A, object → F.
 * Every other wire type decodes to a TypedValue that remembers its type, so a table decoded and
 * encoded again is byte-identical (this matters when the broker rewrites headers it forwards) —
 * except that integer-like keys ("1") come first, because JS objects order them so.
 */
export type FieldValue =
  | boolean
  | number
  | bigint
  | string
  | Buffer
  | null
  | TypedValue
  | Decimal
  | FieldValue[]
  | FieldTable;

export interface FieldTable {
  [key: string]: FieldValue;
}

/** Wire types without a natural JS counterpart of their own. */
export type NarrowType = 'b' | 'B' | 's' | 'u' | 'i' | 'l' | 'L' | 'f' | 'd' | 'T';

export class TypedValue {
  constructor(
    readonly type: NarrowType,
    readonly value: number | bigint,
  ) {}
}

/** AMQP decimal: value × 10^-scale. */
export class Decimal {
  constructor(
    readonly scale: number,
    readonly value: number,
  ) {}
}

/** The numeric value of a field, unwrapping typed integers; undefined when not a number. */
export function numberOf(v: FieldValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof TypedValue) return Number(v.value);
  return undefined;
}

/** Nesting deeper than this is refused (a hostile table must not exhaust the stack). */
const MAX_DEPTH = 100;
let depth = 0;

export function decodeTable(r: Reader): FieldTable {
  if (++depth > MAX_DEPTH) {
    depth = 0;
    throw new DecodeError('field table nested too deeply', 'invalid');
  }
  try {
    return decodeTableBody(r);
  } finally {
    if (depth > 0) depth--;
  }
}

function decodeTableBody(r: Reader): FieldTable {
  const len = r.u32();
  const end = r.pos + len;
  if (end > r.end) throw new DecodeError('field table longer than its frame');
  const table: FieldTable = {};
  const outerEnd = r.end;
  r.end = end;
  try {
    while (r.pos < end) {
      const key = r.shortstr();
      const value = decodeValue(r);
      // "__proto__" is a legal header name; assigning it would set the prototype instead.
      if (key === '__proto__') Object.defineProperty(table, key, { value, enumerable: true, writable: true, configurable: true });
      else table[key] = value;
    }
  } finally {
    r.end = outerEnd;
  }
  return table;
}

export function decodeArray(r: Reader): FieldValue[] {
  if (++depth > MAX_DEPTH) {
    depth = 0;
    throw new DecodeError('field array nested too deeply', 'invalid');
  }
  try {
    return decodeArrayBody(r);
  } finally {
    if (depth > 0) depth--;
  }
}

function decodeArrayBody(r: Reader): FieldValue[] {
  const len = r.u32();
  const end = r.pos + len;
  if (end > r.end) throw new DecodeError('field array longer than its frame');
  const out: FieldValue[] = [];
  const outerEnd = r.end;
  r.end = end;
  try {
    while (r.pos < end) out.push(decodeValue(r));
  } finally {
    r.end = outerEnd;
  }
  return out;
}

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;

function decodeValue(r: Reader): FieldValue {
  const type = r.u8();
  switch (type) {
    case 0x74 /* t */: return r.u8() !== 0;
    case 0x62 /* b */: return new TypedValue('b', r.i8());
    case 0x42 /* B */: return new TypedValue('B', r.u8());
    case 0x73 /* s */: return new TypedValue('s', r.i16());
    case 0x75 /* u */: return new TypedValue('u', r.u16());
    case 0x49 /* I */: return r.i32();
    case 0x69 /* i */: return new TypedValue('i', r.u32());
    case 0x6c /* l */: {
      const v = r.i64Big();
      // Only values the plain-number rule would not encode as 'l' need a wrapper to round-trip.
      if (v >= BigInt(INT32_MIN) && v <= BigInt(INT32_MAX)) return new TypedValue('l', Number(v));
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    case 0x4c /* L */: return new TypedValue('L', r.u64Big());
    case 0x66 /* f */: return new TypedValue('f', r.f32());
    case 0x64 /* d */: {
      // An integral double would re-encode as an integer type: keep its type explicitly.
      const v = r.f64();
      return Number.isInteger(v) ? new TypedValue('d', v) : v;
    }
    case 0x44 /* D */: {
      const scale = r.u8();
      return new Decimal(scale, r.i32());
    }
    case 0x54 /* T */: {
      const v = r.u64Big();
      return new TypedValue('T', v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
    }
    case 0x53 /* S */: return r.longstr();
    case 0x78 /* x */: return r.longBytes();
    case 0x46 /* F */: return decodeTable(r);
    case 0x41 /* A */: return decodeArray(r);
    case 0x56 /* V */: return null;
    default:
      throw new DecodeError('unknown field table value type 0x' + type.toString(16), 'invalid');
  }
}

export function encodeTable(w: Writer, table: FieldTable | undefined): void {
  w.ensure(4);
  const lenAt = w.pos;
  w.pos += 4;
  if (table) {
    for (const key of Object.keys(table)) {
      const value = table[key];
      if (value === undefined) continue;
      w.shortstr(key);
      encodeValue(w, value);
    }
  }
  w.buf.writeUInt32BE(w.pos - lenAt - 4, lenAt);
}

export function encodeArray(w: Writer, values: FieldValue[]): void {
  w.ensure(4);
  const lenAt = w.pos;
  w.pos += 4;
  for (const v of values) encodeValue(w, v);
  w.buf.writeUInt32BE(w.pos - lenAt - 4, lenAt);
}

function encodeValue(w: Writer, v: FieldValue): void {
  if (v === null || v === undefined) return w.u8(0x56);
  switch (typeof v) {
    case 'boolean':
      w.u8(0x74);
      return w.u8(v ? 1 : 0);
    case 'number':
      if (Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX) {
        w.u8(0x49);
        return w.i32(v);
      }
      if (Number.isSafeInteger(v)) {
        w.u8(0x6c);
        return w.i64Big(BigInt(v));
      }
      w.u8(0x64);
      return w.f64(v);
    case 'bigint':
      w.u8(0x6c);
      return w.i64Big(v);
    case 'string':
      w.u8(0x53);
      return w.longstr(v);
  }
  if (Buffer.isBuffer(v)) {
    w.u8(0x78);
    return w.longstr(v);
  }
  if (Array.isArray(v)) {
    w.u8(0x41);
    return encodeArray(w, v);
  }
  if (v instanceof TypedValue) return encodeTyped(w, v);
  if (v instanceof Decimal) {
    w.u8(0x44);
    w.u8(v.scale);
    return w.i32(v.value);
  }
  w.u8(0x46);
  encodeTable(w, v as FieldTable);
}

function encodeTyped(w: Writer, v: TypedValue): void {
  w.u8(v.type.charCodeAt(0));
  const n = v.value;
  switch (v.type) {
    case 'b': return w.i8(Number(n));
    case 'B': return w.u8(Number(n));
    case 's': return w.i16(Number(n));
    case 'u': return w.u16(Number(n));
    case 'i': return w.u32(Number(n));
    case 'l': return w.i64Big(BigInt(n));
    case 'L': return w.u64Big(BigInt(n));
    case 'f': return w.f32(Number(n));
    case 'd': return w.f64(Number(n));
    case 'T': return typeof n === 'bigint' ? w.u64Big(n) : w.u64(n);
  }
}

/** RabbitMQ's name for a value's wire type, as used in "inequivalent arg" reply texts. */
export function wireTypeName(v: FieldValue): string {
  if (v === null) return 'void';
  if (v instanceof TypedValue) {
    const names: Record<NarrowType, string> = {
      b: 'byte', B: 'unsignedbyte', s: 'short', u: 'unsignedshort', i: 'unsignedint',
      l: 'long', L: 'unsignedlong', f: 'float', d: 'double', T: 'timestamp',
    };
    return names[v.type];
  }
  if (v instanceof Decimal) return 'decimal';
  if (Buffer.isBuffer(v)) return 'binary';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'boolean': return 'bool';
    case 'number': return Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX ? 'signedint' : Number.isInteger(v) ? 'long' : 'double';
    case 'bigint': return 'long';
    case 'string': return 'longstr';
  }
  return 'table';
}

/** Value equality across wire types (1 as 'b' equals 1 as 'I'), for argument comparisons. */
export function sameFieldValue(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  const na = numberOf(a);
  const nb = numberOf(b);
  if (na !== undefined && nb !== undefined) {
    const ia = integerOf(a);
    const ib = integerOf(b);
    // Compare 64-bit integers exactly; doubles would merge neighbours above 2^53.
    if (ia !== undefined && ib !== undefined) return ia === ib;
    return na === nb;
  }
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) return String(a) === String(b);
  if (a instanceof Decimal && b instanceof Decimal) return a.scale === b.scale && a.value === b.value;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameFieldValue(x, b[i]));
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => sameFieldValue((a as FieldTable)[k], (b as FieldTable)[k]));
  }
  return false;
}

/** A value as RabbitMQ prints it inside reply texts. */
export function displayFieldValue(v: FieldValue): string {
  if (v instanceof TypedValue) return String(v.value);
  if (Buffer.isBuffer(v)) return v.toString();
  if (v instanceof Decimal) return String(v.value / 10 ** v.scale);
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

function integerOf(v: FieldValue): bigint | undefined {
  const raw = v instanceof TypedValue ? v.value : v;
  if (typeof raw === 'bigint') return raw;
  if (typeof raw === 'number' && Number.isInteger(raw)) return BigInt(raw);
  return undefined;
}
