// Dynamic shovels over the management API, answer by answer against RabbitMQ 3.10.8's recorded
// answers to the same requests (test/fixtures/http/rabbitmq-3.10.8-api.json, shovel_* keys,
// recorded by scripts/record-http-api-fixtures.mjs), plus the OpenAPI listing and definitions.
// Message movement with real clients is in test/integration/shovel.test.ts.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningBroker } from '../../src/index.js';
import { waitFor } from '../support/clients.js';
import { api, assertSameShape, rabbitApi, sameAsRecorded, startHttpBroker, type ApiResponse } from './support.js';

const LIMIT = { timeout: 30_000 };
// The names RabbitMQ's answers were recorded with.
const vh = 'fxa-vhost';
const enc = encodeURIComponent;
let broker: RunningBroker;
let call: (method: string, path: string, body?: unknown) => Promise<ApiResponse>;

const same = (name: string, method: string, path: string, body?: unknown) => sameAsRecorded(call, name, method, path, body);

/** Exactly what the management UI's "Move messages" form sends (as in the recording). */
const value = {
  'src-uri': `amqp:///${enc(vh)}`, 'src-queue': 'fxa.from', 'src-protocol': 'amqp091', 'src-prefetch-count': 1000,
  'src-delete-after': 'queue-length', 'dest-protocol': 'amqp091', 'dest-uri': `amqp:///${enc(vh)}`,
  'dest-add-forward-headers': false, 'ack-mode': 'on-confirm', 'dest-queue': 'fxa.to', 'src-consumer-args': {},
};

before(async () => {
  broker = await startHttpBroker();
  call = api(broker);
  await call('PUT', `/api/vhosts/${vh}`, {});
  await call('PUT', `/api/queues/${vh}/fxa.from`, { durable: true });
  await call('PUT', `/api/queues/${vh}/fxa.to`, { durable: true });
}, LIMIT);
after(() => broker.close());

