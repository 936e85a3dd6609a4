// Management API answers where a differential probe found Warren differing from RabbitMQ 3.10.8:
// the same requests as when RabbitMQ's answers were recorded (scripts/record-http-gap-fixtures.mjs,
// test/fixtures/http/rabbitmq-3.10.8-gaps.json), and the answers compared.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as amqp from 'amqplib';
import type { RunningBroker } from '../../src/index.js';
import { api, rabbitGaps, sameAsRecorded, startHttpBroker, type ApiResponse } from './support.js';

const LIMIT = { timeout: 20_000 };
const vh = 'hg.vhost';
const v = encodeURIComponent(vh);
let broker: RunningBroker;
let call: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiResponse>;
const same = (name: string, method: string, path: string, body?: unknown) => sameAsRecorded(call, name, method, path, body, rabbitGaps);

before(async () => {
  broker = await startHttpBroker();
  call = api(broker);
  assert.equal((await call('PUT', `/api/vhosts/${v}`, {})).status, 201);
}, LIMIT);
after(() => broker.close());

describe('defaults of an empty body', () => {
  const exchangeColumns = 'columns=name,vhost,type,durable,auto_delete,internal,arguments';
  const queueColumns = 'columns=name,vhost,type,durable,auto_delete,exclusive,arguments';

  test('PUT exchange with {} or no body: a transient, not auto-deleted, not internal direct exchange', async () => {
    await same('exchange_put_empty', 'PUT', `/api/exchanges/${v}/hg.x`, {});
    await same('exchange_after_put_empty', 'GET', `/api/exchanges/${v}/hg.x?${exchangeColumns}`);
    await same('exchange_put_no_body', 'PUT', `/api/exchanges/${v}/hg.x2`);
    await same('exchange_after_put_no_body', 'GET', `/api/exchanges/${v}/hg.x2?${exchangeColumns}`);
  });

  test('PUT queue with {} or no body: a transient, not auto-deleted classic queue', async () => {
    await same('queue_put_empty', 'PUT', `/api/queues/${v}/hg.q`, {});
    await same('queue_after_put_empty', 'GET', `/api/queues/${v}/hg.q?${queueColumns}`);
    await same('queue_put_no_body', 'PUT', `/api/queues/${v}/hg.q2`);
    await same('queue_after_put_no_body', 'GET', `/api/queues/${v}/hg.q2?${queueColumns}`);
  });

  test('POST binding with {} or no body: routing key "" and no arguments', async () => {
    await same('binding_post_empty', 'POST', `/api/bindings/${v}/e/hg.x/q/hg.q`, {});
    await same('binding_post_no_body', 'POST', `/api/bindings/${v}/e/hg.x/e/hg.x2`);
    await same('bindings_after_post_empty', 'GET', `/api/exchanges/${v}/hg.x/bindings/source`);
  });
});

describe('connections of one user', () => {
  const user = 'hg.user';
  const connect = async () => {
    const c = await amqp.connect(`amqp://${encodeURIComponent(user)}:pw@127.0.0.1:${broker.port}/${v}`);
    c.on('error', () => {});
    return { c, closed: new Promise<string | null>((resolve) => c.on('close', (e?: Error) => resolve(e?.message ?? null))) };
  };
  /** Connection names hold client ports and the node is RabbitMQ's own: compared as recorded. */
  const asRecorded = (body: { name: unknown; node: unknown }[], node: string) => body.map((c) => {
    assert.equal(c.node, node);
    return { ...c, name: typeof c.name, node: rabbitGaps.connections_username.body[0].node };
  });

  test('GET lists them (name, vhost, user, node); DELETE closes them all with RabbitMQ\'s reason', async () => {
    await call('PUT', `/api/users/${user}`, { password: 'pw', tags: 'management' });
    await call('PUT', `/api/permissions/${v}/${user}`, { configure: '.*', write: '.*', read: '.*' });
    const node = (await call('GET', '/api/nodes')).body[0].name;
    const conns = [await connect(), await connect()];
    const listed = await call('GET', `/api/connections/username/${user}`);
    assert.deepEqual({ status: listed.status, body: asRecorded(listed.body, node) }, rabbitGaps.connections_username);
    await same('connections_username_none', 'GET', '/api/connections/username/hg.nobody');
    await same('connections_username_delete', 'DELETE', `/api/connections/username/${user}`);
    assert.deepEqual(await Promise.all(conns.map((x) => x.closed)), rabbitGaps.connections_username_close_reasons);
    await same('connections_username_after_delete', 'GET', `/api/connections/username/${user}`);
    await same('connections_username_delete_none', 'DELETE', '/api/connections/username/hg.nobody');
  });

  test('DELETE with X-Reason closes with that reason', async () => {
    const { closed } = await connect();
    const r = await call('DELETE', `/api/connections/username/${user}`, undefined, { 'x-reason': 'hg maintenance' });
    assert.equal(r.status, rabbitGaps.connections_username_delete_x_reason.status);
    assert.equal(await closed, rabbitGaps.connections_username_x_reason_close_reason);
  });

  test('a management user sees and closes only its own connections', async () => {
    await call('PUT', '/api/users/hg.other', { password: 'pw', tags: 'management' });
    const { c, closed } = await connect();
    const other = api(broker, 'hg.other', 'pw');
    assert.deepEqual((await other('GET', `/api/connections/username/${user}`)).body, []);
    assert.equal((await other('DELETE', `/api/connections/username/${user}`)).status, 204);
    assert.equal((await api(broker, user, 'pw')('GET', `/api/connections/username/${user}`)).body.length, 1);
    await call('DELETE', `/api/connections/username/${user}`);
    await closed;
    await c.close().catch(() => {});
  });
});

