// Network partition of the leader, with network namespaces: 3 etcd members and the test in the
// root namespace, each Warren node in its own namespace (test/support/netns.ts). Cutting the
// leader's cluster link isolates it from etcd and the other nodes while the test still reaches
// it through its client link, so publishers with confirms talk to both sides at once.
// Checked: the old leader steps down and stops confirming; a new leader is elected among the
// others; no confirm comes from the old leader once the new one has confirmed (never two leaders
// accepting writes); every confirmed message is on the survivor; after healing, the old leader
// rejoins as an in-sync follower. CI runs one partition; WARREN_CLUSTER_ROUNDS=N runs N.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { startTestCluster } from '../support/cluster.js';
import type { TestCluster, WarrenNode } from '../support/cluster.js';
import { createNetnsLayout, netnsUnavailable } from '../support/netns.js';
import type { NetnsLayout } from '../support/netns.js';

const rounds = Number(process.env.WARREN_CLUSTER_ROUNDS ?? 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const QUEUE = 'cluster-partition-q';
const unavailable = netnsUnavailable();
if (unavailable) console.log(`# SKIPPED partition test: ${unavailable}; the SIGSTOP and quorum-loss paths are in failover.test.ts`);

/** Every answer one side of the partition gave, in the order the test saw them. */
type Event = { side: 'old' | 'new'; id: string; ok: boolean };

/** Publishes to one node directly (no reconnect), recording every ack and nack in `events`. */
async function publishTo(node: WarrenNode, side: 'old' | 'new', events: Event[], stop: () => boolean): Promise<void> {
  let conn: amqp.ChannelModel | null = null;
  try {
    conn = await amqp.connect(node.url);
    conn.on('error', () => undefined);
    const ch = await conn.createConfirmChannel();
    ch.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => conn!.once('close', () => resolve()));
    for (let n = 0; !stop(); n++) {
      const batch: Promise<void>[] = [];
      for (let i = 0; i < 10; i++) {
        const id = `${side}-${node.index}-${Date.now()}-${n}-${i}`;
        batch.push(new Promise<void>((resolve) => {
          ch.publish('', QUEUE, Buffer.from(id), { persistent: true }, (err) => {
            events.push({ side, id, ok: !err });
            resolve();
          });
        }));
      }
      const open = await Promise.race([Promise.all(batch).then(() => true), closed.then(() => false)]);
      if (!open) return;
      await sleep(20);
    }
  } catch {
    // refused or closed: this side does not serve (any more)
  } finally {
    await conn?.close().catch(() => undefined);
  }
}

async function drain(node: WarrenNode): Promise<Set<string>> {
  const conn = await amqp.connect(node.url);
  const ch = await conn.createChannel();
  const seen = new Set<string>();
  for (;;) {
    const m = await ch.get(QUEUE, { noAck: true });
    if (!m) break;
    seen.add(m.content.toString());
  }
  await conn.close();
  return seen;
}

describe('cluster: network partition of the leader (network namespaces)', { skip: unavailable ?? false }, () => {
  let net: NetnsLayout;
  let cluster: TestCluster;
  const confDir = mkdtempSync(join(tmpdir(), 'warren-partition-'));
  before(async () => {
    net = createNetnsLayout(3);
    // The test reaches the nodes over their client links, not loopback: let guest in from there.
    writeFileSync(join(confDir, 'rabbitmq.conf'), 'loopback_users = none\n');
    cluster = await startTestCluster(3, { etcdHost: net.etcdHost, placement: (i) => net.placement(i), args: ['--config', join(confDir, 'rabbitmq.conf')] });
  });
  after(async () => {
    await cluster?.close();
    net?.close();
    rmSync(confDir, { recursive: true, force: true });
  });

  it(`the cut-off leader stops confirming, one new leader serves, confirmed messages survive, the old leader rejoins (${rounds} round(s))`, async () => {
    const first = await cluster.waitForLeader(60_000);
    await cluster.waitForFullIsr(60_000);
    const setup = await amqp.connect(cluster.nodes[first].url);
    await (await setup.createChannel()).assertQueue(QUEUE, { durable: true });
    await setup.close();

    const confirmed = new Set<string>();
    for (let round = 0; round < rounds; round++) {
      const old = await cluster.waitForLeader(60_000);
      await cluster.waitForFullIsr(60_000);
      const events: Event[] = [];
      let stopOld = false;
      const oldPublisher = publishTo(cluster.nodes[old], 'old', events, () => stopOld);
      await sleep(500);
      assert.ok(events.some((e) => e.side === 'old' && e.ok), 'the leader confirms before the partition');

      const cutAt = Date.now();
      net.cut(old);
      // The others elect a new leader; the test publishes to it while still publishing to the old one.
      const next = await cluster.waitForLeader(60_000, old);
      const electedAfter = Date.now() - cutAt;
      let stopNew = false;
      const newPublisher = publishTo(cluster.nodes[next], 'new', events, () => stopNew);
      // Until the new leader has confirmed, and the old one has stopped serving its leader check.
      for (let t = 0; t < 300; t++) {
        if (events.some((e) => e.side === 'new' && e.ok) && (await cluster.nodes[old].http('/api/health/checks/leader'))?.status !== 200) break;
        await sleep(100);
      }
      await sleep(1000); // room for a wrong confirm from the old side to arrive
      stopOld = stopNew = true;
      await Promise.all([oldPublisher, newPublisher]);

      const firstNew = events.findIndex((e) => e.side === 'new' && e.ok);
      assert.ok(firstNew >= 0, 'the new leader confirms');
      const oldAfterNew = events.slice(firstNew).filter((e) => e.side === 'old' && e.ok);
      assert.deepEqual(oldAfterNew, [], 'no confirm from the old leader once the new leader confirms');
      assert.notEqual((await cluster.nodes[old].http('/api/health/checks/leader'))?.status, 200, 'the old leader stepped down');
      for (const e of events) if (e.ok) confirmed.add(e.id);

      net.heal(old);
      await cluster.waitForFullIsr(60_000);
      const nodes = (await cluster.nodes[next].http('/api/nodes'))?.body as { name: string; cluster_role: string; in_sync: boolean }[];
      const rejoined = nodes.find((n) => n.name === cluster.nodes[old].name);
      assert.equal(rejoined?.cluster_role, 'follower');
      assert.equal(rejoined?.in_sync, true, 'the old leader resynced and is back in the ISR');
      assert.equal(await cluster.waitForLeader(10_000), next, 'still one leader: the new one');
      console.log(`# round ${round + 1}: cut node ${old}, node ${next} leads after ${electedAfter} ms; ${events.filter((e) => e.side === 'old' && e.ok).length} confirms from the old leader (all before the new one's first), ${events.filter((e) => e.side === 'new' && e.ok).length} from the new one, ${events.filter((e) => !e.ok).length} nacks`);
    }

    const survivor = await cluster.waitForLeader(60_000);
    const present = await drain(cluster.nodes[survivor]);
    const lost = [...confirmed].filter((id) => !present.has(id));
    assert.deepEqual(lost, [], 'every confirmed message is on the surviving leader');
    console.log(`# ${confirmed.size} confirmed, ${lost.length} lost, ${present.size} present on the survivor`);
  });
});
