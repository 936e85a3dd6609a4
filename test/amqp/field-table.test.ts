// Field tables (src/amqp/field-table.ts): golden bytes for every value type, a seeded property
// test (encode → decode → encode is byte-identical and the decoded value deep-equals the input),
// and fuzzing of the decoder with random and mutated bytes.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Writer } from '../../src/amqp/buffer-writer.js';
import { Reader } from '../../src/amqp/buffer-reader.js';
import { DecodeError } from '../../src/amqp/decode-error.js';
import { decodeArray, decodeTable, Decimal, encodeArray, encodeTable, TypedValue } from '../../src/amqp/field-table.js';
import type { FieldTable, FieldValue } from '../../src/amqp/field-table.js';

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/[\s|]/g, ''), 'hex');
}

function utf8(s: string): string {
  return Buffer.from(s, 'utf8').toString('hex');
}

function encode(t: FieldTable): Buffer {
  const w = new Writer(8);
  encodeTable(w, t);
  return Buffer.from(w.buf.subarray(0, w.pos));
}

function decode(b: Buffer): FieldTable {
  return decodeTable(new Reader(b));
}

/** A table on the wire: the entries' bytes with their 4-byte length prefix. */
function wire(bodyHex: string): Buffer {
  const body = hex(bodyHex);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

/** One-entry table `{ k: value }` on the wire, given the value's bytes (type octet onward). */
function entry(valueHex: string): Buffer {
  return wire(`01 ${utf8('k')} ${valueHex}`);
}

// mulberry32: small, fast, seeded.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('field table: golden bytes for every value type', () => {
  const cases: [string, FieldValue, string][] = [
    ['t boolean true', true, '74 01'],
    ['t boolean false', false, '74 00'],
    ['b signed 8-bit', new TypedValue('b', -1), '62 ff'],
    ['B unsigned 8-bit', new TypedValue('B', 255), '42 ff'],
    ['s signed 16-bit', new TypedValue('s', -32768), '73 8000'],
    ['u unsigned 16-bit', new TypedValue('u', 65535), '75 ffff'],
    ['I signed 32-bit (plain integer in int32 range)', -2, '49 ffff fffe'],
    ['I int32 max', 2147483647, '49 7fff ffff'],
    ['I int32 min', -2147483648, '49 8000 0000'],
    ['i unsigned 32-bit', new TypedValue('i', 4294967295), '69 ffff ffff'],
    ['l signed 64-bit that fits int32 keeps its type', new TypedValue('l', 5), '6c 0000 0000 0000 0005'],
    ['l signed 64-bit outside int32 is a plain number', 2 ** 31, '6c 0000 0000 8000 0000'],
    ['l largest safe integer', Number.MAX_SAFE_INTEGER, '6c 001f ffff ffff ffff'],
    ['l beyond the safe range is a bigint', -(2n ** 63n), '6c 8000 0000 0000 0000'],
    ['L unsigned 64-bit', new TypedValue('L', 2n ** 64n - 1n), '4c ffff ffff ffff ffff'],
    ['f 32-bit float', new TypedValue('f', 1.5), '66 3fc0 0000'],
    ['d 64-bit double (plain non-integer number)', 0.1, '64 3fb9 9999 9999 999a'],
    ['D decimal: scale octet then signed 32-bit value', new Decimal(2, -12345), '44 02 ffff cfc7'],
    ['T timestamp', new TypedValue('T', 1_700_000_000), '54 0000 0000 6553 f100'],
    ['S long string (UTF-8, byte length)', 'hé', `53 0000 0003 ${utf8('hé')}`],
    ['x byte array', Buffer.from([0, 1, 0xff]), '78 0000 0003 0001ff'],
    ['V void', null, '56'],
    ['A array', [1, 'a', null], `41 0000 000c | 49 0000 0001 | 53 0000 0001 ${utf8('a')} | 56`],
    ['F nested table', { n: true }, `46 0000 0004 | 01 ${utf8('n')} 74 01`],
    ['F empty nested table', {}, '46 0000 0000'],
  ];

  for (const [name, value, valueHex] of cases) {
    test(`${name}: encodes to ${valueHex.replace(/[\s|]/g, '')} and decodes back`, () => {
      const bytes = entry(valueHex);
      assert.equal(encode({ k: value }).toString('hex'), bytes.toString('hex'));
      assert.deepEqual(decode(bytes), { k: value });
    });
  }

  test('a table with one value of every type, in key order, with the total length prefix', () => {
    const table: FieldTable = {
      t: true,
      b: new TypedValue('b', -128),
      B: new TypedValue('B', 200),
      s: new TypedValue('s', 300),
      u: new TypedValue('u', 40000),
      I: 123456,
      i: new TypedValue('i', 3000000000),
      l: 2 ** 40,
      L: new TypedValue('L', 1n),
      f: new TypedValue('f', -2),
      d: 2.5,
      D: new Decimal(1, 15),
      T: new TypedValue('T', 1),
      S: 'str',
      x: Buffer.from('bin'),
      A: [],
      F: { z: 'y' },
      V: null,
    };
    const body =
      `01 ${utf8('t')} 74 01` +
      `01 ${utf8('b')} 62 80` +
      `01 ${utf8('B')} 42 c8` +
      `01 ${utf8('s')} 73 012c` +
      `01 ${utf8('u')} 75 9c40` +
      `01 ${utf8('I')} 49 0001 e240` +
      `01 ${utf8('i')} 69 b2d0 5e00` +
      `01 ${utf8('l')} 6c 0000 0100 0000 0000` +
      `01 ${utf8('L')} 4c 0000 0000 0000 0001` +
      `01 ${utf8('f')} 66 c000 0000` +
      `01 ${utf8('d')} 64 4004 0000 0000 0000` +
      `01 ${utf8('D')} 44 01 0000 000f` +
      `01 ${utf8('T')} 54 0000 0000 0000 0001` +
      `01 ${utf8('S')} 53 0000 0003 ${utf8('str')}` +
      `01 ${utf8('x')} 78 0000 0003 ${utf8('bin')}` +
      `01 ${utf8('A')} 41 0000 0000` +
      `01 ${utf8('F')} 46 0000 0008 01 ${utf8('z')} 53 0000 0001 ${utf8('y')}` +
      `01 ${utf8('V')} 56`;
    const bytes = wire(body);
    assert.equal(encode(table).toString('hex'), bytes.toString('hex'));
    assert.deepEqual(decode(bytes), table);
  });

  test('the plain-value rules: bigint → l, undefined entries are skipped, Buffer → x', () => {
    assert.equal(encode({ k: 5n }).toString('hex'), entry('6c 0000 0000 0000 0005').toString('hex'));
    assert.equal(encode({ a: undefined as unknown as FieldValue }).toString('hex'), '00000000');
    assert.equal(encode({}).toString('hex'), '00000000');
  });

  test('an absent table encodes as an empty table', () => {
    const w = new Writer(8);
    encodeTable(w, undefined);
    assert.equal(w.buf.subarray(0, w.pos).toString('hex'), '00000000');
  });

  test('arrays encode and decode on their own', () => {
    const w = new Writer(8);
    encodeArray(w, [true, new TypedValue('u', 7)]);
    const bytes = Buffer.from(w.buf.subarray(0, w.pos));
    assert.equal(bytes.toString('hex'), '00000005' + '7401' + '750007');
    assert.deepEqual(decodeArray(new Reader(bytes)), [true, new TypedValue('u', 7)]);
  });

  test('an unknown value type octet throws DecodeError', () => {
    assert.throws(() => decode(entry('5a 00')), DecodeError); // 'Z' is not a field type
    assert.throws(() => decode(entry('55 0000')), DecodeError); // 'U' (Qpid's short) is not RabbitMQ's
  });

  test('a table that declares more bytes than there are throws DecodeError', () => {
    assert.throws(() => decode(hex('0000 0005 01 6b 74')), DecodeError);
  });

  test('a value that runs past the end of its table throws DecodeError even when the frame goes on', () => {
    // The inner table says 3 bytes, but its entry (key 'k', type I) needs 7: the reader must stop at 3.
    assert.throws(() => decode(hex(`0000 000f | 01 ${utf8('a')} 46 0000 0003 01 ${utf8('k')} 49 | 0000 0000 00`)), DecodeError);
  });

  test('the end bound is restored after a nested table, so outer entries keep decoding', () => {
    const bytes = encode({ a: { b: 1 }, c: 'd' });
    assert.deepEqual(decode(bytes), { a: { b: 1 }, c: 'd' });
  });
});

