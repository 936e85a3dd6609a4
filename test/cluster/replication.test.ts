// Replication with static roles (no etcd): a leader broker streams its data directory to two
// followers; confirms wait for both; after the leader is gone, a broker started on a follower's
// data directory has every confirmed message, none of the acknowledged ones, and the definitions.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { startBroker } from '../../src/index.js';
import type { RunningBroker } from '../../src/index.js';
import { startReplicationFollower, startReplicationLeader } from '../../src/cluster/replication/index.js';
import type { ReplicationFollowerHandle, ReplicationLeaderHandle } from '../../src/cluster/replication/index.js';
import { waitFor, within } from '../support/clients.js';
import { assertSameFiles } from '../support/replication.js';
import { listReplicated } from '../../src/cluster/replication/manifest.js';

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `warren-repl-${name}-`));
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

async function api(broker: RunningBroker, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`http://127.0.0.1:${broker.httpPort}${path}`, {
    method,
    headers: { authorization: 'Basic ' + Buffer.from('guest:guest').toString('base64'), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe('replication: leader streams its data directory to followers', () => {
  test('every confirmed message, no acked one, delivery state, delayed messages and definitions survive on a follower', async () => {
    const leaderDir = tmp('leader');
    const followerDirs = [tmp('f1'), tmp('f2')];
    const repl: ReplicationLeaderHandle = await startReplicationLeader({ dataDir: leaderDir, host: '127.0.0.1', port: 0, epoch: 7, nodeId: 'n0' });
    cleanups.push(() => repl.close());
    const followers: ReplicationFollowerHandle[] = followerDirs.map((dataDir, i) =>
      startReplicationFollower({ dataDir, nodeId: `n${i + 1}`, leaderAddress: { host: '127.0.0.1', port: repl.port }, epoch: 7 }));
    for (const f of followers) cleanups.push(() => f.close());
    await within(Promise.all(followers.map((f) => f.caughtUp)), 10_000, 'followers caught up');
    repl.setIsr(['n1', 'n2']);

    const broker = await startBroker({ port: 0, host: '127.0.0.1', httpPort: 0, logLevel: 'error', dataDir: leaderDir, replication: repl.storeTap });
    cleanups.push(() => broker.close());
    broker.users.addUser('alice', 'secret', ['monitoring']);
    broker.users.setPermissions('alice', '/', { configure: '', write: '.*', read: '.*' });
    assert.equal((await api(broker, 'PUT', '/api/policies/%2F/repl-ttl', { pattern: '^repl\\.', definition: { 'message-ttl': 3_600_000 }, 'apply-to': 'queues' })).status, 201);
    assert.equal((await api(broker, 'PUT', '/api/vhosts/repl-vhost')).status, 201);

    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}`);
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue('repl.work', { durable: true });
    await ch.assertQueue('repl.delivered', { durable: true });
    await ch.assertQueue('repl.delayed-target', { durable: true });
    await ch.assertExchange('repl.x', 'topic', { durable: true });
    await ch.bindQueue('repl.work', 'repl.x', 'work.#');
    await ch.assertExchange('repl.delayed', 'x-delayed-message', { durable: true, arguments: { 'x-delayed-type': 'direct' } });
    await ch.bindQueue('repl.delayed-target', 'repl.delayed', 'later');

    const confirmed: string[] = [];
    for (let i = 0; i < 600; i++) {
      const body = `m-${i}-${'x'.repeat(i % 300)}`;
      ch.publish('repl.x', 'work.item', Buffer.from(body), { persistent: true }, (err) => {
        if (!err) confirmed.push(body);
      });
    }
    ch.sendToQueue('repl.delivered', Buffer.from('handed-out'), { persistent: true });
    ch.publish('repl.delayed', 'later', Buffer.from('delayed-1'), { persistent: true, headers: { 'x-delay': 1500 } });
    await ch.waitForConfirms();
    assert.equal(confirmed.length, 600);

    // Acknowledge the first 250; hand one message out without acknowledging it.
    const consumer = await conn.createChannel();
    await consumer.prefetch(250);
    const got: amqp.ConsumeMessage[] = [];
    const { consumerTag } = await consumer.consume('repl.work', (m) => m && got.push(m));
    await waitFor(() => got.length === 250, 10_000, '250 deliveries');
    await consumer.cancel(consumerTag);
    assert.deepEqual(got.map((m) => m.content.toString()), confirmed.slice(0, 250));
    for (const m of got) consumer.ack(m);
    const out = await consumer.get('repl.delivered', { noAck: false });
    assert.ok(out);
    // A confirmed publish after the acks: its confirm covers every record written before it.
    await ch.assertQueue('repl.barrier', { durable: true });
    ch.sendToQueue('repl.barrier', Buffer.from('barrier'), { persistent: true });
    await ch.waitForConfirms();

    // Once quiet, the followers hold byte-identical copies of the leader's files.
    await waitFor(() => repl.followers().every((f) => f.connected && f.lagBytes === 0), 10_000, 'followers acked everything');
    for (const dir of followerDirs) assertSameFiles(leaderDir, dir);
    for (const f of repl.followers()) assert.deepEqual([f.inIsr, f.state], [true, 'streaming']);

    // The leader dies: replication is cut first, so nothing the broker writes afterwards (its
    // clean shutdown) reaches the followers — they keep what a crash would have left them.
    await repl.close();
    await conn.close().catch(() => {});
    await broker.close();
    for (const f of followers) await f.close();
    assertSameFiles(followerDirs[0], followerDirs[1]);

    const promoted = await startBroker({ port: 0, host: '127.0.0.1', httpPort: 0, logLevel: 'error', dataDir: followerDirs[0] });
    cleanups.push(() => promoted.close());
    const c2 = await amqp.connect(`amqp://guest:guest@127.0.0.1:${promoted.port}`);
    const ch2 = await c2.createChannel();
    const remaining: string[] = [];
    for (;;) {
      const m = await ch2.get('repl.work', { noAck: true });
      if (!m) break;
      assert.equal(m.fields.redelivered, false);
      remaining.push(m.content.toString());
    }
    assert.deepEqual(remaining, confirmed.slice(250), 'exactly the confirmed, unacknowledged messages, in order');
    const handed = await ch2.get('repl.delivered', { noAck: true });
    assert.ok(handed);
    assert.equal(handed.content.toString(), 'handed-out');
    assert.equal(handed.fields.redelivered, true, 'a delivered, unacked message comes back redelivered');
    assert.equal((await ch2.get('repl.barrier', { noAck: true }) || null)?.content.toString(), 'barrier');
    await waitFor(async () => (await ch2.checkQueue('repl.delayed-target')).messageCount === 1, 10_000, 'the delayed message is routed');
    assert.equal((await ch2.get('repl.delayed-target', { noAck: true }) || null)?.content.toString(), 'delayed-1');
    // Definitions: exchanges and bindings, users, permissions, policies, vhosts.
    await ch2.checkExchange('repl.x');
    ch2.publish('repl.x', 'work.again', Buffer.from('routed'));
    await waitFor(async () => (await ch2.checkQueue('repl.work')).messageCount === 1, 5000, 'binding routes');
    await c2.close();
    const alice = await amqp.connect(`amqp://alice:secret@127.0.0.1:${promoted.port}`);
    await alice.close();
    const policy = await (await api(promoted, 'GET', '/api/policies/%2F/repl-ttl')).json() as { definition: Record<string, unknown> };
    assert.deepEqual(policy.definition, { 'message-ttl': 3_600_000 });
    assert.equal((await api(promoted, 'GET', '/api/vhosts/repl-vhost')).status, 200);
    await promoted.close();
  });

  test('segment recycling and compaction reach the followers; a promoted follower has exactly the live messages', async () => {
    const leaderDir = tmp('leader-recycle');
    const followerDir = tmp('f-recycle');
    const repl = await startReplicationLeader({ dataDir: leaderDir, host: '127.0.0.1', port: 0, epoch: 1 });
    cleanups.push(() => repl.close());
    const follower = startReplicationFollower({ dataDir: followerDir, nodeId: 'r1', leaderAddress: { host: '127.0.0.1', port: repl.port }, epoch: 1 });
    cleanups.push(() => follower.close());
    await within(follower.caughtUp, 10_000, 'caught up');
    repl.setIsr(['r1']);
    const broker = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'error', dataDir: leaderDir, replication: repl.storeTap });
    cleanups.push(() => broker.close());
    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}`);
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue('keep', { durable: true });
    await ch.assertQueue('churn', { durable: true });
    // One long-lived message at the start of the first segment, then ~26 MiB that is consumed.
    ch.sendToQueue('keep', Buffer.from('long-lived'), { persistent: true });
    const big = Buffer.alloc(100 * 1024, 'c');
    for (let i = 0; i < 260; i++) ch.sendToQueue('churn', big, { persistent: true });
    await ch.waitForConfirms();
    const consumer = await conn.createChannel();
    await consumer.prefetch(50);
    let acked = 0;
    await consumer.consume('churn', (m) => {
      if (!m) return;
      consumer.ack(m);
      acked++;
    });
    await waitFor(() => acked === 260, 20_000, 'churn consumed');
    // Confirmed publishes after the acks let the store recycle and compact, and act as a barrier.
    for (let i = 0; i < 3; i++) {
      ch.sendToQueue('keep', Buffer.from(`late-${i}`), { persistent: true });
      await ch.waitForConfirms();
    }
    await waitFor(() => repl.followers()[0].lagBytes === 0, 10_000, 'follower acked');
    const segments = (dir: string) => listReplicated(dir).filter((f) => f.path.startsWith('msgs/')).map((f) => f.path);
    // The leader's store unlinks a recycled segment in the thread pool, after telling the followers:
    // on a busy machine the follower's copy can be gone before the leader's own.
    await waitFor(() => segments(leaderDir).join() === segments(followerDir).join(), 10_000, 'the leader\'s unlinks done');
    assert.ok(!segments(leaderDir).includes('msgs/0000000001.seg'), 'the first segment was compacted away on the leader');
    assertSameFiles(leaderDir, followerDir);

    await repl.close();
    await conn.close().catch(() => {});
    await broker.close();
    await follower.close();
    const promoted = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'error', dataDir: followerDir });
    cleanups.push(() => promoted.close());
    const c2 = await amqp.connect(`amqp://guest:guest@127.0.0.1:${promoted.port}`);
    const ch2 = await c2.createChannel();
    assert.equal((await ch2.checkQueue('churn')).messageCount, 0, 'no acknowledged message comes back');
    const kept: string[] = [];
    for (let m = await ch2.get('keep', { noAck: true }); m; m = await ch2.get('keep', { noAck: true })) kept.push(m.content.toString());
    assert.deepEqual(kept, ['long-lived', 'late-0', 'late-1', 'late-2']);
    await c2.close();
    await promoted.close();
  });
});
