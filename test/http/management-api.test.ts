// The management HTTP API, driven with fetch against an in-process Warren; objects are checked
// field by field against RabbitMQ 3.10.8's answers for the same objects (test/fixtures/http).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as amqp from 'amqplib';
import type { RunningBroker } from '../../src/index.js';
import { api, assertSameShape, rabbit, startHttpBroker, type ApiResponse } from './support.js';

const LIMIT = { timeout: 20_000 };
let broker: RunningBroker;
let call: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiResponse>;
const vh = 'warren-fixture';

before(async () => {
  broker = await startHttpBroker();
  call = api(broker);
}, LIMIT);
after(() => broker.close());

describe('embedding', () => {
  test('HTTP starts only when asked; port 0 is read back', async () => {
    assert.ok(typeof broker.httpPort === 'number' && broker.httpPort > 0);
    assert.equal(broker.metricsPort, null);
    const plain = await startHttpBroker({ httpPort: null });
    try {
      assert.equal(plain.httpPort, null);
    } finally {
      await plain.close();
    }
  });
});

describe('authentication and authorisation', () => {
  test('no credentials: empty 401 with the Basic challenge, as RabbitMQ', async () => {
    const r = await fetch(`http://127.0.0.1:${broker.httpPort}/api/overview`);
    assert.equal(r.status, rabbit.unauthorized.status);
    assert.equal(r.headers.get('www-authenticate'), 'Basic realm="RabbitMQ Management"');
    assert.equal(await r.text(), '');
  });

  test('wrong password: 401 not_authorized / Login failed', async () => {
    const r = await api(broker, 'guest', 'wrong')('GET', '/api/overview');
    assert.equal(r.status, 401);
    assert.deepEqual(r.body, rabbit.bad_credentials.body);
  });

  test('a management user may read but not write vhosts; a user without tags may not log in', async () => {
    assert.equal((await call('PUT', '/api/users/mgmt', { password: 'pw', tags: 'management' })).status, 201);
    assert.equal((await call('PUT', '/api/users/notags', { password: 'pw', tags: '' })).status, 201);
    const mgmt = api(broker, 'mgmt', 'pw');
    assert.equal((await mgmt('GET', '/api/overview')).status, 200);
    const w = await mgmt('PUT', '/api/vhosts/x-forbidden');
    assert.equal(w.status, rabbit.forbidden_management_user_writes_vhost.status);
    assert.deepEqual(w.body, rabbit.forbidden_management_user_writes_vhost.body);
    assert.equal((await mgmt('GET', '/api/users')).status, 401);
    const n = await api(broker, 'notags', 'pw')('GET', '/api/overview');
    assert.equal(n.status, 401);
    assert.deepEqual(n.body, { error: 'not_authorised', reason: 'Not management user' });
    // Without a permission on '/', a management user does not see it.
    assert.deepEqual((await mgmt('GET', '/api/vhosts')).body, []);
    assert.equal((await mgmt('GET', '/api/queues/%2F')).status, 401);
  });

  test('whoami', async () => {
    const r = await call('GET', '/api/whoami');
    assert.deepEqual(r.body, rabbit.whoami.body);
  });
});

describe('errors', () => {
  test('unknown objects and paths: 404 Object Not Found', async () => {
    for (const path of [`/api/queues/%2F/nope`, '/api/queues/nope-vhost', '/api/exchanges/%2F/nope', '/api/nothing-here']) {
      const r = await call('GET', path);
      assert.equal(r.status, 404, path);
      assert.deepEqual(r.body, rabbit.not_found_queue.body, path);
    }
  });

  test('bad JSON: 400 bad_request / not_json', async () => {
    const r = await call('PUT', '/api/queues/%2F/badjson', '{nope');
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, rabbit.put_queue_bad_json.body);
  });

  test('wrong method: 405 with Allow', async () => {
    const r = await call('POST', '/api/overview');
    assert.equal(r.status, 405);
    assert.match(r.headers.get('allow') ?? '', /GET/);
  });
});

