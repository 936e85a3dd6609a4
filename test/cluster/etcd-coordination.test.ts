// The etcd JSON-gateway client, the worker-thread lease keeper and the fenced ISR, against a real
// 3-member etcd cluster (Debian etcd-server).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdClient } from '../../src/cluster/etcd-client.js';
import { LeaseKeeper } from '../../src/cluster/lease-keeper.js';
import { Coordinator } from '../../src/cluster/coordinator.js';
import type { NodeInfo } from '../../src/cluster/coordinator.js';
import { startEtcdCluster } from '../support/etcd.js';
import type { EtcdCluster } from '../support/etcd.js';

const info = (id: string): NodeInfo => ({ id, name: `warren@${id}`, amqp: `127.0.0.1:1${id.length}`, http: null, replication: '127.0.0.1:9' });

describe('etcd coordination', () => {
  let etcd: EtcdCluster;
  let client: EtcdClient;
  before(async () => {
    etcd = await startEtcdCluster(3);
    client = new EtcdClient({ endpoints: etcd.endpoints });
  });
  after(async () => etcd.close());

  it('puts, gets, lists by prefix and deletes keys (base64 and int64 strings handled)', async () => {
    await client.put('/t/kv/a', 'één');
    await client.put('/t/kv/b', '');
    await client.put('/t/kw', 'outside');
    const a = await client.get('/t/kv/a');
    assert.equal(a?.value, 'één');
    assert.match(a!.createRevision, /^\d+$/);
    assert.equal((await client.get('/t/kv/b'))?.value, '', 'an empty value (omitted by proto3) reads back as empty');
    assert.equal(await client.get('/t/kv/none'), null);
    assert.deepEqual((await client.getPrefix('/t/kv/')).map((kv) => kv.key), ['/t/kv/a', '/t/kv/b']);
    assert.equal(await client.delete('/t/kv/', true), 2);
    assert.deepEqual(await client.getPrefix('/t/kv/'), []);
    assert.equal((await client.get('/t/kw'))?.value, 'outside');
  });

  it('runs transactions: the success branch only while the comparison holds', async () => {
    await client.put('/t/txn', 'one');
    const ok = await client.txn([{ key: '/t/txn', target: 'VALUE', value: 'one' }], [{ put: { key: '/t/txn', value: 'two' } }], [{ range: { key: '/t/txn' } }]);
    assert.equal(ok.succeeded, true);
    const no = await client.txn([{ key: '/t/txn', target: 'VALUE', value: 'one' }], [{ put: { key: '/t/txn', value: 'three' } }], [{ range: { key: '/t/txn' } }]);
    assert.equal(no.succeeded, false, 'proto3 omits succeeded=false; it reads as false');
    assert.equal(no.ranges[0][0].value, 'two');
  });

  it('keeps a lease (TTL 5 s) alive from a worker thread while the main event loop is blocked for 6.5 s', async () => {
    const lease = await LeaseKeeper.grant(client, 5);
    await client.put('/t/leased', 'x', lease.id);
    const until = Date.now() + 6500;
    while (Date.now() < until) { /* a busy main thread: no timers, no I/O callbacks */ }
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(lease.valid(), true, 'the worker renewed the lease meanwhile');
    assert.equal((await client.get('/t/leased'))?.value, 'x');
    await lease.release(client);
    assert.equal(lease.valid(), false);
    assert.equal(await client.get('/t/leased'), null, 'revoking the lease deletes its keys');
  });

  it('declares a lease lost on its own clock when no etcd member answers, before etcd expires it', async () => {
    const unreachable = new EtcdClient({ endpoints: ['http://127.0.0.1:9'] });
    const lease = await LeaseKeeper.grant(client, 2, 500);
    // A keeper of the same lease whose keepalives cannot reach etcd.
    const lonely = await new Promise<string>((resolve) => {
      const k = new (LeaseKeeper as unknown as { new (...a: unknown[]): LeaseKeeper })(lease.id, 2, unreachable.endpoints, 500, performance.timeOrigin + performance.now());
      const started = Date.now();
      k.onLost((reason) => resolve(`${reason} after ${Date.now() - started} ms`));
    });
    assert.match(lonely, /^(lease deadline passed|keepalive not acknowledged in time) after \d+ ms$/);
    console.log(`# lease with unreachable etcd: ${lonely} (TTL 2000 ms, margin 500 ms)`);
    await lease.release(client);
  });

  it('elects one leader at a time; the epoch is the election key create revision; a deposed leader cannot write the ISR', async () => {
    const coord = new Coordinator(client, 'elect');
    const l1 = await LeaseKeeper.grant(client, 5);
    const l2 = await LeaseKeeper.grant(client, 5);
    const first = await coord.campaign(l1.id, info('node-a'), new AbortController().signal);
    const waiting = new AbortController();
    let secondWon = false;
    const second = coord.campaign(l2.id, info('node-b'), waiting.signal).then((k) => { secondWon = true; return k; });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(secondWon, false, 'the second campaigner waits while the first leads');
    const leader = await coord.leader();
    assert.equal(leader?.info.id, 'node-a');
    assert.equal(leader?.key.rev, first.rev);
    assert.equal(await coord.writeIsr(first, ['node-a', 'node-b']), true);
    assert.deepEqual(await coord.readIsr(), { epoch: first.rev, members: ['node-a', 'node-b'] });

    await l1.release(client); // the leader's lease ends: its key goes, the next campaigner leads
    const next = await second;
    assert.ok(BigInt(next.rev) > BigInt(first.rev), 'a later leader has a greater epoch');
    assert.equal((await coord.leader())?.info.id, 'node-b');
    assert.equal(await coord.writeIsr(first, ['node-a']), false, 'fenced: the old leader key no longer exists');
    assert.equal(await coord.writeIsr(next, ['node-b']), true);
    assert.deepEqual((await coord.readIsr())?.members, ['node-b']);
    await coord.resign(next);
    assert.equal(await coord.leader(), null);
    await l2.release(client);
  });

  it('fails over to another member when the one it talks to dies', async () => {
    const c = new EtcdClient({ endpoints: etcd.endpoints });
    await c.put('/t/failover', 'before');
    await etcd.members[0].kill();
    try {
      await c.put('/t/failover', 'after');
      assert.equal((await c.get('/t/failover'))?.value, 'after');
      const lease = await LeaseKeeper.grant(c, 5);
      assert.equal(lease.valid(), true);
      await lease.release(c);
    } finally {
      await etcd.members[0].start();
    }
  });
});