describe('field table: round trips the decoder must preserve byte for byte', () => {
  // The module promises that a table decoded and encoded again is byte-identical (the broker
  // forwards headers it decoded). These are wire inputs, not JS values, that break that promise.

  test('a double with an integral value (d 1.0) re-encodes as a double, not as a signed int', () => {
    const bytes = entry('64 3ff0 0000 0000 0000');
    assert.equal(encode(decode(bytes)).toString('hex'), bytes.toString('hex'));
  });

  test('a timestamp beyond 2^53 re-encodes to the same 64 bits', () => {
    const bytes = entry('54 ffff ffff ffff ffff');
    assert.equal(encode(decode(bytes)).toString('hex'), bytes.toString('hex'));
  });

  test("a header named '__proto__' survives decoding as an ordinary key", () => {
    const bytes = wire(`09 ${utf8('__proto__')} 53 0000 0001 ${utf8('x')}`);
    const t = decode(bytes);
    assert.deepEqual(Object.keys(t), ['__proto__']);
    assert.equal(encode(t).toString('hex'), bytes.toString('hex'));
  });

  // Known limitation: tables are plain JS objects, which list integer-like keys first. Keys and
  // values survive; only their order changes, and only when the broker re-encodes a table.
  test('keys that look like array indices survive a round trip, listed first', () => {
    const bytes = wire(`01 ${utf8('b')} 49 0000 0001 | 01 ${utf8('1')} 49 0000 0002`);
    const reordered = wire(`01 ${utf8('1')} 49 0000 0002 | 01 ${utf8('b')} 49 0000 0001`);
    assert.deepEqual(decode(bytes), { b: 1, '1': 2 });
    assert.equal(encode(decode(bytes)).toString('hex'), reordered.toString('hex'));
  });
});

