// Deterministic randomness and byte-level mutations for the fuzzers (no dependencies).

/** mulberry32: a small seeded PRNG; the same seed gives the same run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rng = () => number;
export const below = (rng: Rng, n: number): number => Math.floor(rng() * n);
export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[below(rng, xs.length)];

/** Values that make decoders and length checks take their edge branches. */
const interesting8 = [0, 1, 0x7f, 0x80, 0xff, 0xce, 0x46, 0x41, 0x53, 0x74];
const interesting32 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 4096, 131072, 131064, 131065];

/**
 * One to four stacked mutations of `input`: bit flips, interesting bytes and 16/32-bit lengths,
 * insertions, deletions, duplicated or swapped runs, truncation, and splices with another input.
 * `from` is where mutations may start (to keep e.g. a protocol header intact).
 */
export function mutate(input: Buffer, rng: Rng, others: readonly Buffer[], from = 0): Buffer {
  let b = Buffer.from(input);
  const rounds = 1 + below(rng, 4);
  for (let i = 0; i < rounds; i++) {
    const span = Math.max(b.length - from, 1);
    const at = from + below(rng, span);
    switch (below(rng, 11)) {
      case 0: if (at < b.length) b[at] ^= 1 << below(rng, 8); break;
      case 1: if (at < b.length) b[at] = pick(rng, interesting8); break;
      case 2: if (at + 4 <= b.length) b.writeUInt32BE(pick(rng, interesting32) >>> 0, at); break;
      case 3: if (at + 2 <= b.length) b.writeUInt16BE(pick(rng, interesting32) & 0xffff, at); break;
      case 4: if (at < b.length) b[at] = below(rng, 256); break;
      case 5: { // insert random bytes
        const n = 1 + below(rng, 16);
        const ins = Buffer.alloc(n);
        for (let k = 0; k < n; k++) ins[k] = below(rng, 256);
        b = Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
        break;
      }
      case 6: { // delete a run
        const n = 1 + below(rng, 32);
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(at + n, b.length))]);
        break;
      }
      case 7: { // duplicate a run
        const n = 1 + below(rng, 64);
        b = Buffer.concat([b.subarray(0, at + n), b.subarray(at, at + n), b.subarray(at + n)]);
        break;
      }
      case 8: b = b.subarray(0, at); break; // truncate
      case 9: { // splice: our head, another input's tail
        const other = pick(rng, others);
        if (other && other.length > 0) b = Buffer.concat([b.subarray(0, at), other.subarray(below(rng, other.length))]);
        break;
      }
      default: { // swap two runs
        const n = 1 + below(rng, 16);
        const at2 = from + below(rng, span);
        if (at + n <= b.length && at2 + n <= b.length) {
          const tmp = Buffer.from(b.subarray(at, at + n));
          b.copy(b, at, at2, at2 + n);
          tmp.copy(b, at2);
        }
      }
    }
  }
  return Buffer.from(b);
}
