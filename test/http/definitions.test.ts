// GET/POST /api/definitions in RabbitMQ's format: a real RabbitMQ 3.10.8 export (recorded by
// scripts/record-http-fixtures.mjs) imports into Warren, and Warren's own export round-trips.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as amqp from 'amqplib';
import type { RunningBroker } from '../../src/index.js';
import { api, rabbitDefinitions, startHttpBroker } from './support.js';

let broker: RunningBroker;
before(async () => {
  broker = await startHttpBroker();
});
after(() => broker.close());

const sortBy = <T>(xs: T[], key: (x: T) => string) => [...xs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
const objKey = (o: Record<string, unknown>) => JSON.stringify([o.vhost, o.name, o.source, o.destination, o.routing_key, o.user]);

test('a RabbitMQ export imports: users keep their password hashes, topology routes', async () => {
  const call = api(broker);
  const r = await call('POST', '/api/definitions', rabbitDefinitions);
  assert.equal(r.status, 204, JSON.stringify(r.body));
  // The password hash made by RabbitMQ authenticates over AMQP.
  const conn = await amqp.connect(`amqp://fixture-user:secret@127.0.0.1:${broker.port}/warren-fixture`);
  const ch = await conn.createChannel();
  ch.publish('fx.ex', 'a.x', Buffer.from('via topic'));
  ch.publish('fx.ex', 'h.x', Buffer.from('via e2e and headers'), { headers: { kind: 'a' } });
  await new Promise((res) => setTimeout(res, 100));
  assert.equal((await ch.get('fx.q', { noAck: true }) || null)?.content.toString(), 'via topic');
  assert.equal((await ch.get('fx.ttl', { noAck: true }) || null)?.content.toString(), 'via e2e and headers');
  await conn.close();

  const d = (await call('GET', '/api/definitions')).body;
  const mine = (xs: Record<string, unknown>[]) => sortBy(xs.filter((x) => x.vhost === 'warren-fixture'), objKey);
  assert.deepEqual(mine(d.queues), sortBy(rabbitDefinitions.queues, objKey));
  assert.deepEqual(mine(d.exchanges), sortBy(rabbitDefinitions.exchanges, objKey));
  assert.deepEqual(mine(d.bindings), sortBy(rabbitDefinitions.bindings, objKey));
  assert.deepEqual(mine(d.permissions), sortBy(rabbitDefinitions.permissions, objKey));
  const fx = d.users.find((u: { name: string }) => u.name === 'fixture-user');
  assert.deepEqual(fx, rabbitDefinitions.users.find((u: { name: string }) => u.name === 'fixture-user'));
  // Same top-level sections as RabbitMQ's export.
  assert.deepEqual(Object.keys(d).sort(), Object.keys(rabbitDefinitions).sort());
});

test('Warren\'s export imports into a fresh Warren unchanged (round trip)', async () => {
  const exported = (await api(broker)('GET', '/api/definitions')).body;
  const other = await startHttpBroker();
  try {
    const call = api(other);
    assert.equal((await call('POST', '/api/definitions', exported)).status, 204);
    const again = (await call('GET', '/api/definitions')).body;
    for (const k of ['vhosts', 'users', 'permissions', 'queues', 'exchanges', 'bindings']) {
      assert.deepEqual(sortBy(again[k], objKey), sortBy(exported[k], objKey), k);
    }
  } finally {
    await other.close();
  }
});

test('per-vhost export and import, and a bad document is a 400', async () => {
  const call = api(broker);
  const v = (await call('GET', '/api/definitions/warren-fixture')).body;
  assert.ok(v.queues.every((q: Record<string, unknown>) => !('vhost' in q)));
  await call('PUT', '/api/vhosts/copy');
  assert.equal((await call('POST', '/api/definitions/copy', v)).status, 204);
  assert.equal((await call('GET', '/api/queues/copy/fx.q')).body.arguments['x-max-length'], 10);
  const bad = await call('POST', '/api/definitions', { queues: [{ name: 'q', vhost: 'no-such-vhost', durable: true }] });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error, 'bad_request');
});

test('policies and runtime parameters import (the policy applies to the imported queue) and export again', async () => {
  const other = await startHttpBroker();
  try {
    const call = api(other);
    const doc = {
      vhosts: [{ name: '/' }],
      policies: [{ vhost: '/', name: 'cap', pattern: '^capped\\.', 'apply-to': 'queues', definition: { 'max-length': 2 }, priority: 1 }],
      parameters: [{ vhost: '/', component: 'federation-upstream', name: 'up', value: { uri: 'amqp://upstream' } }],
      queues: [{ name: 'capped.q', vhost: '/', durable: true, auto_delete: false, arguments: {} }],
    };
    assert.equal((await call('POST', '/api/definitions', doc)).status, 204);
    const exported = (await call('GET', '/api/definitions')).body;
    assert.deepEqual(exported.policies, doc.policies);
    assert.deepEqual(exported.parameters, doc.parameters);
    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${other.port}`);
    const ch = await conn.createConfirmChannel();
    for (let i = 0; i < 5; i++) ch.sendToQueue('capped.q', Buffer.from(String(i)));
    await ch.waitForConfirms();
    assert.equal((await ch.checkQueue('capped.q')).messageCount, 2);
    await conn.close();
  } finally {
    await other.close();
  }
});