describe('statistics reset', () => {
  /** Publishes over AMQP with confirms, so that the counts are in when it returns. */
  const publish = async (n: number) => {
    const c = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}/${v}`);
    const ch = await c.createConfirmChannel();
    for (let i = 0; i < n; i++) ch.sendToQueue('hg.q', Buffer.from('x'));
    await ch.waitForConfirms();
    await c.close();
  };
  const queueStats = async () => (await call('GET', `/api/queues/${v}/hg.q?columns=messages,message_stats.publish`)).body;

  test('DELETE /api/reset: message_stats count from zero again; the messages stay', async () => {
    await call('PUT', `/api/queues/${v}/hg.q`, {});
    await call('DELETE', `/api/queues/${v}/hg.q/contents`);
    const before = (await queueStats()).message_stats?.publish ?? 0;
    await publish(3);
    assert.equal((await queueStats()).message_stats.publish, before + 3);
    const vhostBefore = (await call('GET', `/api/vhosts/${v}?columns=message_stats.publish`)).body.message_stats.publish;
    assert.ok(vhostBefore >= 3);
    await same('reset', 'DELETE', '/api/reset');
    await same('queue_stats_after_reset', 'GET', `/api/queues/${v}/hg.q?columns=messages,message_stats.publish`);
    assert.deepEqual((await call('GET', `/api/vhosts/${v}?columns=message_stats`)).body, {});
    assert.equal((await call('GET', '/api/overview')).body.message_stats.publish, 0);
    await publish(2);
    assert.deepEqual(await queueStats(), { messages: 5, message_stats: { publish: 2 } });
    assert.equal((await call('GET', `/api/vhosts/${v}?columns=message_stats.publish`)).body.message_stats.publish, 2);
  });

  test('DELETE /api/reset/{node}: this node 204, another 404', async () => {
    const node = (await call('GET', '/api/nodes')).body[0].name;
    const r = await call('DELETE', `/api/reset/${node}`);
    assert.deepEqual({ status: r.status, body: r.body }, rabbitGaps.reset_node);
    await same('reset_missing_node', 'DELETE', '/api/reset/nobody@nowhere');
  });
});

describe('feature flags, memory and deprecated endpoints', () => {
  let node: string;
  before(async () => {
    node = (await call('GET', '/api/nodes')).body[0].name;
  });

  test('PUT /api/feature-flags/{name}/enable: 204 for a known flag, 400 unsupported for an unknown name', async () => {
    await same('feature_flag_enable', 'PUT', '/api/feature-flags/quorum_queue/enable');
    await same('feature_flag_enable_body', 'PUT', '/api/feature-flags/quorum_queue/enable', {});
    await same('feature_flag_enable_unknown', 'PUT', '/api/feature-flags/hg_no_such_flag/enable');
    await call('PUT', '/api/users/hg.other', { password: 'pw', tags: 'management' });
    assert.equal((await api(broker, 'hg.other', 'pw')('PUT', '/api/feature-flags/quorum_queue/enable')).status, 401, 'administrators only');
  });

  test('GET /api/nodes/{node}/memory/relative: the categories of /memory in whole percent, total 100', async () => {
    const r = await call('GET', `/api/nodes/${node}/memory/relative`);
    const recorded = rabbitGaps.memory_relative;
    assert.equal(r.status, recorded.status);
    assert.deepEqual(Object.keys(r.body.memory), Object.keys(recorded.body.memory));
    assert.equal(r.body.memory.total, 100);
    const absolute = (await call('GET', `/api/nodes/${node}/memory`)).body.memory;
    for (const [k, percent] of Object.entries(r.body.memory)) {
      assert.ok(Number.isInteger(percent) && (percent as number) >= 0 && (percent as number) <= 100, `${k}: ${percent}`);
      if (k !== 'total' && absolute[k] === 0) assert.equal(percent, 0, k);
      if (absolute[k] > 0) assert.ok((percent as number) >= 1, `${k} is not 0 bytes, so at least 1%`);
    }
    // The breakdown adds up to the resident set size: the rounded percentages to about 100.
    const sum = Object.entries(r.body.memory).filter(([k]) => k !== 'total').reduce((s, [, p]) => s + (p as number), 0);
    assert.ok(sum >= 95 && sum <= 100 + Object.keys(r.body.memory).length, `sum ${sum}`);
    await same('memory_relative_missing_node', 'GET', '/api/nodes/nobody@nowhere/memory/relative');
  });

  test('GET /api/nodes/{node}/memory/ets: tables and their total (Warren has none)', async () => {
    const r = await call('GET', `/api/nodes/${node}/memory/ets`);
    const t = r.body.ets_tables_memory;
    const sum = Object.entries(t).filter(([k]) => k !== 'total').reduce((s, [, n]) => s + (n as number), 0);
    assert.deepEqual({ status: r.status, body: { ets_tables_memory: { total: typeof t.total, tables_add_up_to_total: sum === t.total } } }, rabbitGaps.memory_ets);
    assert.equal(t.total, (await call('GET', `/api/nodes/${node}/memory`)).body.memory.other_ets);
    await same('memory_ets_missing_node', 'GET', '/api/nodes/nobody@nowhere/memory/ets');
  });

  test('GET /api/nodes/{node}/memory/ets/relative and /ets/{filter}[/relative]: as RabbitMQ 3.10.8 answers for no matching table', async () => {
    // Recorded on the reference: /ets/rabbit_queue, /ets/nosuchtable and /ets/rabbit_queue/relative all
    // answer {"ets_tables_memory":"no_tables"}; /ets/relative the shares with total 100.
    for (const filter of ['rabbit_queue', 'nosuchtable']) {
      for (const suffix of ['', '/relative']) {
        const r = await call('GET', `/api/nodes/${node}/memory/ets/${filter}${suffix}`);
        assert.deepEqual([r.status, r.body], [200, { ets_tables_memory: 'no_tables' }], `${filter}${suffix}`);
      }
    }
    const relative = await call('GET', `/api/nodes/${node}/memory/ets/relative`);
    assert.deepEqual([relative.status, relative.body], [200, { ets_tables_memory: { total: 100 } }]);
  });

  test('GET /api/healthchecks/node[/{node}]: ok; another node 404', async () => {
    await same('healthchecks_node', 'GET', '/api/healthchecks/node');
    const r = await call('GET', `/api/healthchecks/node/${node}`);
    assert.deepEqual({ status: r.status, body: r.body }, rabbitGaps.healthchecks_node_named);
    await same('healthchecks_node_missing', 'GET', '/api/healthchecks/node/nobody@nowhere');
  });

  test('GET /api/all-configuration is /api/definitions; POST imports as /api/definitions does', async () => {
    const all = await call('GET', '/api/all-configuration');
    const defs = await call('GET', '/api/definitions');
    const recorded = rabbitGaps.all_configuration;
    assert.deepEqual({ status: all.status, keys: Object.keys(all.body), same_as_definitions: JSON.stringify(all.body) === JSON.stringify(defs.body) }, recorded);
    assert.equal((await call('POST', '/api/all-configuration', { queues: [{ name: 'hg.imported', vhost: vh, durable: true, auto_delete: false, arguments: {} }] })).status, 204);
    assert.equal((await call('GET', `/api/queues/${v}/hg.imported`)).body.durable, true);
  });
});

describe('missing queues and exchanges', () => {
  test('POST .../get and .../actions check the body before the queue: 400 key_missing, then 404', async () => {
    await same('get_missing_queue_empty_body', 'POST', `/api/queues/${v}/hg.nope/get`, {});
    await same('get_missing_queue_partial_body', 'POST', `/api/queues/${v}/hg.nope/get`, { count: 1 });
    await same('get_missing_queue_no_body', 'POST', `/api/queues/${v}/hg.nope/get`);
    await same('get_missing_queue_full_body', 'POST', `/api/queues/${v}/hg.nope/get`, { count: 1, ackmode: 'ack_requeue_true', encoding: 'auto' });
    await same('actions_missing_queue_empty_body', 'POST', `/api/queues/${v}/hg.nope/actions`, {});
    // RabbitMQ 3.10.8 crashes (500) on a valid action for a missing queue; Warren says 404.
    assert.equal(rabbitGaps.actions_missing_queue_sync.status, 500);
    assert.equal((await call('POST', `/api/queues/${v}/hg.nope/actions`, { action: 'sync' })).status, 404);
  });

  test('GET bindings of a missing queue: its implicit default binding; of a missing exchange: []', async () => {
    await same('queue_bindings_missing_queue', 'GET', `/api/queues/${v}/hg.nope/bindings`);
    await same('queue_bindings_missing_vhost', 'GET', '/api/queues/hg.novhost/hg.nope/bindings');
    await same('exchange_bindings_source_missing', 'GET', `/api/exchanges/${v}/hg.nope/bindings/source`);
    await same('exchange_bindings_destination_missing', 'GET', `/api/exchanges/${v}/hg.nope/bindings/destination`);
    await same('exchange_bindings_source_missing_vhost', 'GET', '/api/exchanges/hg.novhost/hg.nope/bindings/source');
  });
});