describe('topology: vhosts, exchanges, queues, bindings', () => {
  before(async () => {
    assert.equal((await call('PUT', `/api/vhosts/${vh}`)).status, 201);
    assert.equal((await call('PUT', `/api/vhosts/${vh}`)).status, 204);
    assert.equal((await call('PUT', `/api/exchanges/${vh}/fx.ex`, { type: 'topic', durable: true, auto_delete: false, internal: false, arguments: {} })).status, 201);
    assert.equal((await call('PUT', `/api/queues/${vh}/fx.q`, { durable: true, auto_delete: false, arguments: { 'x-max-length': 10 } })).status, 201);
    assert.equal((await call('POST', `/api/bindings/${vh}/e/fx.ex/q/fx.q`, { routing_key: 'a.#', arguments: {} })).status, 201);
  });

  test('vhost objects have RabbitMQ\'s fields', async () => {
    const one = await call('GET', `/api/vhosts/${vh}`);
    assertSameShape(one.body, rabbit.vhost.body, ['name', 'messages', 'messages_ready', 'messages_unacknowledged', 'tracing', 'cluster_state'], 'vhost');
    const all = (await call('GET', '/api/vhosts')).body.map((v: { name: string }) => v.name);
    assert.deepEqual(all, ['/', vh]);
  });

  test('exchanges: listing includes the built-ins; one exchange has incoming/outgoing', async () => {
    const list = (await call('GET', `/api/exchanges/${vh}`)).body;
    const names = rabbit.exchanges_vhost.body.map((e: { name: string }) => e.name).filter((n: string) => n !== 'fx.headers');
    assert.deepEqual(list.map((e: { name: string }) => e.name), names);
    for (const e of list) assertSameShape(e, rabbit.exchanges_vhost.body[0], ['name', 'vhost', 'type', 'durable', 'auto_delete', 'internal', 'arguments'], 'exchange');
    const one = (await call('GET', `/api/exchanges/${vh}/fx.ex`)).body;
    assertSameShape(one, rabbit.exchange.body, ['incoming', 'outgoing'], 'exchange');
    assert.equal(one.type, 'topic');
  });

  test('exchange PUT twice is 201 then 204; DELETE 204 then 404 (as RabbitMQ)', async () => {
    assert.equal((await call('PUT', `/api/exchanges/${vh}/fx.ex2`, { type: 'direct' })).status, rabbit.put_exchange_created.status);
    assert.equal((await call('PUT', `/api/exchanges/${vh}/fx.ex2`, { type: 'direct' })).status, rabbit.put_exchange_again.status);
    assert.equal((await call('DELETE', `/api/exchanges/${vh}/fx.ex2`)).status, rabbit.delete_exchange.status);
    assert.equal((await call('DELETE', `/api/exchanges/${vh}/fx.ex2`)).status, rabbit.delete_exchange_missing.status);
  });

  test('queue objects have RabbitMQ\'s fields and counts', async () => {
    const q = (await call('GET', `/api/queues/${vh}/fx.q`)).body;
    const required = ['messages', 'messages_ready', 'messages_unacknowledged', 'consumers', 'durable', 'auto_delete', 'exclusive', 'arguments', 'type', 'state', 'node', 'vhost', 'name'];
    assertSameShape(q, rabbit.queue.body, [...required, 'consumer_details'], 'queue');
    assert.deepEqual(q.arguments, { 'x-max-length': 10 });
    assert.equal(q.type, 'classic');
    assert.equal(q.state, 'running');
    for (const listed of (await call('GET', '/api/queues')).body) assertSameShape(listed, rabbit.queues_vhost.body[1], required, 'listed queue');
  });

  test('inequivalent queue PUT: 400 with the AMQP reason text', async () => {
    const r = await call('PUT', `/api/queues/${vh}/fx.q`, { durable: false });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, rabbit.put_queue_inequivalent.body);
  });

  test('bindings: the default exchange binding first, then exchange bindings, with properties_key', async () => {
    const list = (await call('GET', `/api/bindings/${vh}`)).body;
    const expected = rabbit.bindings_vhost.body.filter((b: { destination: string }) => b.destination === 'fx.q');
    assert.deepEqual(list, expected);
    assert.equal((await call('POST', `/api/bindings/${vh}/e/fx.ex/q/fx.q`, { routing_key: 'b.*' })).status, rabbit.post_binding.status);
    const one = await call('GET', `/api/bindings/${vh}/e/fx.ex/q/fx.q/a.%2523`);
    assert.equal(one.status, 200);
    assert.equal(one.body.routing_key, 'a.#');
    assert.equal((await call('DELETE', `/api/bindings/${vh}/e/fx.ex/q/fx.q/b.%252A`)).status, 204);
    assert.equal((await call('GET', `/api/bindings/${vh}`)).body.length, 2);
  });

  test('the vhost named / travels as %2F', async () => {
    assert.equal((await call('PUT', '/api/queues/%2F/root-q', { durable: false })).status, 201);
    const q = (await call('GET', '/api/queues/%2F/root-q')).body;
    assert.equal(q.vhost, '/');
    assert.equal(q.durable, false);
    assert.equal((await call('DELETE', '/api/queues/%2F/root-q')).status, 204);
    assert.equal((await call('GET', '/api/queues/%2F/root-q')).status, 404);
  });
});

