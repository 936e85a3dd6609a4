// RabbitMQ's list parameters on Warren's listings: page / page_size / name / use_regex on the
// paginated ones (queues, exchanges, vhosts, connections, channels), sort / sort_reverse /
// columns (also dotted) on every answer. The same objects as when RabbitMQ 3.10.8's answers were
// recorded (scripts/record-http-api-fixtures.mjs), and the answers compared with them.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningBroker } from '../../src/index.js';
import { api, rabbitApi, startHttpBroker, type ApiResponse } from './support.js';

const LIMIT = { timeout: 20_000 };
const vh = 'fxa-vhost';
let broker: RunningBroker;
let call: (method: string, path: string, body?: unknown) => Promise<ApiResponse>;
const enc = encodeURIComponent;

/** Same status and body as RabbitMQ's recorded answer. */
async function same(name: string, path: string): Promise<ApiResponse> {
  const r = await call('GET', path);
  assert.deepEqual({ status: r.status, body: r.body }, { status: rabbitApi[name].status, body: rabbitApi[name].body }, `${name}: GET ${path}`);
  return r;
}

before(async () => {
  broker = await startHttpBroker();
  call = api(broker);
  await call('PUT', `/api/vhosts/${vh}`, {});
  for (const q of ['fxa-q1', 'fxa-q2', 'fxa.q', 'fxa.other']) await call('PUT', `/api/queues/${vh}/${q}`, { durable: true });
  for (const n of ['fxa.b', 'fxa.c', 'fxa.D', 'fxa.e']) await call('PUT', `/api/queues/${vh}/${n}`, { durable: false, arguments: { 'x-max-length': n.length } });
  await call('PUT', `/api/exchanges/${vh}/fxa.x`, { type: 'direct' });
  await call('PUT', `/api/exchanges/${vh}/fxa.x2`, { type: 'topic' });
  // The bindings RabbitMQ's vhost had when it answered.
  await call('POST', `/api/bindings/${vh}/e/fxa.x/q/fxa.q`, { routing_key: 'k' });
  await call('POST', `/api/bindings/${vh}/e/fxa.x/q/fxa.other`, { routing_key: 'a b/c' });
  await call('POST', `/api/bindings/${vh}/e/fxa.x/q/fxa.other`, { routing_key: 'r', arguments: { 'x-a': 1 } });
}, LIMIT);
after(() => broker.close());

describe('pages', () => {
  test('page and page_size: the page object, with RabbitMQ\'s counts', async () => {
    const r = await call('GET', `/api/queues/${vh}?page=1&page_size=2`);
    const expected = rabbitApi.page_queues.body;
    assert.deepEqual(Object.keys(r.body), Object.keys(expected));
    assert.deepEqual({ ...r.body, items: null }, { ...expected, items: null });
    assert.deepEqual(r.body.items.map((q: { name: string }) => q.name), expected.items.map((q: { name: string }) => q.name));
    await same('page_queues_2', `/api/queues/${vh}?page=2&page_size=2&columns=name`);
    await same('page_queues_last_empty', `/api/queues/${vh}?page=5&page_size=2&columns=name`);
    await same('page_queues_out_of_range', `/api/queues/${vh}?page=6&page_size=2`);
  });

  test('name filters case-insensitively, or as a regex with use_regex=true; default page size 100', async () => {
    await same('page_queues_name', `/api/queues/${vh}?page=1&columns=name&name=FXA.`);
    await same('page_queues_regex', `/api/queues/${vh}?page=1&page_size=10&columns=name&name=${enc('^fxa\\.[a-c]$')}&use_regex=true`);
    await same('page_queues_bad_regex', `/api/queues/${vh}?page=1&columns=name&name=${enc('(')}&use_regex=true`);
    // Without page, name does not filter (RabbitMQ keeps that for backward compatibility).
    await same('page_queues_no_page_name', `/api/queues/${vh}?columns=name&name=zzz`);
  });

  test('invalid page parameters: RabbitMQ\'s 400 answers', async () => {
    await same('page_page_zero', '/api/queues?page=0');
    await same('page_not_integer', '/api/queues?page=x');
    await same('page_size_too_big', '/api/queues?page=1&page_size=501');
    await same('page_size_not_integer', '/api/queues?page=1&page_size=y');
  });

  test('exchanges and vhosts paginate the same way', async () => {
    await same('page_exchanges', `/api/exchanges/${vh}?page=1&page_size=3&columns=name,type`);
    const v = await call('GET', '/api/vhosts?page=1&page_size=1&columns=name&name=fxa');
    assert.deepEqual({ ...v.body, total_count: 0 }, { ...rabbitApi.page_vhosts.body, total_count: 0 });
    assert.equal(v.body.total_count, 2);
  });

  test('connections and channels: the page object lists the counts first', async () => {
    await same('page_connections', '/api/connections?page=1&page_size=1&name=fxa-none');
    await same('page_channels', '/api/channels?page=1&page_size=1&name=fxa-none');
    const r = await call('GET', '/api/connections?page=1&page_size=1');
    assert.deepEqual(Object.keys(r.body), Object.keys(rabbitApi.page_connections.body));
  });

  test('listings that do not paginate ignore page', async () => {
    await same('page_vhost_connections', `/api/vhosts/${vh}/connections?page=1`);
    const users = await call('GET', '/api/users?page=1&page_size=1&columns=name&name=fxa-user');
    assert.ok(Array.isArray(users.body));
    const bindings = await same('page_bindings_ignored', `/api/bindings/${vh}?page=1&page_size=1&columns=destination`);
    assert.equal(bindings.body.length, 11);
  });
});

describe('sort and columns', () => {
  test('sort and sort_reverse on a column', async () => {
    await same('page_queues_sort', `/api/queues/${vh}?columns=name&sort=name&sort_reverse=true`);
  });

  test('a dotted sort column; a missing value sorts as 0, equals keep the default order', async () => {
    await same('page_queues_sort_nested', `/api/queues/${vh}?columns=name,arguments&sort=arguments.x-max-length`);
  });

  test('dotted columns keep only the nested fields asked for', async () => {
    await same('page_queues_columns_nested', `/api/queues/${vh}?columns=name,arguments.x-max-length&page=1&page_size=1`);
    const o = await call('GET', '/api/overview?columns=rabbitmq_version,queue_totals.messages,object_totals.queues');
    assert.deepEqual(o.body, { rabbitmq_version: '3.10.8', queue_totals: { messages: 0 }, object_totals: { queues: 8 } });
  });

  test('columns apply to single objects too', async () => {
    await call('PUT', '/api/users/fxa-user', { password: 'pw', tags: '' });
    await same('columns_users', '/api/users/fxa-user?columns=name');
  });

  test('an empty sort leaves the listing unsorted (here: in its default order)', async () => {
    const r = await call('GET', `/api/queues/${vh}?columns=name&sort=`);
    assert.deepEqual(r.body.map((q: { name: string }) => q.name).sort(), rabbitApi.sort_empty.body.map((q: { name: string }) => q.name).sort());
  });
});