describe('field table: seeded property test', () => {
  const INT32_MIN = -(2 ** 31);
  const INT32_MAX = 2 ** 31 - 1;

  function pick<T>(rnd: () => number, xs: readonly T[]): T {
    return xs[Math.floor(rnd() * xs.length)];
  }

  function int(rnd: () => number, lo: number, hi: number): number {
    return lo + Math.floor(rnd() * (hi - lo + 1));
  }

  /** A well-formed Unicode string: ASCII, Latin-1, CJK and astral (surrogate-pair) code points. */
  function unicode(rnd: () => number, maxCodePoints: number): string {
    const n = int(rnd, 0, maxCodePoints);
    let s = '';
    for (let i = 0; i < n; i++) {
      const range = pick(rnd, [[0x20, 0x7e], [0x00, 0x1f], [0xa0, 0xff], [0x4e00, 0x9fff], [0x1f300, 0x1faff], [0xe000, 0xfffd]] as const);
      s += String.fromCodePoint(int(rnd, range[0], range[1]));
    }
    return s;
  }

  /** Some edge values and some random ones in [lo, hi]. */
  function edgy(rnd: () => number, lo: number, hi: number, extra: number[] = []): number {
    if (rnd() < 0.3) return pick(rnd, [lo, hi, 0, 1, -1, lo + 1, hi - 1, ...extra].filter((v) => v >= lo && v <= hi));
    return int(rnd, lo, hi);
  }

  function bigEdgy(rnd: () => number, lo: bigint, hi: bigint): bigint {
    if (rnd() < 0.3) return pick(rnd, [lo, hi, lo + 1n, hi - 1n]);
    const span = hi - lo + 1n;
    let r = 0n;
    for (let i = 0; i < 4; i++) r = (r << 16n) | BigInt(int(rnd, 0, 0xffff));
    return lo + (r % span);
  }

  /** A random value in the canonical form the decoder produces for its wire type. */
  function value(rnd: () => number, depth: number): FieldValue {
    const types = depth >= 4 ? 'tbBsuIilLfdDTSxV' : 'tbBsuIilLfdDTSxVFA';
    switch (pick(rnd, types.split(''))) {
      case 't': return rnd() < 0.5;
      case 'b': return new TypedValue('b', edgy(rnd, -128, 127));
      case 'B': return new TypedValue('B', edgy(rnd, 0, 255));
      case 's': return new TypedValue('s', edgy(rnd, -32768, 32767));
      case 'u': return new TypedValue('u', edgy(rnd, 0, 65535));
      case 'I': return edgy(rnd, INT32_MIN, INT32_MAX);
      case 'i': return new TypedValue('i', edgy(rnd, 0, 2 ** 32 - 1));
      case 'l': {
        const r = rnd();
        if (r < 0.3) return new TypedValue('l', edgy(rnd, INT32_MIN, INT32_MAX));
        if (r < 0.7) {
          // plain numbers outside int32 but within the safe range
          const v = edgy(rnd, INT32_MAX + 1, Number.MAX_SAFE_INTEGER, [2 ** 32, 2 ** 53 - 1]);
          return rnd() < 0.5 ? v : -v;
        }
        // bigints outside the safe range
        return rnd() < 0.5
          ? bigEdgy(rnd, BigInt(Number.MAX_SAFE_INTEGER) + 1n, 2n ** 63n - 1n)
          : bigEdgy(rnd, -(2n ** 63n), BigInt(Number.MIN_SAFE_INTEGER) - 1n);
      }
      case 'L': return new TypedValue('L', bigEdgy(rnd, 0n, 2n ** 64n - 1n));
      case 'f': {
        const v = pick(rnd, [NaN, Infinity, -Infinity, -0, 0, 3.4028234663852886e38, 1.401298464324817e-45, (rnd() - 0.5) * 1e6, rnd()]);
        return new TypedValue('f', Math.fround(v));
      }
      case 'd': {
        // Plain numbers encode as d only when they are not integers (integral doubles become I/l, see above).
        return pick(rnd, [NaN, Infinity, -Infinity, Number.MIN_VALUE, -Number.EPSILON, 0.5, (rnd() - 0.5) * 1e12 + 0.25, rnd() * 1e-300]);
      }
      case 'D': return new Decimal(int(rnd, 0, 255), edgy(rnd, INT32_MIN, INT32_MAX));
      case 'T': return new TypedValue('T', edgy(rnd, 0, Number.MAX_SAFE_INTEGER));
      case 'S': return unicode(rnd, 40);
      case 'x': return Buffer.from(Array.from({ length: int(rnd, 0, 32) }, () => int(rnd, 0, 255)));
      case 'V': return null;
      case 'A': return Array.from({ length: int(rnd, 0, 5) }, () => value(rnd, depth + 1));
      case 'F': return table(rnd, depth + 1);
    }
    throw new Error('unreachable');
  }

  function table(rnd: () => number, depth: number): FieldTable {
    const t: FieldTable = {};
    const n = int(rnd, 0, depth === 0 ? 10 : 5);
    for (let i = 0; i < n; i++) {
      let key = unicode(rnd, 20);
      if (key === '__proto__') key = 'proto'; // see the '__proto__' test above
      t[key] = value(rnd, depth);
    }
    return t;
  }

  test('2000 random nested tables: encode → decode → encode is byte-identical and values deep-equal', () => {
    // Note: -0 as a plain number cannot round-trip (the plain-value rule encodes it as I 0), so
    // it is only generated inside TypedValue 'f', where the float keeps its sign. NaN is compared
    // with Object.is semantics by assert.deepStrictEqual.
    const rnd = prng(0x5eed);
    for (let i = 0; i < 2000; i++) {
      const t = table(rnd, 0);
      const first = encode(t);
      const decoded = decode(first);
      assert.deepEqual(decoded, t, `case ${i}`);
      const second = encode(decoded);
      assert.ok(first.equals(second), `case ${i}: re-encoded bytes differ`);
    }
  });

  test('random byte strings either decode or throw DecodeError, never another error', () => {
    const rnd = prng(42);
    for (let i = 0; i < 3000; i++) {
      const len = int(rnd, 0, 64);
      const bytes = Buffer.from(Array.from({ length: len }, () => int(rnd, 0, 255)));
      // Half the time make the length prefix plausible so the decoder gets past it.
      if (len >= 4 && rnd() < 0.5) bytes.writeUInt32BE(len - 4, 0);
      try {
        decode(bytes);
      } catch (err) {
        assert.ok(err instanceof DecodeError, `case ${i} (${bytes.toString('hex')}): ${String(err)}`);
      }
    }
  });

  test('mutated and truncated valid tables either decode or throw DecodeError', () => {
    const rnd = prng(7);
    for (let i = 0; i < 1500; i++) {
      const valid = encode(table(rnd, 0));
      const bytes = Buffer.from(valid.subarray(0, int(rnd, 0, valid.length)));
      const flips = int(rnd, 0, 4);
      for (let f = 0; f < flips && bytes.length > 0; f++) bytes[int(rnd, 0, bytes.length - 1)] = int(rnd, 0, 255);
      try {
        const t = decode(bytes);
        encode(t); // whatever decodes must encode again
      } catch (err) {
        assert.ok(err instanceof DecodeError, `case ${i} (${bytes.toString('hex')}): ${String(err)}`);
      }
    }
  });

  test('deeply nested tables that fit in one default-size frame throw DecodeError, not a stack overflow', () => {
    // 20000 levels of { "": { "": ... } }: 6 bytes per level, 120004 bytes, under frame_max 131072.
    const levels = 20000;
    const bytes = Buffer.alloc(levels * 6 + 4);
    let pos = 0;
    for (let i = 0; i < levels; i++) {
      bytes.writeUInt32BE(bytes.length - pos - 4, pos); // this table's length: everything after its prefix
      pos += 4;
      bytes[pos++] = 0; // empty key
      bytes[pos++] = 0x46; // 'F'
    }
    bytes.writeUInt32BE(0, pos); // innermost: empty table
    try {
      decode(bytes);
    } catch (err) {
      assert.ok(err instanceof DecodeError, `expected DecodeError, got ${String(err)}`);
    }
  });
});