describe('/api/parameters/shovel and /api/shovels', () => {
  test('a queue-length shovel moves what the queue holds and removes itself', async () => {
    for (let i = 0; i < 5; i++) {
      await call('POST', `/api/exchanges/${vh}/amq.default/publish`, { properties: { delivery_mode: 2 }, routing_key: 'fxa.from', payload: `m${i}`, payload_encoding: 'string' });
    }
    await same('shovel_put', 'PUT', `/api/parameters/shovel/${vh}/${enc('Move from fxa.from')}`, { component: 'shovel', vhost: vh, name: 'Move from fxa.from', value });
    await waitFor(async () => (await call('GET', `/api/parameters/shovel/${vh}`)).body.length === 0, 10_000, 'shovel removed');
    await same('shovel_parameter_after', 'GET', `/api/parameters/shovel/${vh}`);
    await same('shovel_statuses_after', 'GET', '/api/shovels');
    // RabbitMQ's recorded counts lag (its stats are emitted every 5 s); Warren's are current.
    assert.deepEqual((await call('GET', `/api/queues/${vh}/fxa.from?columns=messages,messages_ready`)).body, { messages: 0, messages_ready: 0 });
    assert.deepEqual((await call('GET', `/api/queues/${vh}/fxa.to?columns=messages,messages_ready`)).body, { messages: 5, messages_ready: 5 });
    await same('shovel_moved_get', 'POST', `/api/queues/${vh}/fxa.to/get`, { count: 10, ackmode: 'ack_requeue_true', encoding: 'auto' });
  });

  test('a shovel that stays: its status, in every listing, with RabbitMQ\'s fields', async () => {
    await same('shovel_put_persistent', 'PUT', `/api/parameters/shovel/${vh}/fxa-stay`, { value: { ...value, 'src-delete-after': 'never' } });
    await same('shovel_parameter_get', 'GET', `/api/parameters/shovel/${vh}/fxa-stay`);
    for (const [name, path] of [['shovel_statuses', '/api/shovels'], ['shovel_statuses_vhost', `/api/shovels/${vh}`]]) {
      const r = await call('GET', path);
      assert.equal(r.status, 200);
      assert.equal(r.body.length, 1);
      const expected = rabbitApi[name].body[0];
      assertSameShape(r.body[0], expected, Object.keys(expected), name);
      // Everything but the node and the time is the same value.
      assert.deepEqual({ ...r.body[0], node: null, timestamp: null }, { ...expected, node: null, timestamp: null }, name);
      assert.match(r.body[0].timestamp, /^\d{4}-\d\d-\d\d \d{1,2}:\d\d:\d\d$/);
    }
    assert.deepEqual((await call('GET', `/api/shovels/vhost/${vh}/fxa-stay`)).body, (await call('GET', `/api/shovels/${vh}`)).body);
  });

  test('invalid values: RabbitMQ\'s 400 and texts', async () => {
    await same('shovel_put_no_src', 'PUT', `/api/parameters/shovel/${vh}/fxa-bad`, { value: { 'dest-queue': 'fxa.to', 'dest-uri': 'amqp://' } });
    await same('shovel_put_bad_uri', 'PUT', `/api/parameters/shovel/${vh}/fxa-bad`, { value: { ...value, 'src-uri': 'http://x' } });
    await same('shovel_put_bad_delete_after', 'PUT', `/api/parameters/shovel/${vh}/fxa-bad`, { value: { ...value, 'src-delete-after': 'sometime' } });
  });

  test('the shovel is in the definitions export and comes back from an import', async () => {
    const defs = (await call('GET', '/api/definitions')).body;
    const stay = { component: 'shovel', vhost: vh, name: 'fxa-stay', value: { ...value, 'src-delete-after': 'never' } };
    assert.deepEqual(defs.parameters.filter((p: { component: string }) => p.component === 'shovel'), [stay]);
    await call('DELETE', `/api/parameters/shovel/${vh}/fxa-stay`);
    assert.deepEqual((await call('GET', `/api/shovels/${vh}`)).body, []);
    assert.equal((await call('POST', '/api/definitions', { parameters: [stay] })).status, 204);
    await waitFor(async () => (await call('GET', `/api/shovels/${vh}`)).body[0]?.state === 'running', 10_000, 'imported shovel running');
  });

  test('restart, then delete through /api/shovels (the parameter goes with it)', async () => {
    await same('shovel_restart', 'DELETE', `/api/shovels/vhost/${vh}/fxa-stay/restart`);
    assert.equal((await call('GET', `/api/shovels/${vh}`)).body[0].state, 'running');
    await same('shovel_delete_status', 'DELETE', `/api/shovels/vhost/${vh}/fxa-stay`);
    await same('shovel_delete', 'DELETE', `/api/parameters/shovel/${vh}/fxa-stay`);
    assert.deepEqual((await call('GET', '/api/shovels')).body, []);
  });

  test('shovel status is for monitoring users, who see only the vhosts they may use (as RabbitMQ 3.10.8)', async () => {
    await call('PUT', `/api/parameters/shovel/${vh}/fxa-seen`, { value: { ...value, 'src-delete-after': 'never' } });
    await call('PUT', '/api/users/fxa-mgmt', { password: 'pw', tags: 'management' });
    const management = api(broker, 'fxa-mgmt', 'pw');
    for (const path of ['/api/shovels', `/api/shovels/${vh}`]) {
      assert.deepEqual(await management('GET', path).then((r) => [r.status, r.body]), [401, { error: 'not_authorised', reason: 'Not monitor user' }], path);
    }
    assert.equal((await management('DELETE', `/api/shovels/vhost/${vh}/fxa-seen`)).status, 401);
    await call('PUT', '/api/users/fxa-mon', { password: 'pw', tags: 'monitoring' });
    const monitoring = api(broker, 'fxa-mon', 'pw');
    assert.deepEqual((await monitoring('GET', '/api/shovels')).body, [], 'no permission on the vhost: none of its shovels');
    assert.equal((await call('DELETE', `/api/shovels/vhost/${vh}/fxa-seen`)).status, 204);
  });
});
