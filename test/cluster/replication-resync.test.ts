// A follower that comes back transfers only what differs (per-chunk checksums), loses bytes the
// leader does not have, and streams live again; a follower of another epoch is refused.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { startBroker } from '../../src/index.js';
import { startReplicationFollower, startReplicationLeader } from '../../src/cluster/replication/index.js';
import { listReplicated } from '../../src/cluster/replication/manifest.js';
import { waitFor, within } from '../support/clients.js';
import { assertSameFiles } from '../support/replication.js';

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `warren-repl-${name}-`));
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

const replicatedBytes = (dir: string) => listReplicated(dir).reduce((n, f) => n + f.size, 0);

describe('replication: catch-up and epochs', () => {
  test('a returning follower gets only the chunks that differ, loses bytes the leader lacks, then streams', async (t) => {
    const leaderDir = tmp('leader');
    const followerDir = tmp('f');
    const repl = await startReplicationLeader({ dataDir: leaderDir, host: '127.0.0.1', port: 0, epoch: 11 });
    cleanups.push(() => repl.close());
    const broker = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'error', dataDir: leaderDir, replication: repl.storeTap });
    cleanups.push(() => broker.close());
    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}`);
    cleanups.push(() => conn.close());
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue('resync', { durable: true });
    const body = Buffer.alloc(1024, 'a');
    for (let i = 0; i < 1500; i++) ch.sendToQueue('resync', body, { persistent: true });
    await ch.waitForConfirms();

    // First connection: the whole data directory is transferred.
    const first = startReplicationFollower({ dataDir: followerDir, nodeId: 'f', leaderAddress: { host: '127.0.0.1', port: repl.port }, epoch: 11, chunkSize: 4096 });
    await within(first.caughtUp, 15_000, 'first catch-up');
    const full = repl.followers()[0].syncBytes;
    assert.ok(full >= 1500 * 1024, `the first catch-up sent everything (${full} bytes)`);
    repl.setIsr(['f']);
    for (let i = 0; i < 10; i++) ch.sendToQueue('resync', body, { persistent: true });
    await ch.waitForConfirms();
    await first.close();
    repl.setIsr([]);

    // Meanwhile the leader goes on; the follower's copy gains bytes the leader never had.
    for (let i = 0; i < 100; i++) ch.sendToQueue('resync', Buffer.alloc(1024, 'b'), { persistent: true });
    await ch.waitForConfirms();
    const segments = readdirSync(join(followerDir, 'msgs')).sort();
    const last = join(followerDir, 'msgs', segments.at(-1)!);
    appendFileSync(last, Buffer.alloc(10_000, 0x5a));
    writeFileSync(join(followerDir, 'msgs', '0000009999.seg'), 'not the leader\'s');
    const total = replicatedBytes(leaderDir);

    const second = startReplicationFollower({ dataDir: followerDir, nodeId: 'f', leaderAddress: { host: '127.0.0.1', port: repl.port }, epoch: 11, chunkSize: 4096 });
    cleanups.push(() => second.close());
    await within(second.caughtUp, 15_000, 'second catch-up');
    const sent = repl.followers()[0].syncBytes;
    assert.equal(second.state().syncBytes, sent, 'the follower received what the leader sent');
    // About 100 KiB were new: that, rounded to 4 KiB chunks, is what travels (not the whole log).
    assert.ok(sent >= 100 * 1024 && sent < 100 * 1024 + 3 * 4096, `only the differing chunks were sent: ${sent} of ${total} bytes`);
    assert.ok(sent * 10 < total);
    t.diagnostic(`first catch-up ${full} bytes; after the gap ${sent} of ${total} bytes`);
    await waitFor(() => repl.followers()[0].lagBytes === 0, 10_000, 'follower acked');
    assertSameFiles(leaderDir, followerDir);
    assert.equal(statSync(last).size, statSync(join(leaderDir, 'msgs', segments.at(-1)!)).size, 'the extra bytes were cut');

    // And it streams live again.
    repl.setIsr(['f']);
    ch.sendToQueue('resync', body, { persistent: true });
    await within(ch.waitForConfirms(), 10_000, 'confirm through the resynced follower');
    await waitFor(() => repl.followers()[0].lagBytes === 0, 10_000, 'follower acked');
    assertSameFiles(leaderDir, followerDir);
  });

  test('streams of another epoch are refused: the follower writes nothing', async () => {
    const leaderDir = tmp('leader-epoch');
    const repl = await startReplicationLeader({ dataDir: leaderDir, host: '127.0.0.1', port: 0, epoch: 5 });
    cleanups.push(() => repl.close());
    const broker = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'error', dataDir: leaderDir, replication: repl.storeTap });
    cleanups.push(() => broker.close());
    for (const epoch of [4, 6]) {
      const dir = tmp(`stale-${epoch}`);
      const f = startReplicationFollower({ dataDir: dir, nodeId: `e${epoch}`, leaderAddress: { host: '127.0.0.1', port: repl.port }, epoch, retryDelay: 50 });
      cleanups.push(() => f.close());
      await waitFor(() => /epoch/.test(f.state().lastError ?? ''), 10_000, `epoch ${epoch} refused`);
      const state = f.state();
      assert.equal(state.connected, false);
      assert.equal(state.caughtUp, false);
      assert.deepEqual(listReplicated(dir), [], 'nothing was written');
      assert.equal(repl.followers().some((s) => s.nodeId === `e${epoch}`), false, 'the leader does not stream to it');
      await f.close();
    }
    // The right epoch is accepted.
    const good = startReplicationFollower({ dataDir: tmp('good'), nodeId: 'g', leaderAddress: { host: '127.0.0.1', port: repl.port }, epoch: 5 });
    cleanups.push(() => good.close());
    await within(good.caughtUp, 10_000, 'same epoch caught up');
  });
});
