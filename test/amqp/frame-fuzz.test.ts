// Fuzzing the frame parser and the method/property/field-table decoders (test/fuzz): recorded AMQP
// traffic, mutated with a fixed seed, coverage-guided. Every input must end in a typed error or
// decode cleanly, allocate nothing beyond the frame limit or its own size, and return. A longer
// run: npm run fuzz -- --seconds 300.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzFrames } from '../fuzz/frame-fuzzer.js';
import { recordSeedStreams } from '../fuzz/seeds.js';
import type { SeedStreams } from '../fuzz/seeds.js';
import { runFrameTarget } from '../fuzz/frame-target.js';
import { prng } from '../fuzz/mutate.js';

describe('frame parser and decoder fuzzing', () => {
  let streams: SeedStreams;
  before(async () => {
    streams = await recordSeedStreams();
  });

  test('the recorded traffic decodes without a single error', () => {
    assert.ok(streams.toServer.length >= 1 && streams.toClient.length >= 1);
    for (const s of [...streams.toServer, ...streams.toClient]) {
      const out = runFrameTarget(s.subarray(s.subarray(0, 4).toString() === 'AMQP' ? 8 : 0), prng(1));
      assert.deepEqual(out.errors, {});
      assert.ok(out.frames > 10);
    }
  });

  test('1500 mutated inputs (seed 1, coverage-guided): no invariant breaks, new coverage is found', async () => {
    const r = await fuzzFrames(streams, { seed: 1, inputs: 1500, coverage: true });
    assert.deepEqual(r.failures, [], JSON.stringify(r.failures[0]));
    assert.equal(r.inputs, 1500);
    assert.ok(r.corpus > r.seeds, `coverage guidance kept no input (corpus ${r.corpus}, seeds ${r.seeds})`);
    assert.ok((r.errorKinds.DecodeError ?? 0) > 0 && (r.errorKinds.FrameError ?? 0) > 0, JSON.stringify(r.errorKinds));
  });

  test('3000 more without coverage (seed 2): no invariant breaks', async () => {
    const r = await fuzzFrames(streams, { seed: 2, inputs: 3000, coverage: false });
    assert.deepEqual(r.failures, [], JSON.stringify(r.failures[0]));
  });
});
