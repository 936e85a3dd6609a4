// Publishing and getting messages over the management API, queue actions, and creating,
// showing and deleting bindings: the same requests, in the same order, as when RabbitMQ 3.10.8's
// answers were recorded (scripts/record-http-api-fixtures.mjs), and the answers compared.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import type { RunningBroker } from '../../src/index.js';
import { api, rabbitApi, startHttpBroker, type ApiResponse } from './support.js';

const LIMIT = { timeout: 20_000 };
const vh = 'fxa-vhost';
let broker: RunningBroker;
let call: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiResponse>;

/** Same status and body (and Location, where RabbitMQ sent one) as RabbitMQ's recorded answer. */
async function same(name: string, method: string, path: string, body?: unknown): Promise<ApiResponse> {
  const r = await call(method, path, body);
  const expected = rabbitApi[name];
  assert.deepEqual({ status: r.status, body: r.body }, { status: expected.status, body: expected.body }, `${name}: ${method} ${path}`);
  if (expected.location !== undefined) assert.equal(r.headers.get('location'), expected.location, `${name}: Location`);
  return r;
}

before(async () => {
  broker = await startHttpBroker();
  call = api(broker);
  await call('PUT', `/api/vhosts/${vh}`, {});
  await call('PUT', `/api/queues/${vh}/fxa.q`, { durable: true });
  await call('PUT', `/api/queues/${vh}/fxa.other`, { durable: true });
  await call('PUT', `/api/exchanges/${vh}/fxa.x`, { type: 'direct' });
  await call('POST', `/api/bindings/${vh}/e/fxa.x/q/fxa.q`, { routing_key: 'k' });
}, LIMIT);
after(() => broker.close());

