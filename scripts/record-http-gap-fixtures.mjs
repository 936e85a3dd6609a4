// Records RabbitMQ 3.10.8's answers for the management API gaps found by a differential probe
// (empty-body defaults of PUT exchange/queue and POST binding, connections by user name, stats
// reset, feature flag enabling, relative and ETS memory, the deprecated node health check and
// /api/all-configuration, validation order on missing queues) into
// test/fixtures/http/rabbitmq-3.10.8-gaps.json. Needs the reference RabbitMQ
// (scripts/start-rabbitmq.sh 5673: AMQP 5673, HTTP 15673). Usage: node scripts/record-http-gap-fixtures.mjs
import { writeFileSync } from 'node:fs';
import amqp from 'amqplib';

const base = process.env.RABBITMQ_HTTP ?? 'http://127.0.0.1:15673';
const amqpBase = process.env.RABBITMQ_AMQP ?? 'amqp://127.0.0.1:5673';
const node = process.env.RABBITMQ_NODE ?? 'ref5673@localhost';
const vh = 'hg.vhost';
const user = 'hg.user';
const call = async (method, path, body, headers = {}) => {
  const r = await fetch(base + path, {
    method, headers: { authorization: 'Basic ' + Buffer.from('guest:guest').toString('base64'), 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
  return { status: r.status, body: parsed };
};
const out = {};
const save = async (name, method, path, body, headers) => { out[name] = await call(method, path, body, headers); return out[name]; };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const enc = encodeURIComponent;

await call('DELETE', `/api/vhosts/${enc(vh)}`);
await call('DELETE', `/api/users/${enc(user)}`);
await call('PUT', `/api/vhosts/${enc(vh)}`, {});
await call('PUT', `/api/users/${enc(user)}`, { password: 'pw', tags: 'management' });
await call('PUT', `/api/permissions/${enc(vh)}/${enc(user)}`, { configure: '.*', write: '.*', read: '.*' });
const v = enc(vh);

// --- defaults of an empty body ----------------------------------------------------------------
const exchangeColumns = 'columns=name,vhost,type,durable,auto_delete,internal,arguments';
const queueColumns = 'columns=name,vhost,type,durable,auto_delete,exclusive,arguments';
await save('exchange_put_empty', 'PUT', `/api/exchanges/${v}/hg.x`, {});
await save('exchange_after_put_empty', 'GET', `/api/exchanges/${v}/hg.x?${exchangeColumns}`);
await save('exchange_put_no_body', 'PUT', `/api/exchanges/${v}/hg.x2`);
await save('exchange_after_put_no_body', 'GET', `/api/exchanges/${v}/hg.x2?${exchangeColumns}`);
await save('queue_put_empty', 'PUT', `/api/queues/${v}/hg.q`, {});
await save('queue_after_put_empty', 'GET', `/api/queues/${v}/hg.q?${queueColumns}`);
await save('queue_put_no_body', 'PUT', `/api/queues/${v}/hg.q2`);
await save('queue_after_put_no_body', 'GET', `/api/queues/${v}/hg.q2?${queueColumns}`);
await save('binding_post_empty', 'POST', `/api/bindings/${v}/e/hg.x/q/hg.q`, {});
await save('binding_post_no_body', 'POST', `/api/bindings/${v}/e/hg.x/e/hg.x2`);
await save('bindings_after_post_empty', 'GET', `/api/exchanges/${v}/hg.x/bindings/source`);

// --- connections of one user ------------------------------------------------------------------
{
  const url = `${amqpBase.replace('amqp://', `amqp://${enc(user)}:pw@`)}/${v}`;
  const conns = [await amqp.connect(url), await amqp.connect(url)];
  const reasons = conns.map((c) => new Promise((resolve) => c.on('close', (e) => resolve(e?.message ?? null))));
  conns.forEach((c) => c.on('error', () => {}));
  await sleep(6000); // the management plugin lists a connection once it has been sampled
  await save('connections_username', 'GET', `/api/connections/username/${enc(user)}`);
  // Connection names hold client ports: keep what does not vary.
  out.connections_username.body = out.connections_username.body.map((c) => ({ ...c, name: typeof c.name }));
  await save('connections_username_none', 'GET', '/api/connections/username/hg.nobody');
  await save('connections_username_delete', 'DELETE', `/api/connections/username/${enc(user)}`);
  out.connections_username_close_reasons = await Promise.all(reasons);
  await save('connections_username_after_delete', 'GET', `/api/connections/username/${enc(user)}`);
  await save('connections_username_delete_none', 'DELETE', '/api/connections/username/hg.nobody');
  const c = await amqp.connect(url);
  const reason = new Promise((resolve) => c.on('close', (e) => resolve(e?.message ?? null)));
  c.on('error', () => {});
  await sleep(6000);
  await save('connections_username_delete_x_reason', 'DELETE', `/api/connections/username/${enc(user)}`, undefined, { 'x-reason': 'hg maintenance' });
  out.connections_username_x_reason_close_reason = await reason;
}

// --- statistics reset -------------------------------------------------------------------------
for (let i = 0; i < 3; i++) await call('POST', `/api/exchanges/${v}/amq.default/publish`, { properties: {}, routing_key: 'hg.q', payload: 'x', payload_encoding: 'string' });
await sleep(6000);
await save('queue_stats_before_reset', 'GET', `/api/queues/${v}/hg.q?columns=messages,message_stats.publish`);
await save('reset', 'DELETE', '/api/reset');
await save('reset_node', 'DELETE', `/api/reset/${node}`);
await save('reset_missing_node', 'DELETE', '/api/reset/nobody@nowhere');
await sleep(6000);
await save('queue_stats_after_reset', 'GET', `/api/queues/${v}/hg.q?columns=messages,message_stats.publish`);

// --- feature flags ----------------------------------------------------------------------------
await save('feature_flag_enable', 'PUT', '/api/feature-flags/quorum_queue/enable');
await save('feature_flag_enable_body', 'PUT', '/api/feature-flags/quorum_queue/enable', {});
await save('feature_flag_enable_unknown', 'PUT', '/api/feature-flags/hg_no_such_flag/enable');

// --- memory -----------------------------------------------------------------------------------
await save('memory_relative', 'GET', `/api/nodes/${node}/memory/relative`);
await save('memory_ets', 'GET', `/api/nodes/${node}/memory/ets`);
await save('memory_relative_missing_node', 'GET', '/api/nodes/nobody@nowhere/memory/relative');
await save('memory_ets_missing_node', 'GET', '/api/nodes/nobody@nowhere/memory/ets');
// The ETS table names are the reference node's own: keep the shape, and that they add up to total.
{
  const t = out.memory_ets.body.ets_tables_memory;
  const sum = Object.entries(t).filter(([k]) => k !== 'total').reduce((s, [, n]) => s + n, 0);
  out.memory_ets.body = { ets_tables_memory: { total: typeof t.total, tables_add_up_to_total: sum === t.total } };
}

// --- deprecated endpoints ---------------------------------------------------------------------
await save('healthchecks_node', 'GET', '/api/healthchecks/node');
await save('healthchecks_node_named', 'GET', `/api/healthchecks/node/${node}`);
await save('healthchecks_node_missing', 'GET', '/api/healthchecks/node/nobody@nowhere');
{
  const all = await call('GET', '/api/all-configuration');
  const defs = await call('GET', '/api/definitions');
  out.all_configuration = { status: all.status, keys: Object.keys(all.body), same_as_definitions: JSON.stringify(all.body) === JSON.stringify(defs.body) };
}

// --- validation order on missing objects ------------------------------------------------------
await save('get_missing_queue_empty_body', 'POST', `/api/queues/${v}/hg.nope/get`, {});
await save('get_missing_queue_partial_body', 'POST', `/api/queues/${v}/hg.nope/get`, { count: 1 });
await save('get_missing_queue_no_body', 'POST', `/api/queues/${v}/hg.nope/get`);
await save('get_missing_queue_full_body', 'POST', `/api/queues/${v}/hg.nope/get`, { count: 1, ackmode: 'ack_requeue_true', encoding: 'auto' });
await save('actions_missing_queue_empty_body', 'POST', `/api/queues/${v}/hg.nope/actions`, {});
await save('actions_missing_queue_sync', 'POST', `/api/queues/${v}/hg.nope/actions`, { action: 'sync' });
await save('queue_bindings_missing_queue', 'GET', `/api/queues/${v}/hg.nope/bindings`);
await save('queue_bindings_missing_vhost', 'GET', '/api/queues/hg.novhost/hg.nope/bindings');
await save('exchange_bindings_source_missing', 'GET', `/api/exchanges/${v}/hg.nope/bindings/source`);
await save('exchange_bindings_destination_missing', 'GET', `/api/exchanges/${v}/hg.nope/bindings/destination`);
await save('exchange_bindings_source_missing_vhost', 'GET', '/api/exchanges/hg.novhost/hg.nope/bindings/source');

await call('DELETE', `/api/vhosts/${v}`);
await call('DELETE', `/api/users/${enc(user)}`);
const file = new URL('../test/fixtures/http/rabbitmq-3.10.8-gaps.json', import.meta.url);
writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
console.log('recorded', Object.keys(out).length, 'answers');
process.exit(0);
