// Abuse by numbers, against a Warren process whose memory is read after a full GC
// (test/support/measured-broker.ts): 5,000 connections opening and dropping (some mid-handshake,
// some closed properly) and 10,000+ channels opened and closed, while a confirming publisher runs
// throughout. The broker stays up, nothing confirmed is lost, every connection is released, and
// memory returns near its baseline (a generous factor: a leak check, not a measurement —
// bench/connection-flood.mjs prints the figures).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMeasuredBroker } from '../support/measured-broker.js';
import type { MeasuredBroker, Memory } from '../support/measured-broker.js';
import { channelChurn, confirmingTraffic, connectionFlood } from '../support/flood.js';
import { waitFor } from '../support/clients.js';

const skip = process.env.WARREN_TEST_URL ? 'Warren-only: memory is read from the broker process' : false;
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

describe('connection flood and channel churn', { skip }, () => {
  let broker: MeasuredBroker;
  let baseline: Memory;

  before(async () => {
    broker = await startMeasuredBroker();
    // Warm up (code paths compiled, pools allocated) before the baseline is taken.
    await connectionFlood(broker.port, 200, 20);
    await channelChurn(broker.port, 1, 500, 50);
    await waitFor(async () => (await broker.connections()) === 0, 20_000, 'warm-up connections to close');
    baseline = await broker.memory();
  });
  after(async () => {
    await broker?.stop();
  });

  test('5,000 connections (20% dropped mid-handshake, 30% dropped open, 40% closed properly) with a confirming publisher', async (t) => {
    const traffic = await confirmingTraffic(broker.url);
    const flood = await connectionFlood(broker.port, 5000, 50);
    const { confirmed, received } = await traffic.stop();
    assert.equal(broker.process.exitCode, null, 'the broker is up');
    assert.equal(flood.failed, 0, JSON.stringify(flood));
    assert.equal(flood.closedProperly, 2000);
    assert.ok(confirmed > 0);
    const lost = Array.from({ length: confirmed }, (_, i) => i).filter((i) => !received.has(i));
    assert.deepEqual(lost, [], `${lost.length} confirmed messages lost`);
    await waitFor(async () => (await broker.connections()) === 0, 30_000, 'every connection to be released');
    const m = await broker.memory();
    t.diagnostic(`flood ${JSON.stringify(flood)}; confirmed ${confirmed}; heap ${mb(baseline.heapUsed)} -> ${mb(m.heapUsed)}; rss ${mb(baseline.rss)} -> ${mb(m.rss)}`);
    assert.ok(m.heapUsed < baseline.heapUsed * 2 + 10e6, `heap after GC grew from ${mb(baseline.heapUsed)} to ${mb(m.heapUsed)}`);
  });

  test('30,000 channels opened and closed on 3 connections with a confirming publisher', async (t) => {
    const traffic = await confirmingTraffic(broker.url);
    const churn = await channelChurn(broker.port, 3, 10_000, 100);
    const { confirmed, received } = await traffic.stop();
    assert.equal(churn.channels, 30_000);
    assert.equal(broker.process.exitCode, null);
    const lost = Array.from({ length: confirmed }, (_, i) => i).filter((i) => !received.has(i));
    assert.deepEqual(lost, [], `${lost.length} confirmed messages lost`);
    await waitFor(async () => (await broker.connections()) === 0, 30_000, 'every connection to be released');
    const m = await broker.memory();
    t.diagnostic(`churn ${JSON.stringify(churn)}; confirmed ${confirmed}; heap ${mb(baseline.heapUsed)} -> ${mb(m.heapUsed)}; rss ${mb(baseline.rss)} -> ${mb(m.rss)}`);
    assert.ok(m.heapUsed < baseline.heapUsed * 2 + 10e6, `heap after GC grew from ${mb(baseline.heapUsed)} to ${mb(m.heapUsed)}`);
  });
});
