// Confirms are fenced by the leader's lease: a leader whose lease is no longer certainly valid on
// its own clock (last acknowledged keepalive + TTL - margin) never sends another confirm, even
// before anything steps it down. The riskiest case: an ISR of only the leader, where nothing else
// would hold a confirm back. Real etcd (SIGSTOPped to cut the keepalives), real broker, amqplib.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { startBroker } from '../../src/index.js';
import { startReplicationLeader } from '../../src/cluster/replication/index.js';
import { EtcdClient } from '../../src/cluster/etcd-client.js';
import { LeaseKeeper } from '../../src/cluster/lease-keeper.js';
import { startEtcdCluster } from '../support/etcd.js';
import { waitFor, within } from '../support/clients.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe('lease fencing of confirms', () => {
  it('a leader with an ISR of itself confirms while its lease is valid and nacks every publish made after it lapsed', async () => {
    const etcd = await startEtcdCluster(3);
    cleanups.push(() => etcd.close());
    const client = new EtcdClient({ endpoints: etcd.endpoints });
    const lease = await LeaseKeeper.grant(client, 4, 1000);
    cleanups.push(() => lease.release(client));

    const dataDir = mkdtempSync(join(tmpdir(), 'warren-fence-'));
    const repl = await startReplicationLeader({ dataDir, host: '127.0.0.1', port: 0, epoch: 1, nodeId: 'a', fence: () => lease.valid() });
    cleanups.push(() => repl.close());
    repl.setIsr([]); // only the leader: nothing but the lease can hold a confirm back
    // No ClusterNode here: nobody steps this broker down, so only the fence can stop its confirms.
    const broker = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'error', dataDir, replication: repl.storeTap });
    cleanups.push(() => broker.close());
    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}`);
    cleanups.push(() => conn.close());
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue('fenced', { durable: true });

    const outcome = new Map<number, { leaseValidAtPublish: boolean; acked?: boolean }>();
    const publish = (n: number) => new Promise<void>((resolve) => {
      const entry: { leaseValidAtPublish: boolean; acked?: boolean } = { leaseValidAtPublish: lease.valid() };
      outcome.set(n, entry);
      ch.sendToQueue('fenced', Buffer.from(String(n)), { persistent: true }, (err) => {
        entry.acked = !err;
        resolve();
      });
    });

    let n = 0;
    for (; n < 20; n++) await within(publish(n), 10_000, `confirm ${n}`);
    assert.deepEqual([...outcome.values()].filter((o) => !o.acked), [], `confirms flow while the lease is kept alive (lease valid: ${lease.valid()}, ${lease.remainingMs()} ms)`);

    // Cut every keepalive: all etcd members stop answering. Keep publishing with confirms (a
    // window of 20 in flight) until the lease has lapsed and 50 more publishes went in after it.
    for (const m of etcd.members) m.process!.kill('SIGSTOP');
    cleanups.push(async () => { for (const m of etcd.members) m.process?.kill('SIGCONT'); });
    let afterLapse = 0;
    const inFlight = new Set<Promise<void>>();
    while (afterLapse < 50) {
      if (!lease.valid()) afterLapse++;
      const p = publish(n++).then(() => { inFlight.delete(p); });
      inFlight.add(p);
      if (inFlight.size >= 20) await within(Promise.race(inFlight), 15_000, 'a confirm or nack');
    }
    await within(Promise.all(inFlight), 15_000, 'every publish answered');

    const late = [...outcome.entries()].filter(([, o]) => !o.leaseValidAtPublish);
    assert.equal(late.length, 50);
    const lateConfirmed = late.filter(([, o]) => o.acked).map(([k]) => k);
    assert.deepEqual(lateConfirmed, [], 'no publish made after the lease lapsed was confirmed');
    assert.ok([...outcome.values()].every((o) => o.acked !== undefined), 'every publish got an ack or a nack');
    await waitFor(() => !lease.valid(), 1000, 'the lease stays lapsed');
    console.log(`# ${n} publishes: ${[...outcome.values()].filter((o) => o.acked).length} confirmed, ${[...outcome.values()].filter((o) => !o.acked).length} nacked (${late.length} made after the lease lapsed)`);
  });
});
