// The in-process fuzzer of the frame parser and decoders: mutates recorded AMQP frames (and frame
// sequences), keeps inputs that reach new code (V8 block coverage) in a corpus it keeps mutating,
// and collects inputs that break an invariant of runFrameTarget.
import { CoverageTracker } from './coverage.js';
import { FuzzFailure, runFrameTarget } from './frame-target.js';
import { mutate, pick, prng } from './mutate.js';
import type { SeedStreams } from './seeds.js';
import { splitFrames } from './seeds.js';

export interface FuzzOptions {
  seed: number;
  /** Stop after this many inputs (whichever of inputs/seconds comes first). */
  inputs?: number;
  seconds?: number;
  /** Keep inputs that reach new blocks (slower per input, finds more). */
  coverage: boolean;
}

export interface FuzzReport {
  seed: number;
  inputs: number;
  ms: number;
  seeds: number;
  corpus: number;
  features: number;
  /** Typed errors the inputs produced, by kind (the expected outcomes of bad input). */
  errorKinds: Record<string, number>;
  frames: number;
  failures: { message: string; input: string }[];
}

/** The starting corpus: every recorded frame, runs of consecutive frames, and the whole streams. */
export function frameSeeds(streams: SeedStreams): Buffer[] {
  const out: Buffer[] = [];
  for (const s of [...streams.toServer, ...streams.toClient]) {
    const frames = splitFrames(s);
    out.push(...frames);
    for (let i = 0; i + 3 <= frames.length; i += 3) out.push(Buffer.concat(frames.slice(i, i + 3)));
    out.push(Buffer.concat(frames));
  }
  return out;
}

export async function fuzzFrames(streams: SeedStreams, o: FuzzOptions): Promise<FuzzReport> {
  const rng = prng(o.seed);
  const seeds = frameSeeds(streams);
  const corpus = [...seeds];
  const tracker = o.coverage ? new CoverageTracker((url) => /\/src\/amqp\/[^/]+\.js$/.test(url)) : null;
  await tracker?.start();
  const report: FuzzReport = { seed: o.seed, inputs: 0, ms: 0, seeds: seeds.length, corpus: 0, features: 0, errorKinds: {}, frames: 0, failures: [] };
  const started = Date.now();
  const deadline = o.seconds === undefined ? Infinity : started + o.seconds * 1000;
  const max = o.inputs ?? Infinity;
  try {
    // Seeds first (as they are), then mutations of corpus entries.
    while (report.inputs < max && Date.now() < deadline) {
      const input = report.inputs < seeds.length ? seeds[report.inputs] : mutate(pick(rng, corpus), rng, corpus);
      report.inputs++;
      try {
        const out = runFrameTarget(input, rng);
        report.frames += out.frames;
        for (const [k, n] of Object.entries(out.errors)) report.errorKinds[k] = (report.errorKinds[k] ?? 0) + n;
      } catch (e) {
        if (!(e instanceof FuzzFailure)) throw e;
        if (report.failures.length < 20) report.failures.push({ message: e.message, input: input.toString('hex') });
      }
      if (tracker && (await tracker.take()) > 0 && report.inputs > seeds.length && corpus.length < 5000) corpus.push(input);
    }
  } finally {
    await tracker?.stop();
  }
  report.ms = Date.now() - started;
  report.corpus = corpus.length;
  report.features = tracker?.features ?? 0;
  return report;
}