describe('users and permissions', () => {
  test('PUT a user with a password: stored as a RabbitMQ hash that logs in over AMQP', async () => {
    assert.equal((await call('PUT', '/api/users/fixture-user', { password: 'secret', tags: 'management' })).status, 201);
    assert.equal((await call('PUT', `/api/permissions/${vh}/fixture-user`, { configure: '^fx', write: '.*', read: '.*' })).status, 201);
    const u = (await call('GET', '/api/users/fixture-user')).body;
    assertSameShape(u, rabbit.user.body, ['name', 'password_hash', 'hashing_algorithm', 'tags', 'limits'], 'user');
    assert.equal(u.hashing_algorithm, 'rabbit_password_hashing_sha256');
    assert.equal(Buffer.from(u.password_hash, 'base64').length, 36); // 4-byte salt + SHA-256
    const p = (await call('GET', `/api/permissions/${vh}/fixture-user`)).body;
    assert.deepEqual(p, rabbit.permission.body);
    const conn = await amqp.connect(`amqp://fixture-user:secret@127.0.0.1:${broker.port}/${vh}`);
    await conn.close();
    const perms = (await call('GET', '/api/permissions')).body;
    for (const x of perms) assertSameShape(x, rabbit.permissions.body[0], ['user', 'vhost', 'configure', 'write', 'read'], 'permission');
  });

  test('DELETE permission and user', async () => {
    await call('PUT', '/api/users/tmp-user', { password: 'x', tags: ['monitoring'] });
    assert.deepEqual((await call('GET', '/api/users/tmp-user')).body.tags, ['monitoring']);
    await call('PUT', '/api/permissions/%2F/tmp-user', { configure: '', write: '', read: '.*' });
    assert.equal((await call('DELETE', '/api/permissions/%2F/tmp-user')).status, 204);
    assert.equal((await call('GET', '/api/permissions/%2F/tmp-user')).status, 404);
    assert.equal((await call('DELETE', '/api/users/tmp-user')).status, 204);
    assert.equal((await call('GET', '/api/users/tmp-user')).status, 404);
    await assert.rejects(amqp.connect(`amqp://tmp-user:x@127.0.0.1:${broker.port}/`));
  });
});

