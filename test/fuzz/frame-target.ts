// The fuzz target: the frame parser and the method, property and field-table decoders, fed a
// byte stream in random chunks, as a connection feeds them. Invariants checked per input:
//  - nothing is thrown but the typed errors (FrameError from the parser; DecodeError and
//    UnknownMethodError from the decoders), which the connection turns into AMQP closes;
//  - no single allocation is larger than the frame size limit or the input (a declared length is
//    never trusted before its bytes are there);
//  - the input is processed in bounded time (an endless loop would never return at all).
import { FrameError, FrameParser } from '../../src/amqp/frame-parser.js';
import { Reader } from '../../src/amqp/buffer-reader.js';
import { DecodeError } from '../../src/amqp/decode-error.js';
import { decodeBasicProperties, decodeMethod, FrameType, UnknownMethodError } from '../../src/amqp/spec.js';
import { below } from './mutate.js';
import type { Rng } from './mutate.js';

export const MAX_PAYLOAD = 131072;

/** An invariant broke: the input and what went wrong. */
export class FuzzFailure extends Error {
  constructor(message: string, readonly input: Buffer) {
    super(message);
    this.name = 'FuzzFailure';
  }
}

export interface Outcome {
  frames: number;
  /** Typed errors seen, by kind (e.g. FrameError, DecodeError, UnknownMethodError). */
  errors: Record<string, number>;
}

const typed = (e: unknown) => e instanceof FrameError || e instanceof DecodeError || e instanceof UnknownMethodError;

let largest = 0;
/** Records the largest Buffer allocation while `f` runs (Buffer.alloc/allocUnsafe/concat). */
function trackingAllocations<T>(f: () => T): { value: T; largest: number } {
  const B = Buffer as unknown as Record<string, (...a: unknown[]) => Buffer>;
  const saved = { alloc: B.alloc, allocUnsafe: B.allocUnsafe, concat: B.concat };
  largest = 0;
  B.alloc = (size, ...rest) => { largest = Math.max(largest, size as number); return saved.alloc.call(Buffer, size, ...rest); };
  B.allocUnsafe = (size) => { largest = Math.max(largest, size as number); return saved.allocUnsafe.call(Buffer, size); };
  B.concat = (list, total) => {
    const out = saved.concat.call(Buffer, list, total);
    largest = Math.max(largest, out.length);
    return out;
  };
  try {
    return { value: f(), largest };
  } finally {
    Object.assign(B, saved);
  }
}

/** Runs one input; throws FuzzFailure when an invariant breaks. */
export function runFrameTarget(input: Buffer, rng: Rng): Outcome {
  const outcome: Outcome = { frames: 0, errors: {} };
  const note = (e: unknown) => {
    if (!typed(e)) throw new FuzzFailure(`untyped error: ${(e as Error)?.stack ?? String(e)}`, input);
    const k = (e as Error).constructor.name;
    outcome.errors[k] = (outcome.errors[k] ?? 0) + 1;
  };
  const reader = new Reader();
  const started = Date.now();
  const { largest: biggest } = trackingAllocations(() => {
    const parser = new FrameParser(MAX_PAYLOAD, (type, _channel, buf, start, end) => {
      outcome.frames++;
      // Decode errors end one frame (the connection would close); the parser carries on here so
      // that later frames of the input are exercised too.
      try {
        if (type === FrameType.Method) {
          decodeMethod(reader.reset(buf, start, end));
        } else if (type === FrameType.Header) {
          const r = reader.reset(buf, start, end);
          r.u16();
          r.u16();
          r.u64();
          decodeBasicProperties(r);
        }
      } catch (e) {
        note(e);
      }
    });
    try {
      // Random chunking exercises the partial-frame paths.
      for (let pos = 0; pos < input.length;) {
        const n = 1 + below(rng, Math.min(input.length - pos, 1 + below(rng, 512)));
        parser.push(input.subarray(pos, pos + n));
        pos += n;
      }
    } catch (e) {
      if (e instanceof FuzzFailure) throw e;
      note(e);
    }
  });
  const limit = Math.max(MAX_PAYLOAD + 8, input.length);
  if (biggest > limit) throw new FuzzFailure(`allocated ${biggest} bytes for a ${input.length}-byte input (limit ${limit})`, input);
  const ms = Date.now() - started;
  if (ms > 5000) throw new FuzzFailure(`took ${ms} ms`, input);
  return outcome;
}
