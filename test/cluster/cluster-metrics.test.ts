// Cluster fields on /metrics: a leader's broker (replication leader, real follower over TCP)
// reports that it leads, the in-sync replica count and per-follower lag, connection and ISR
// membership; a broker that is not clustered reports none of them. Parsed by the strict
// Prometheus text-format parser.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { startBroker } from '../../src/index.js';
import { startReplicationFollower, startReplicationLeader } from '../../src/cluster/replication/index.js';
import type { ClusterView } from '../../src/http/cluster-view.js';
import { parseExposition, sampleValue } from '../support/prometheus-text.js';
import { waitFor, within } from '../support/clients.js';

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `warren-cmetrics-${name}-`));
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

async function scrape(port: number | null) {
  const r = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(r.status, 200);
  return parseExposition(await r.text());
}

describe('cluster metrics on /metrics', () => {
  it('a leader reports leading, the ISR size and each follower\'s lag, connection and ISR membership', async () => {
    const dataDir = tmp('leader');
    const repl = await startReplicationLeader({ dataDir, host: '127.0.0.1', port: 0, epoch: 1, nodeId: 'a' });
    cleanups.push(() => repl.close());
    const follower = startReplicationFollower({ dataDir: tmp('b'), nodeId: 'b', leaderAddress: { host: '127.0.0.1', port: repl.port }, epoch: 1 });
    cleanups.push(() => follower.close());
    await within(follower.caughtUp, 10_000, 'b caught up');
    repl.setIsr(['b']);
    const isr = new Set(['b']);
    const view: ClusterView = {
      clusterName: 'cm-cluster',
      followers: () => repl.followers().map((f) => ({ name: `warren-${f.nodeId}`, connected: f.connected, inSync: isr.has(f.nodeId), lagBytes: f.lagBytes })),
    };
    const broker = await startBroker({ port: 0, host: '127.0.0.1', metricsPort: 0, logLevel: 'error', dataDir, replication: repl.storeTap, clusterView: view });
    cleanups.push(() => broker.close());
    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}`);
    cleanups.push(() => conn.close());
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue('cmetrics', { durable: true });
    ch.sendToQueue('cmetrics', Buffer.from('x'), { persistent: true });
    await within(ch.waitForConfirms(), 10_000, 'confirm');

    let m = await scrape(broker.metricsPort);
    assert.equal(sampleValue(m, 'warren_cluster_leader'), 1);
    assert.equal(sampleValue(m, 'warren_cluster_in_sync_replicas'), 2, 'the leader and b');
    assert.equal(m.get('warren_replication_lag_bytes')?.type, 'gauge');
    assert.equal(sampleValue(m, 'warren_replication_lag_bytes', { follower: 'warren-b' }), 0, 'b acknowledged everything before the confirm');
    assert.equal(sampleValue(m, 'warren_replication_follower_connected', { follower: 'warren-b' }), 1);
    assert.equal(sampleValue(m, 'warren_replication_follower_in_sync', { follower: 'warren-b' }), 1);
    // Every node of a cluster names the same cluster (and permanent id) in rabbitmq_identity_info.
    assert.equal(m.get('rabbitmq_identity_info')!.samples[0].labels.rabbitmq_cluster, 'cm-cluster');

    // b goes away: still listed (it is in the ISR) but disconnected, and no lag is claimed for it.
    await follower.close();
    await waitFor(() => !repl.followers().find((f) => f.nodeId === 'b')!.connected, 10_000, 'b disconnected');
    m = await scrape(broker.metricsPort);
    assert.equal(sampleValue(m, 'warren_replication_follower_connected', { follower: 'warren-b' }), 0);
    assert.equal(sampleValue(m, 'warren_replication_follower_in_sync', { follower: 'warren-b' }), 1);
    assert.deepEqual(m.get('warren_replication_lag_bytes')?.samples ?? [], []);
  });

  it('a broker that is not clustered has no cluster families (its /metrics stays RabbitMQ\'s)', async () => {
    const broker = await startBroker({ port: 0, host: '127.0.0.1', metricsPort: 0, logLevel: 'error' });
    cleanups.push(() => broker.close());
    const m = await scrape(broker.metricsPort);
    assert.ok(m.has('rabbitmq_connections_opened_total'));
    assert.deepEqual([...m.keys()].filter((name) => name.startsWith('warren_')), []);
  });
});
