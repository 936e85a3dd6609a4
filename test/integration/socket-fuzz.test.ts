// Mutated AMQP byte streams over real sockets to a Warren process (test/fuzz/socket-fuzzer.ts):
// the process stays up, a well-behaved client on its own connection keeps publishing (confirmed)
// and receiving throughout, and every fuzzing connection is gone afterwards. A longer run:
// npm run fuzz -- --socket --seconds 300.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startChildBroker } from '../support/child-broker.js';
import type { ChildBroker } from '../support/child-broker.js';
import { connect, closeQuietly, waitFor } from '../support/clients.js';
import type { ChannelModel, ConfirmChannel } from '../support/clients.js';
import { recordSeedStreams } from '../fuzz/seeds.js';
import type { SeedStreams } from '../fuzz/seeds.js';
import { fuzzSocket } from '../fuzz/socket-fuzzer.js';

const skip = process.env.WARREN_TEST_URL ? 'Warren-only: fuzzing a shared broker would disturb others' : false;

describe('socket fuzzing', { skip }, () => {
  let dir: string;
  let broker: ChildBroker;
  let httpPort: number;
  let streams: SeedStreams;
  let good: ChannelModel;
  let ch: ConfirmChannel;

  before(async () => {
    streams = await recordSeedStreams();
    dir = mkdtempSync(join(tmpdir(), 'warren-socket-fuzz-'));
    httpPort = await freePort();
    broker = await startChildBroker(dir, undefined, ['--http-port', String(httpPort), '--log-level', 'none']);
    good = await connect(broker.url);
    ch = await good.createConfirmChannel();
  });
  after(async () => {
    await closeQuietly(good);
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const connections = async (): Promise<number> => {
    const r = await fetch(`http://127.0.0.1:${httpPort}/api/connections`, { headers: { authorization: 'Basic ' + Buffer.from('guest:guest').toString('base64') } });
    return ((await r.json()) as unknown[]).length;
  };

  test('300 mutated streams, 4 at a time: broker up, a confirming client loses nothing, no connection left behind', async () => {
    const q = (await ch.assertQueue('', { exclusive: true })).queue;
    let sent = 0;
    const check = async () => {
      ch.sendToQueue(q, Buffer.from(`m${sent}`), { persistent: true });
      sent++;
      await ch.waitForConfirms();
    };
    const report = await fuzzSocket(streams, { port: broker.port, seed: 7, streams: 300, concurrency: 4, check, checkEvery: 25 });
    assert.equal(broker.process.exitCode, null, 'the broker process is still running');
    assert.equal(report.streams >= 300, true);
    // Every confirmed message is there, in order.
    const got: string[] = [];
    for (let m = await ch.get(q, { noAck: true }); m; m = await ch.get(q, { noAck: true })) got.push(m.content.toString());
    assert.deepEqual(got, Array.from({ length: sent }, (_, i) => `m${i}`));
    // A fresh client connects, and the fuzzing connections are all gone (ours is the one left).
    const fresh = await connect(broker.url);
    const fch = await fresh.createChannel();
    const fq = (await fch.assertQueue('', { exclusive: true })).queue;
    fch.sendToQueue(fq, Buffer.from('fresh'));
    await waitFor(async () => (await fch.checkQueue(fq)).messageCount === 1, 5000, 'the fresh client\'s message');
    await fresh.close();
    await waitFor(async () => (await connections()) === 1, 20_000, 'fuzzing connections to be closed');
    console.log(`socket fuzz: ${JSON.stringify(report)}`);
  });
});
