// Cluster mode under faults, with real processes: 3 etcd members, 3 Warren nodes (the `warren`
// command), amqplib publishers with confirms and consumers with acks connected through any node.
// CI runs one round of each scenario; WARREN_CLUSTER_ROUNDS=N runs N leader kills.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import { startTestCluster } from '../support/cluster.js';
import type { TestCluster } from '../support/cluster.js';

const rounds = Number(process.env.WARREN_CLUSTER_ROUNDS ?? 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const QUEUE = 'cluster-failover-q';

/**
 * Cuts a client connection's socket. A stop must finish even when a node stalls without closing
 * (SIGSTOP, lost quorum), or the test file would hang on the client's pending confirms.
 */
const cut = (conn: amqp.ChannelModel | null) => (conn as unknown as { connection?: { stream?: { destroy(): void } } } | null)?.connection?.stream?.destroy();

/** Stops a client loop: ask it to stop, and cut its connection if it has not stopped within 5 s. */
async function stopLoop(done: Promise<void>, current: () => amqp.ChannelModel | null): Promise<void> {
  const timer = setTimeout(() => cut(current()), 5000);
  await done;
  clearTimeout(timer);
}

/** Publishes persistent messages with confirms through the nodes in turn, reconnecting on failure. */
function publisher(urls: () => string[]) {
  const confirmed = new Set<number>();
  let seq = 0;
  let stopped = false;
  let reconnects = 0;
  let conn: amqp.ChannelModel | null = null;
  const done = (async () => {
    let turn = 0;
    while (!stopped) {
      const url = urls()[turn++ % urls().length];
      conn = null;
      try {
        conn = await amqp.connect(url);
        conn.on('error', () => undefined);
        const ch = await conn.createConfirmChannel();
        ch.on('error', () => undefined);
        const closed = new Promise<never>((_, rej) => conn!.once('close', () => rej(new Error('closed'))));
        closed.catch(() => undefined);
        while (!stopped) {
          const batch: Promise<void>[] = [];
          for (let i = 0; i < 20; i++) {
            const id = ++seq;
            batch.push(new Promise<void>((resolve) => {
              ch.publish('', QUEUE, Buffer.from(String(id)), { persistent: true, messageId: String(id) }, (err) => {
                if (!err) confirmed.add(id);
                resolve();
              });
            }));
          }
          await Promise.race([Promise.all(batch), closed]);
          await sleep(5);
        }
        await conn.close().catch(() => undefined);
      } catch {
        reconnects++;
        await conn?.close().catch(() => undefined);
        await sleep(200);
      }
    }
  })();
  return {
    confirmed, get published() { return seq; }, get reconnects() { return reconnects; },
    async stop() { stopped = true; await stopLoop(done, () => conn); },
  };
}

/** Consumes with manual acks through the nodes in turn; records deliveries and acks. */
function consumer(urls: () => string[]) {
  const delivered = new Set<number>();
  const acked = new Set<number>();
  let ackedRedelivered = 0;
  let ackedRedeliveredAsNew = 0;
  let stopped = false;
  let conn: amqp.ChannelModel | null = null;
  const done = (async () => {
    let turn = 1;
    while (!stopped) {
      const url = urls()[turn++ % urls().length];
      conn = null;
      try {
        conn = await amqp.connect(url);
        conn.on('error', () => undefined);
        const ch = await conn.createChannel();
        ch.on('error', () => undefined);
        await ch.prefetch(50);
        await ch.consume(QUEUE, (m) => {
          if (!m) return;
          const id = Number(m.content.toString());
          if (acked.has(id)) {
            ackedRedelivered++;
            if (!m.fields.redelivered) ackedRedeliveredAsNew++;
          }
          delivered.add(id);
          ch.ack(m);
          acked.add(id);
        });
        await new Promise<void>((resolve) => {
          conn!.once('close', () => resolve());
          const t = setInterval(() => { if (stopped) { clearInterval(t); resolve(); } }, 50);
        });
        await conn.close().catch(() => undefined);
      } catch {
        await conn?.close().catch(() => undefined);
        await sleep(200);
      }
    }
  })();
  return {
    delivered, acked,
    get ackedRedelivered() { return ackedRedelivered; },
    get ackedRedeliveredAsNew() { return ackedRedeliveredAsNew; },
    async stop() { stopped = true; await stopLoop(done, () => conn); },
  };
}

describe('cluster failover (3 etcd + 3 Warren processes)', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startTestCluster(3);
  });
  after(async () => cluster?.close());

  it('elects one leader; followers proxy AMQP and HTTP to it; /api/nodes shows roles, ISR and lag', async () => {
    const leader = await cluster.waitForLeader();
    await cluster.waitForFullIsr();
    const follower = cluster.nodes[(leader + 1) % 3];
    assert.equal((await follower.http('/api/health/checks/leader'))?.status, 503);
    assert.equal((await follower.http('/api/health/checks/ready'))?.status, 200);
    // Declarations through a follower (proxied) land on the leader.
    const conn = await amqp.connect(follower.url);
    const ch = await conn.createChannel();
    await ch.assertExchange('cluster-x', 'direct', { durable: true });
    await ch.assertQueue(QUEUE, { durable: true });
    await ch.bindQueue(QUEUE, 'cluster-x', 'k');
    await conn.close();
    const q = await follower.http(`/api/queues/%2F/${QUEUE}`);
    assert.equal(q?.status, 200, 'the HTTP API answers through a follower');
    const nodes = (await follower.http('/api/nodes'))?.body as { name: string; cluster_role: string; in_sync: boolean; replication_lag_bytes: number | null }[];
    assert.deepEqual(nodes.map((n) => n.name).sort(), cluster.nodes.map((n) => n.name).sort());
    assert.deepEqual(nodes.filter((n) => n.cluster_role === 'leader').map((n) => n.name), [cluster.nodes[leader].name]);
    assert.ok(nodes.every((n) => n.in_sync && typeof n.replication_lag_bytes === 'number'));
  });

  it(`leader SIGKILL under load (${rounds} round(s)): every confirmed message is delivered, none acked comes back as new, definitions survive`, { timeout: 60_000 + rounds * 120_000 }, async () => {
    const urls = () => cluster.nodes.filter((n) => n.running).map((n) => n.url);
    const pub = publisher(urls);
    const sub = consumer(urls);
    const failovers: number[] = [];
    try {
      for (let round = 0; round < rounds; round++) {
        await sleep(1500);
        const leader = await cluster.waitForLeader();
        const killedAt = Date.now();
        await cluster.nodes[leader].kill();
        await cluster.waitForLeader(30000, leader);
        failovers.push(Date.now() - killedAt);
        await sleep(1500);
        await cluster.nodes[leader].start();
        await cluster.waitForFullIsr(60000);
      }
      await sleep(500);
      await pub.stop();
      const deadline = Date.now() + 60000;
      while ([...pub.confirmed].some((id) => !sub.delivered.has(id)) && Date.now() < deadline) await sleep(200);
    } finally {
      // Also when a step above failed: running client loops would keep the test file alive.
      await pub.stop();
      await sub.stop();
    }
    const lost = [...pub.confirmed].filter((id) => !sub.delivered.has(id));
    console.log(`# leader kill: rounds=${rounds} published=${pub.published} confirmed=${pub.confirmed.size} delivered=${sub.delivered.size} lost=${lost.length} ` +
      `acked_redelivered=${sub.ackedRedelivered} acked_redelivered_as_new=${sub.ackedRedeliveredAsNew} publisher_reconnects=${pub.reconnects} failover_ms=${failovers.join(',')}`);
    assert.ok(pub.confirmed.size > 0);
    assert.deepEqual(lost.slice(0, 20), [], `${lost.length} confirmed messages were never delivered`);
    assert.equal(sub.ackedRedeliveredAsNew, 0, 'an acknowledged message came back without the redelivered flag');
    const leader = await cluster.waitForLeader();
    const bindings = (await cluster.nodes[leader].http(`/api/bindings/%2F/e/cluster-x/q/${QUEUE}`))?.body as unknown[];
    assert.equal(bindings.length, 1, 'exchange, queue and binding survive the failovers');
  });

  it('follower SIGSTOP: the ISR shrinks and publishing goes on; after SIGCONT it catches up and rejoins the ISR', async () => {
    const leader = await cluster.waitForLeader();
    await cluster.waitForFullIsr(60000);
    const stalled = cluster.nodes[(leader + 1) % 3];
    stalled.pause();
    try {
      const conn = await amqp.connect(cluster.nodes[leader].url);
      const ch = await conn.createConfirmChannel();
      const started = Date.now();
      for (let i = 0; i < 200; i++) ch.sendToQueue(QUEUE, Buffer.from('0'), { persistent: true });
      await ch.waitForConfirms();
      console.log(`# follower SIGSTOP: 200 confirms took ${Date.now() - started} ms (the stalled follower leaves the ISR after the lag timeout)`);
      await conn.close();
      const nodes = (await cluster.nodes[leader].http('/api/nodes'))?.body as { name: string; in_sync: boolean }[];
      assert.equal(nodes.find((n) => n.name === stalled.name)?.in_sync, false, 'the stalled follower left the ISR');
    } finally {
      stalled.resume();
    }
    await cluster.waitForFullIsr(60000);
  });

  it('loss of one etcd member changes nothing; loss of etcd quorum stops the leader from serving; service resumes with quorum', async () => {
    const leader = await cluster.waitForLeader();
    await cluster.etcd.members[0].kill();
    try {
      await sleep(1000);
      assert.equal(await cluster.waitForLeader(10000), leader, 'the leader keeps its lease with 2 of 3 etcd members');
      await cluster.etcd.members[1].kill();
      const lostAt = Date.now();
      // Without quorum no keepalive succeeds: the leader steps down on its own clock (TTL - 1 s).
      while (cluster.nodes.some((n) => n.running) && Date.now() - lostAt < 20000) {
        const states = await Promise.all(cluster.nodes.map((n) => n.http('/api/health/checks/leader')));
        if (states.every((s) => s?.status !== 200)) break;
        await sleep(100);
      }
      const steppedDownMs = Date.now() - lostAt;
      const states = await Promise.all(cluster.nodes.map((n) => n.http('/api/health/checks/leader')));
      assert.ok(states.every((s) => s?.status !== 200), 'no node claims leadership without etcd quorum');
      // A publish now cannot be confirmed by anyone.
      let confirmedWithoutQuorum = false;
      try {
        const conn = await amqp.connect(cluster.nodes[leader].url);
        conn.on('error', () => undefined);
        const ch = await conn.createConfirmChannel();
        ch.on('error', () => undefined);
        ch.sendToQueue(QUEUE, Buffer.from('0'), { persistent: true });
        await Promise.race([ch.waitForConfirms().then(() => { confirmedWithoutQuorum = true; }), sleep(3000)]);
        await conn.close().catch(() => undefined);
      } catch { /* refused: the node serves nobody without a leader */ }
      assert.equal(confirmedWithoutQuorum, false, 'a publish was confirmed without etcd quorum');
      await cluster.etcd.members[1].start();
      const back = Date.now();
      const next = await cluster.waitForLeader(60000);
      console.log(`# etcd quorum loss: leader stepped down after ${steppedDownMs} ms; a leader (${cluster.nodes[next].name}) serves ${Date.now() - back} ms after quorum returned`);
    } finally {
      await cluster.etcd.members[0].start();
      await cluster.etcd.members[1].start().catch(() => undefined);
    }
    await cluster.waitForFullIsr(60000);
  });

  it('graceful shutdown of the leader hands over at once', async () => {
    const leader = await cluster.waitForLeader();
    await cluster.waitForFullIsr(60000);
    const stoppedAt = Date.now();
    assert.equal(await cluster.nodes[leader].stop(), 0);
    const next = await cluster.waitForLeader(30000, leader);
    console.log(`# graceful handover: new leader ${cluster.nodes[next].name} after ${Date.now() - stoppedAt} ms`);
    assert.notEqual(next, leader);
    await cluster.nodes[leader].start();
  });
});