describe('connections, channels, consumers', () => {
  let conn: amqp.ChannelModel;
  before(async () => {
    await call('PUT', `/api/permissions/${vh}/guest`, { configure: '.*', write: '.*', read: '.*' });
    conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}/${vh}`, { clientProperties: { connection_name: 'fixture-conn' } });
    const ch = await conn.createChannel();
    await ch.prefetch(5);
    ch.publish('fx.ex', 'a.b', Buffer.from('one'));
    ch.publish('fx.ex', 'a.c', Buffer.from('two'));
    await ch.consume('fx.q', () => {}, { noAck: false, consumerTag: 'fixture-consumer' });
  }, LIMIT);

  test('listings have RabbitMQ\'s fields and the same values where they are comparable', async () => {
    const [c] = (await call('GET', '/api/connections')).body;
    const rc = rabbit.connections.body[0];
    assertSameShape(c, rc, ['name', 'user', 'vhost', 'channels', 'peer_host', 'peer_port', 'client_properties', 'state', 'protocol'], 'connection');
    for (const k of ['user_provided_name', 'channels', 'protocol', 'state', 'user', 'vhost', 'type', 'auth_mechanism']) assert.deepEqual(c[k], rc[k], k);
    const [ch] = (await call('GET', '/api/channels')).body;
    const rch = rabbit.channels.body[0];
    assertSameShape(ch, rch, ['name', 'number', 'consumer_count', 'messages_unacknowledged', 'prefetch_count', 'connection_details'], 'channel');
    for (const k of ['number', 'consumer_count', 'messages_unacknowledged', 'prefetch_count', 'confirm', 'transactional', 'state']) assert.deepEqual(ch[k], rch[k], k);
    assert.equal(ch.name, `${c.name} (1)`);
    const [cons] = (await call('GET', '/api/consumers')).body;
    const rcons = rabbit.consumers.body[0];
    assertSameShape(cons, rcons, ['consumer_tag', 'queue', 'channel_details', 'ack_required', 'prefetch_count'], 'consumer');
    for (const k of ['consumer_tag', 'queue', 'ack_required', 'active', 'activity_status', 'exclusive', 'prefetch_count', 'arguments']) assert.deepEqual(cons[k], rcons[k], k);
    const q = (await call('GET', `/api/queues/${vh}/fx.q`)).body;
    for (const k of ['messages', 'messages_ready', 'messages_unacknowledged', 'consumers']) assert.equal(q[k], rabbit.queue.body[k], k);
    assertSameShape(q.consumer_details[0], rabbit.queue.body.consumer_details[0], ['consumer_tag'], 'consumer_details');
  });

  test('overview counts objects', async () => {
    const o = (await call('GET', '/api/overview')).body;
    assertSameShape(o, rabbit.overview.body, ['object_totals', 'queue_totals', 'node', 'listeners', 'rabbitmq_version', 'product_name'], 'overview');
    // RabbitMQ's figures cover its whole node; here: this test's objects.
    assert.deepEqual(Object.keys(o.object_totals).sort(), Object.keys(rabbit.overview.body.object_totals).sort());
    assert.deepEqual({ ...o.object_totals, exchanges: 0 }, { channels: 1, connections: 1, consumers: 1, exchanges: 0, queues: 1 });
    const { messages, messages_ready, messages_unacknowledged } = o.queue_totals;
    assert.deepEqual({ messages, messages_ready, messages_unacknowledged }, { messages: 2, messages_ready: 0, messages_unacknowledged: 2 });
    assert.ok(o.listeners.some((l: { protocol: string; port: number }) => l.protocol === 'http' && l.port === broker.httpPort));
  });

  test('DELETE /api/connections/{name} closes it with 320 and the X-Reason text', async () => {
    const [c] = (await call('GET', '/api/connections')).body;
    const closed = new Promise<string>((resolve) => conn.on('close', (e?: Error) => resolve(e ? e.message : 'no error')));
    conn.on('error', () => {});
    const r = await call('DELETE', `/api/connections/${encodeURIComponent(c.name)}`, undefined, { 'x-reason': 'fixture says bye' });
    assert.equal(r.status, rabbit.delete_connection.status);
    assert.equal(await closed, rabbit.delete_connection.client_error);
  });
});

describe('node and health', () => {
  test('nodes', async () => {
    const [n] = (await call('GET', '/api/nodes')).body;
    assertSameShape(n, rabbit.nodes.body[0], ['name', 'running', 'mem_used', 'disk_free_limit', 'disk_free_alarm', 'uptime', 'os_pid'], 'node');
    assert.equal((await call('GET', `/api/nodes/${encodeURIComponent(n.name)}`)).body.name, n.name);
  });

  test('alarm checks and the aliveness test answer ok', async () => {
    assert.deepEqual((await call('GET', '/api/health/checks/alarms')).body, rabbit.alarms.body);
    assert.deepEqual((await call('GET', '/api/health/checks/local-alarms')).body, rabbit.local_alarms.body);
    assert.deepEqual((await call('GET', `/api/aliveness-test/${vh}`)).body, rabbit.aliveness.body);
    assert.equal((await call('GET', '/api/aliveness-test/no-such-vhost')).status, 404);
  });

  test('deleting a vhost removes its objects and permissions', async () => {
    await call('PUT', '/api/vhosts/doomed');
    await call('PUT', '/api/queues/doomed/q', {});
    assert.equal((await call('DELETE', '/api/vhosts/doomed')).status, 204);
    assert.equal((await call('GET', '/api/vhosts/doomed')).status, 404);
    assert.equal((await call('GET', '/api/permissions/doomed/guest')).status, 404);
    assert.equal((await call('DELETE', '/api/vhosts/doomed')).status, 404);
  });
});