describe('publish and get', () => {
  test('publish: routed true or false; payload as a string or base64', async () => {
    await same('publish_routed', 'POST', `/api/exchanges/${vh}/amq.default/publish`, {
      properties: { delivery_mode: 2, headers: { h: 'v', n: 1 }, content_type: 'text/plain', priority: 3, correlation_id: 'c1' },
      routing_key: 'fxa.q', payload: 'hello', payload_encoding: 'string',
    });
    await same('publish_unrouted', 'POST', `/api/exchanges/${vh}/fxa.x/publish`, { properties: {}, routing_key: 'nowhere', payload: 'x', payload_encoding: 'string' });
    await same('publish_base64', 'POST', `/api/exchanges/${vh}/fxa.x/publish`, { properties: {}, routing_key: 'k', payload: Buffer.from([0, 1, 2, 255]).toString('base64'), payload_encoding: 'base64' });
  });

  test('publish: RabbitMQ\'s 400 answers for bad requests', async () => {
    await same('publish_bad_encoding', 'POST', `/api/exchanges/${vh}/fxa.x/publish`, { properties: {}, routing_key: 'k', payload: 'x', payload_encoding: 'rot13' });
    await same('publish_bad_base64', 'POST', `/api/exchanges/${vh}/fxa.x/publish`, { properties: {}, routing_key: 'k', payload: '!!!', payload_encoding: 'base64' });
    await same('publish_missing_keys', 'POST', `/api/exchanges/${vh}/fxa.x/publish`, { routing_key: 'k' });
    await same('publish_missing_exchange', 'POST', `/api/exchanges/${vh}/fxa.nope/publish`, { properties: {}, routing_key: 'k', payload: 'x', payload_encoding: 'string' });
    await same('publish_bad_property', 'POST', `/api/exchanges/${vh}/fxa.x/publish`, { properties: { delivery_mode: 'x' }, routing_key: 'k', payload: 'x', payload_encoding: 'string' });
    await same('publish_unknown_property', 'POST', `/api/exchanges/${vh}/fxa.x/publish`, { properties: { bogus: 1 }, routing_key: 'k', payload: 'x', payload_encoding: 'string' });
    await same('publish_long', 'POST', `/api/exchanges/${vh}/amq.default/publish`, { properties: {}, routing_key: 'fxa.q', payload: 'abcdefghij', payload_encoding: 'string' });
  });

  test('get with requeue: messages, counts, properties and payloads exactly as RabbitMQ shows them', async () => {
    await same('get_requeue', 'POST', `/api/queues/${vh}/fxa.q/get`, { count: 2, ackmode: 'ack_requeue_true', encoding: 'auto', truncate: 50000 });
    await same('get_truncate', 'POST', `/api/queues/${vh}/fxa.q/get`, { count: 5, ackmode: 'ack_requeue_true', encoding: 'auto', truncate: 3 });
    await same('get_base64', 'POST', `/api/queues/${vh}/fxa.q/get`, { count: 1, ackmode: 'reject_requeue_true', encoding: 'base64' });
  });

  test('get: RabbitMQ\'s 400/404 answers for bad requests', async () => {
    await same('get_bad_encoding', 'POST', `/api/queues/${vh}/fxa.q/get`, { count: 1, ackmode: 'ack_requeue_true', encoding: 'bogus' });
    await same('get_missing_keys', 'POST', `/api/queues/${vh}/fxa.q/get`, { count: 1 });
    await same('get_missing_queue', 'POST', `/api/queues/${vh}/fxa.nope/get`, { count: 1, ackmode: 'ack_requeue_true', encoding: 'auto' });
    // RabbitMQ 3.10.8 crashes (500, empty body) on an unknown ackmode; Warren says what is wrong.
    const bad = await call('POST', `/api/queues/${vh}/fxa.q/get`, { count: 1, ackmode: 'bogus', encoding: 'auto' });
    assert.equal(rabbitApi.get_bad_ackmode.status, 500);
    assert.equal(bad.status, 400);
    assert.match(bad.body.reason, /Unsupported ackmode/);
  });

  test('get with ack_requeue_false consumes the messages', async () => {
    await same('get_consume', 'POST', `/api/queues/${vh}/fxa.q/get`, { count: 10, ackmode: 'ack_requeue_false', encoding: 'auto' });
    await same('get_empty', 'POST', `/api/queues/${vh}/fxa.q/get`, { count: 1, ackmode: 'ack_requeue_false', encoding: 'auto' });
    assert.equal((await call('GET', `/api/queues/${vh}/fxa.q`)).body.messages, 0);
  });

  test('a published message reaches AMQP consumers with its properties', async () => {
    await call('POST', `/api/exchanges/${vh}/amq.default/publish`, {
      properties: { headers: { a: 'b' }, message_id: 'm1', timestamp: 1700000000, expiration: '60000' }, routing_key: 'fxa.other', payload: 'to amqp', payload_encoding: 'string',
    });
    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}/${vh}`);
    try {
      const ch = await conn.createChannel();
      const m = await ch.get('fxa.other', { noAck: true });
      assert.ok(m);
      assert.equal(m.content.toString(), 'to amqp');
      assert.deepEqual(m.properties.headers, { a: 'b' });
      assert.equal(m.properties.messageId, 'm1');
      assert.equal(m.properties.timestamp, 1700000000);
      assert.equal(m.properties.expiration, '60000');
    } finally {
      await conn.close();
    }
  });

  test('get with reject_requeue_false dead-letters the messages', async () => {
    await call('PUT', `/api/queues/${vh}/fxa.dlq`, {});
    await call('PUT', `/api/queues/${vh}/fxa.src`, { arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'fxa.dlq' } });
    await call('POST', `/api/exchanges/${vh}/amq.default/publish`, { properties: {}, routing_key: 'fxa.src', payload: 'dead', payload_encoding: 'string' });
    const got = await call('POST', `/api/queues/${vh}/fxa.src/get`, { count: 1, ackmode: 'reject_requeue_false', encoding: 'auto' });
    assert.equal(got.body[0].payload, 'dead');
    const dead = await call('POST', `/api/queues/${vh}/fxa.dlq/get`, { count: 1, ackmode: 'ack_requeue_false', encoding: 'auto' });
    assert.equal(dead.body[0].payload, 'dead');
    assert.equal(dead.body[0].properties.headers['x-death'][0].reason, 'rejected');
  });

  test('the caller\'s permissions apply: publishing needs write on the exchange, getting read on the queue', async () => {
    await call('PUT', '/api/users/fxa-reader', { password: 'pw', tags: 'management' });
    await call('PUT', `/api/permissions/${vh}/fxa-reader`, { configure: '', write: '', read: '.*' });
    const reader = api(broker, 'fxa-reader', 'pw');
    const refused = await reader('POST', `/api/exchanges/${vh}/fxa.x/publish`, { properties: {}, routing_key: 'k', payload: 'x', payload_encoding: 'string' });
    assert.deepEqual(refused.body, { error: 'bad_request', reason: `403 ACCESS_REFUSED - access to exchange 'fxa.x' in vhost '${vh}' refused for user 'fxa-reader'` });
    assert.equal((await reader('POST', `/api/queues/${vh}/fxa.q/get`, { count: 1, ackmode: 'ack_requeue_true', encoding: 'auto' })).status, 200);
  });

  test('a persistent message published over HTTP to a durable queue survives a restart', LIMIT, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-http-publish-'));
    try {
      let b = await startHttpBroker({ dataDir: dir });
      let c = api(b);
      await c('PUT', '/api/queues/%2F/durable-q', { durable: true });
      const r = await c('POST', '/api/exchanges/%2F/amq.default/publish', { properties: { delivery_mode: 2 }, routing_key: 'durable-q', payload: 'kept', payload_encoding: 'string' });
      assert.deepEqual(r.body, { routed: true });
      await b.close();
      b = await startHttpBroker({ dataDir: dir });
      c = api(b);
      try {
        const got = await c('POST', '/api/queues/%2F/durable-q/get', { count: 5, ackmode: 'ack_requeue_false', encoding: 'auto' });
        assert.deepEqual(got.body.map((m: { payload: string }) => m.payload), ['kept']);
      } finally {
        await b.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('queue actions', () => {
  test('sync and cancel_sync are accepted for a classic queue; others refused', async () => {
    await same('action_sync', 'POST', `/api/queues/${vh}/fxa.q/actions`, { action: 'sync' });
    await same('action_cancel_sync', 'POST', `/api/queues/${vh}/fxa.q/actions`, { action: 'cancel_sync' });
    await same('action_bogus', 'POST', `/api/queues/${vh}/fxa.q/actions`, { action: 'bogus' });
    await same('action_missing', 'POST', `/api/queues/${vh}/fxa.q/actions`, {});
    // RabbitMQ 3.10.8 answers 500 for a missing queue; Warren 404.
    assert.equal((await call('POST', `/api/queues/${vh}/fxa.nope/actions`, { action: 'sync' })).status, 404);
  });
});

describe('bindings', () => {
  before(async () => {
    await call('PUT', `/api/exchanges/${vh}/fxa.x2`, { type: 'topic' });
  });

  test('POST creates a binding; Location is its URL relative to the request', async () => {
    await same('binding_post_q', 'POST', `/api/bindings/${vh}/e/fxa.x/q/fxa.other`, { routing_key: 'a b/c', arguments: {} });
    const withArgs = await call('POST', `/api/bindings/${vh}/e/fxa.x/q/fxa.other`, { routing_key: 'r', arguments: { 'x-a': 1 } });
    assert.equal(withArgs.status, 201);
    // RabbitMQ digests the arguments with erlang:phash2; Warren's digest differs but has the same form.
    assert.match(withArgs.headers.get('location') ?? '', /^fxa\.other\/r~[A-Za-z0-9_-]+$/);
    await same('binding_post_e', 'POST', `/api/bindings/${vh}/e/fxa.x/e/fxa.x2`, { routing_key: 'to.x2' });
  });

  test('POST to a missing destination or from the default exchange: RabbitMQ\'s answers', async () => {
    await same('binding_post_missing_dest', 'POST', `/api/bindings/${vh}/e/fxa.x/q/fxa.nope`, { routing_key: 'r' });
    await same('binding_post_default_exchange', 'POST', `/api/bindings/${vh}/e/amq.default/q/fxa.other`, { routing_key: 'r' });
  });

  test('GET between two ends and by properties key; DELETE by properties key', async () => {
    const between = (await call('GET', `/api/bindings/${vh}/e/fxa.x/q/fxa.other`)).body;
    assert.deepEqual(between[0], rabbitApi.bindings_between_q.body[0]);
    assert.equal(between.length, 2);
    await same('bindings_between_e', 'GET', `/api/bindings/${vh}/e/fxa.x/e/fxa.x2`);
    await same('binding_get_e', 'GET', `/api/bindings/${vh}/e/fxa.x/e/fxa.x2/to.x2`);
    await same('binding_get_missing', 'GET', `/api/bindings/${vh}/e/fxa.x/e/fxa.x2/nope`);
    // The Location of a created binding leads to it.
    const one = await call('GET', `/api/bindings/${vh}/e/fxa.x/q/${rabbitApi.binding_post_q.location}`);
    assert.equal(one.body.routing_key, 'a b/c');
    const keyed = between.find((b: { routing_key: string }) => b.routing_key === 'r');
    assert.equal((await call('DELETE', `/api/bindings/${vh}/e/fxa.x/q/fxa.other/${encodeURIComponent(keyed.properties_key)}`)).status, 204);
    await same('binding_delete_e', 'DELETE', `/api/bindings/${vh}/e/fxa.x/e/fxa.x2/to.x2`);
    await same('binding_delete_e_again', 'DELETE', `/api/bindings/${vh}/e/fxa.x/e/fxa.x2/to.x2`);
  });

  test('an empty routing key without arguments has the properties key ~', async () => {
    await call('POST', `/api/bindings/${vh}/e/fxa.x2/q/fxa.other`, {});
    const [b] = (await call('GET', `/api/bindings/${vh}/e/fxa.x2/q/fxa.other`)).body;
    assert.equal(b.properties_key, '~');
    assert.equal((await call('DELETE', `/api/bindings/${vh}/e/fxa.x2/q/fxa.other/~`)).status, 204);
  });
});
