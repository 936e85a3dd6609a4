// Records RabbitMQ 3.10.8's answers for the management API endpoints beyond the basic objects
// (limits, publish/get, topic permissions, health checks, pagination, dynamic shovels...) into
// test/fixtures/http/rabbitmq-3.10.8-api.json; scripts/record-http-fixtures.mjs records the basic
// objects. Needs the reference RabbitMQ (scripts/start-rabbitmq.sh 5673: AMQP 5673, HTTP 15673).
// The shovel part needs the shovel plugins for the time of the recording:
//   rabbitmq-plugins -n ref5673@localhost enable rabbitmq_shovel rabbitmq_shovel_management
// (disable them again afterwards). Usage: node scripts/record-http-api-fixtures.mjs
import { writeFileSync } from 'node:fs';
import amqp from 'amqplib';

const base = process.env.RABBITMQ_HTTP ?? 'http://127.0.0.1:15673';
const amqpBase = process.env.RABBITMQ_AMQP ?? 'amqp://127.0.0.1:5673';
const node = process.env.RABBITMQ_NODE ?? 'ref5673@localhost';
const vh = 'fxa-vhost';
const user = 'fxa-user';
const basic = (u, p) => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');
const call = async (method, path, body, auth = basic('guest', 'guest')) => {
  const r = await fetch(base + path, {
    method, headers: { authorization: auth, 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
  const out = { status: r.status, body: parsed };
  if (r.headers.get('location')) out.location = r.headers.get('location');
  return out;
};
const out = {};
const save = async (name, method, path, body, auth) => { out[name] = await call(method, path, body, auth); return out[name]; };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const enc = encodeURIComponent;
/** What a client sees when the broker closes a connection or channel: amqplib's error message. */
const failure = async (f) => { try { await f(); return null; } catch (e) { return e.message; } };

await call('DELETE', `/api/vhosts/${vh}`);
await call('DELETE', `/api/users/${user}`);
await call('PUT', `/api/vhosts/${vh}`, {});
await call('PUT', `/api/users/${user}`, { password: 'pw', tags: 'management' });
await call('PUT', `/api/permissions/${vh}/${user}`, { configure: '.*', write: '.*', read: '.*' });
await call('PUT', `/api/permissions/${vh}/guest`, { configure: '.*', write: '.*', read: '.*' });

// --- vhost and user limits -----------------------------------------------------------------
await save('vhost_limit_put', 'PUT', `/api/vhost-limits/${vh}/max-connections`, { value: 1 });
await save('vhost_limit_put_queues', 'PUT', `/api/vhost-limits/${vh}/max-queues`, { value: 2 });
await save('vhost_limits_all', 'GET', '/api/vhost-limits');
out.vhost_limits_all.body = out.vhost_limits_all.body.filter((l) => l.vhost === vh);
await save('vhost_limits_one', 'GET', `/api/vhost-limits/${vh}`);
await save('vhost_limits_missing_vhost', 'GET', '/api/vhost-limits/fxa-nope');
await save('vhost_limit_put_unknown', 'PUT', `/api/vhost-limits/${vh}/max-bogus`, { value: 1 });
await save('vhost_limit_put_string', 'PUT', `/api/vhost-limits/${vh}/max-connections`, { value: 'x' });
await save('vhost_limit_put_no_value', 'PUT', `/api/vhost-limits/${vh}/max-connections`, {});
await save('vhost_limit_put_missing_vhost', 'PUT', '/api/vhost-limits/fxa-nope/max-connections', { value: 1 });
await save('vhost_limits_as_parameters', 'GET', `/api/parameters/vhost-limits/${vh}`);
await save('user_limit_put', 'PUT', `/api/user-limits/${user}/max-channels`, { value: 1 });
await save('user_limit_put_conns', 'PUT', `/api/user-limits/${user}/max-connections`, { value: 2 });
await save('user_limits_all', 'GET', '/api/user-limits');
out.user_limits_all.body = out.user_limits_all.body.filter((l) => l.user === user);
await save('user_limits_one', 'GET', `/api/user-limits/${user}`);
await save('user_limits_missing_user', 'GET', '/api/user-limits/fxa-nobody');
await save('user_limit_put_unknown', 'PUT', `/api/user-limits/${user}/max-bogus`, { value: 1 });
await save('user_limit_put_missing_user', 'PUT', '/api/user-limits/fxa-nobody/max-channels', { value: 1 });
await save('user_with_limits', 'GET', `/api/users/${user}`);
{
  const defs = (await call('GET', '/api/definitions')).body;
  out.definitions_with_limits = {
    users: defs.users.filter((u) => u.name === user),
    vhosts: defs.vhosts.filter((v) => v.name === vh),
    parameters: defs.parameters.filter((p) => p.vhost === vh),
  };
  out.definitions_vhost_with_limits = (await call('GET', `/api/definitions/${enc(vh)}`)).body;
}

// What AMQP clients see when a limit is reached.
{
  const amqpUrl = (u, p) => `amqp://${u}:${p}@${new URL(amqpBase).host}/${enc(vh)}`;
  const first = await amqp.connect(amqpUrl('guest', 'guest'));
  out.amqp_vhost_connection_limit = await failure(() => amqp.connect(amqpUrl('guest', 'guest')));
  const ch = await first.createChannel();
  await ch.assertQueue('fxa-q1');
  await ch.assertQueue('fxa-q2');
  await ch.assertQueue('fxa-q2'); // redeclaring an existing queue is not refused
  ch.on('error', () => {});
  out.amqp_vhost_queue_limit = await failure(() => ch.assertQueue('fxa-q3'));
  out.http_vhost_queue_limit = await call('PUT', `/api/queues/${enc(vh)}/fxa-q4`, { durable: true });
  await first.close();
  await call('DELETE', `/api/vhost-limits/${vh}/max-connections`);
  // User limits: max-channels 1, max-connections 2.
  const c1 = await amqp.connect(amqpUrl(user, 'pw'));
  await c1.createChannel();
  c1.on('error', () => {});
  out.amqp_user_channel_limit = await failure(() => c1.createChannel());
  const c2 = await amqp.connect(amqpUrl(user, 'pw'));
  out.amqp_user_connection_limit = await failure(() => amqp.connect(amqpUrl(user, 'pw')));
  await c2.close();
  await c1.close().catch(() => {});
  await call('PUT', `/api/vhost-limits/${vh}/max-connections`, { value: 0 });
  out.amqp_vhost_connection_limit_zero = await failure(() => amqp.connect(amqpUrl('guest', 'guest')));
  await call('PUT', `/api/vhost-limits/${vh}/max-connections`, { value: -1 });
  const unlimited = await amqp.connect(amqpUrl('guest', 'guest'));
  out.amqp_vhost_connection_limit_negative = 'connected';
  await unlimited.close();
  await save('vhost_limits_after_negative', 'GET', `/api/vhost-limits/${vh}`);
}
await save('vhost_limit_delete', 'DELETE', `/api/vhost-limits/${vh}/max-queues`);
await save('vhost_limit_delete_again', 'DELETE', `/api/vhost-limits/${vh}/max-queues`);
await save('user_limit_delete', 'DELETE', `/api/user-limits/${user}/max-channels`);
await save('user_limit_delete_again', 'DELETE', `/api/user-limits/${user}/max-channels`);
await call('DELETE', `/api/vhost-limits/${vh}/max-connections`);
await call('DELETE', `/api/user-limits/${user}/max-connections`);
await save('vhost_limits_none', 'GET', `/api/vhost-limits/${vh}`);
await save('user_limits_none', 'GET', `/api/user-limits/${user}`);

// --- publish and get ------------------------------------------------------------------------
await call('PUT', `/api/queues/${vh}/fxa.q`, { durable: true });
await call('PUT', `/api/queues/${vh}/fxa.other`, { durable: true });
await call('PUT', `/api/exchanges/${vh}/fxa.x`, { type: 'direct' });
await call('POST', `/api/bindings/${vh}/e/fxa.x/q/fxa.q`, { routing_key: 'k' });
await save('publish_routed', 'POST', `/api/exchanges/${vh}/amq.default/publish`, {
  properties: { delivery_mode: 2, headers: { h: 'v', n: 1 }, content_type: 'text/plain', priority: 3, correlation_id: 'c1' },
  routing_key: 'fxa.q', payload: 'hello', payload_encoding: 'string',
});
await save('publish_unrouted', 'POST', `/api/exchanges/${vh}/fxa.x/publish`, { properties: {}, routing_key: 'nowhere', payload: 'x', payload_encoding: 'string' });
await save('publish_base64', 'POST', `/api/exchanges/${vh}/fxa.x/publish`, { properties: {}, routing_key: 'k', payload: Buffer.from([0, 1, 2, 255]).toString('base64'), payload_encoding: 'base64' });
await save('publish_bad_encoding', 'POST', `/api/exchanges/${vh}/fxa.x/publish`, { properties: {}, routing_key: 'k', payload: 'x', payload_encoding: 'rot13' });
await save('publish_bad_base64', 'POST', `/api/exchanges/${vh}/fxa.x/publish`, { properties: {}, routing_key: 'k', payload: '!!!', payload_encoding: 'base64' });
await save('publish_missing_keys', 'POST', `/api/exchanges/${vh}/fxa.x/publish`, { routing_key: 'k' });
await save('publish_missing_exchange', 'POST', `/api/exchanges/${vh}/fxa.nope/publish`, { properties: {}, routing_key: 'k', payload: 'x', payload_encoding: 'string' });
await save('publish_bad_property', 'POST', `/api/exchanges/${vh}/fxa.x/publish`, { properties: { delivery_mode: 'x' }, routing_key: 'k', payload: 'x', payload_encoding: 'string' });
await save('publish_unknown_property', 'POST', `/api/exchanges/${vh}/fxa.x/publish`, { properties: { bogus: 1 }, routing_key: 'k', payload: 'x', payload_encoding: 'string' });
await save('publish_long', 'POST', `/api/exchanges/${vh}/amq.default/publish`, { properties: {}, routing_key: 'fxa.q', payload: 'abcdefghij', payload_encoding: 'string' });
await sleep(200);
await save('get_requeue', 'POST', `/api/queues/${vh}/fxa.q/get`, { count: 2, ackmode: 'ack_requeue_true', encoding: 'auto', truncate: 50000 });
await save('get_truncate', 'POST', `/api/queues/${vh}/fxa.q/get`, { count: 5, ackmode: 'ack_requeue_true', encoding: 'auto', truncate: 3 });
await save('get_base64', 'POST', `/api/queues/${vh}/fxa.q/get`, { count: 1, ackmode: 'reject_requeue_true', encoding: 'base64' });
await save('get_bad_ackmode', 'POST', `/api/queues/${vh}/fxa.q/get`, { count: 1, ackmode: 'bogus', encoding: 'auto' });
await save('get_bad_encoding', 'POST', `/api/queues/${vh}/fxa.q/get`, { count: 1, ackmode: 'ack_requeue_true', encoding: 'bogus' });
await save('get_missing_keys', 'POST', `/api/queues/${vh}/fxa.q/get`, { count: 1 });
await save('get_missing_queue', 'POST', `/api/queues/${vh}/fxa.nope/get`, { count: 1, ackmode: 'ack_requeue_true', encoding: 'auto' });
await save('get_consume', 'POST', `/api/queues/${vh}/fxa.q/get`, { count: 10, ackmode: 'ack_requeue_false', encoding: 'auto' });
await save('get_empty', 'POST', `/api/queues/${vh}/fxa.q/get`, { count: 1, ackmode: 'ack_requeue_false', encoding: 'auto' });
await save('get_count_string', 'POST', `/api/queues/${vh}/fxa.q/get`, { count: '1', ackmode: 'ack_requeue_false', encoding: 'auto' });

// --- queue actions --------------------------------------------------------------------------
await save('action_sync', 'POST', `/api/queues/${vh}/fxa.q/actions`, { action: 'sync' });
await save('action_cancel_sync', 'POST', `/api/queues/${vh}/fxa.q/actions`, { action: 'cancel_sync' });
await save('action_bogus', 'POST', `/api/queues/${vh}/fxa.q/actions`, { action: 'bogus' });
await save('action_missing', 'POST', `/api/queues/${vh}/fxa.q/actions`, {});
await save('action_missing_queue', 'POST', `/api/queues/${vh}/fxa.nope/actions`, { action: 'sync' });

// --- bindings -------------------------------------------------------------------------------
await call('PUT', `/api/exchanges/${vh}/fxa.x2`, { type: 'topic' });
await save('binding_post_q', 'POST', `/api/bindings/${vh}/e/fxa.x/q/fxa.other`, { routing_key: 'a b/c', arguments: {} });
await save('binding_post_q_args', 'POST', `/api/bindings/${vh}/e/fxa.x/q/fxa.other`, { routing_key: 'r', arguments: { 'x-a': 1 } });
await save('binding_post_e', 'POST', `/api/bindings/${vh}/e/fxa.x/e/fxa.x2`, { routing_key: 'to.x2' });
await save('binding_post_missing_dest', 'POST', `/api/bindings/${vh}/e/fxa.x/q/fxa.nope`, { routing_key: 'r' });
await save('binding_post_default_exchange', 'POST', `/api/bindings/${vh}/e/amq.default/q/fxa.other`, { routing_key: 'r' });
await save('bindings_between_q', 'GET', `/api/bindings/${vh}/e/fxa.x/q/fxa.other`);
await save('bindings_between_e', 'GET', `/api/bindings/${vh}/e/fxa.x/e/fxa.x2`);
await save('binding_get_e', 'GET', `/api/bindings/${vh}/e/fxa.x/e/fxa.x2/to.x2`);
await save('binding_get_missing', 'GET', `/api/bindings/${vh}/e/fxa.x/e/fxa.x2/nope`);
await save('binding_delete_e', 'DELETE', `/api/bindings/${vh}/e/fxa.x/e/fxa.x2/to.x2`);
await save('binding_delete_e_again', 'DELETE', `/api/bindings/${vh}/e/fxa.x/e/fxa.x2/to.x2`);

// --- users ----------------------------------------------------------------------------------
await call('PUT', '/api/users/fxa-bulk1', { password: 'x', tags: '' });
await call('PUT', '/api/users/fxa-bulk2', { password: 'x', tags: '' });
await save('users_without_permissions', 'GET', '/api/users/without-permissions');
out.users_without_permissions.body = out.users_without_permissions.body.filter((u) => u.name.startsWith('fxa-'));
await save('users_bulk_delete', 'POST', '/api/users/bulk-delete', { users: ['fxa-bulk1', 'fxa-bulk2', 'fxa-never-existed'] });
await save('users_bulk_delete_bad', 'POST', '/api/users/bulk-delete', { nope: [] });
await save('user_after_bulk_delete', 'GET', '/api/users/fxa-bulk1');

// --- topic permissions ----------------------------------------------------------------------
await save('topic_permission_put', 'PUT', `/api/topic-permissions/${vh}/${user}`, { exchange: 'amq.topic', write: '^a', read: '.*' });
await save('topic_permission_put_again', 'PUT', `/api/topic-permissions/${vh}/${user}`, { exchange: 'amq.topic', write: '^b', read: '.*' });
await save('topic_permission_put_other', 'PUT', `/api/topic-permissions/${vh}/${user}`, { exchange: 'fxa.x2', write: '.*', read: '^r' });
await save('topic_permission_put_no_exchange', 'PUT', `/api/topic-permissions/${vh}/${user}`, { write: '.*', read: '.*' });
await save('topic_permission_put_missing_vhost', 'PUT', `/api/topic-permissions/fxa-nope/${user}`, { exchange: 'amq.topic', write: '.*', read: '.*' });
await save('topic_permission_put_missing_user', 'PUT', `/api/topic-permissions/${vh}/fxa-nobody`, { exchange: 'amq.topic', write: '.*', read: '.*' });
await save('topic_permissions_all', 'GET', '/api/topic-permissions');
out.topic_permissions_all.body = out.topic_permissions_all.body.filter((p) => p.vhost === vh);
await save('topic_permission_get', 'GET', `/api/topic-permissions/${vh}/${user}`);
await save('topic_permission_get_missing', 'GET', `/api/topic-permissions/${vh}/guest`);
await save('topic_permissions_vhost', 'GET', `/api/vhosts/${vh}/topic-permissions`);
await save('topic_permissions_user', 'GET', `/api/users/${user}/topic-permissions`);
await save('topic_permission_delete', 'DELETE', `/api/topic-permissions/${vh}/${user}`);
await save('topic_permission_delete_again', 'DELETE', `/api/topic-permissions/${vh}/${user}`);

// --- operator policies ----------------------------------------------------------------------
await save('operator_policy_put', 'PUT', `/api/operator-policies/${vh}/fxa-op`, { pattern: '^fxa', definition: { 'max-length': 100 }, priority: 1, 'apply-to': 'queues' });
await save('operator_policy_put_bad_key', 'PUT', `/api/operator-policies/${vh}/fxa-op2`, { pattern: '^fxa', definition: { 'dead-letter-exchange': 'x' }, 'apply-to': 'queues' });
await save('operator_policies_vhost', 'GET', `/api/operator-policies/${vh}`);
await save('operator_policy_get', 'GET', `/api/operator-policies/${vh}/fxa-op`);
await save('queue_with_operator_policy', 'GET', `/api/queues/${vh}/fxa.q`);
out.queue_with_operator_policy.body = Object.fromEntries(['operator_policy', 'policy', 'effective_policy_definition'].map((k) => [k, out.queue_with_operator_policy.body[k]]));
await save('operator_policy_delete', 'DELETE', `/api/operator-policies/${vh}/fxa-op`);

// --- node, cluster, misc --------------------------------------------------------------------
await save('extensions', 'GET', '/api/extensions');
await save('cluster_name', 'GET', '/api/cluster-name');
{
  const original = out.cluster_name.body.name;
  await save('cluster_name_put', 'PUT', '/api/cluster-name', { name: 'fxa-cluster' });
  await save('cluster_name_after_put', 'GET', '/api/cluster-name');
  await save('cluster_name_put_bad', 'PUT', '/api/cluster-name', { nom: 'x' });
  await save('cluster_name_put_management', 'PUT', '/api/cluster-name', { name: 'fxa-x' }, basic(user, 'pw'));
  await call('PUT', '/api/cluster-name', { name: original });
}
await save('auth', 'GET', '/api/auth');
await save('auth_no_credentials', 'GET', '/api/auth', undefined, '');
await save('vhost_start', 'POST', `/api/vhosts/${vh}/start/${node}`);
await save('vhost_start_bad_node', 'POST', `/api/vhosts/${vh}/start/nobody@nowhere`);
await save('vhost_start_missing_vhost', 'POST', `/api/vhosts/fxa-nope/start/${node}`);
await save('global_parameters', 'GET', '/api/global-parameters');
await save('global_parameter_put', 'PUT', '/api/global-parameters/fxa-gp', { value: { a: 1 } });
await save('global_parameter_get', 'GET', '/api/global-parameters/fxa-gp');
await save('global_parameter_delete', 'DELETE', '/api/global-parameters/fxa-gp');
await save('node_memory', 'GET', `/api/nodes/${node}/memory`);
await save('feature_flags', 'GET', '/api/feature-flags');
await save('healthchecks_node', 'GET', '/api/healthchecks/node');
await save('rebalance', 'POST', '/api/rebalance/queues');
await save('reset', 'DELETE', '/api/reset');

// --- health checks --------------------------------------------------------------------------
await save('hc_port_listener_ok', 'GET', '/api/health/checks/port-listener/5673');
await save('hc_port_listener_missing', 'GET', '/api/health/checks/port-listener/1');
await save('hc_port_listener_bad', 'GET', '/api/health/checks/port-listener/abc');
await save('hc_protocol_listener_ok', 'GET', '/api/health/checks/protocol-listener/amqp');
await save('hc_protocol_listener_amqp091', 'GET', '/api/health/checks/protocol-listener/amqp091');
await save('hc_protocol_listener_http', 'GET', '/api/health/checks/protocol-listener/http');
await save('hc_protocol_listener_missing', 'GET', '/api/health/checks/protocol-listener/mqtt');
await save('hc_protocol_listener_bogus', 'GET', '/api/health/checks/protocol-listener/bogus');
await save('hc_virtual_hosts', 'GET', '/api/health/checks/virtual-hosts');
await save('hc_quorum_critical', 'GET', '/api/health/checks/node-is-quorum-critical');
await save('hc_mirror_sync_critical', 'GET', '/api/health/checks/node-is-mirror-sync-critical');
await save('hc_certificate_expiration', 'GET', '/api/health/checks/certificate-expiration/1/months');
await save('hc_certificate_expiration_bad_unit', 'GET', '/api/health/checks/certificate-expiration/1/fortnights');
await save('hc_certificate_expiration_bad_within', 'GET', '/api/health/checks/certificate-expiration/x/days');
await save('hc_management_user', 'GET', '/api/health/checks/virtual-hosts', undefined, basic(user, 'pw'));

// --- pagination, sorting, columns -----------------------------------------------------------
for (const n of ['fxa.b', 'fxa.c', 'fxa.D', 'fxa.e']) await call('PUT', `/api/queues/${vh}/${n}`, { durable: false, arguments: { 'x-max-length': n.length } });
await save('page_queues', 'GET', `/api/queues/${vh}?page=1&page_size=2`);
await save('page_queues_2', 'GET', `/api/queues/${vh}?page=2&page_size=2&columns=name`);
await save('page_queues_last_empty', 'GET', `/api/queues/${vh}?page=5&page_size=2&columns=name`);
await save('page_queues_out_of_range', 'GET', `/api/queues/${vh}?page=6&page_size=2`);
await save('page_queues_name', 'GET', `/api/queues/${vh}?page=1&columns=name&name=FXA.`);
await save('page_queues_regex', 'GET', `/api/queues/${vh}?page=1&page_size=10&columns=name&name=${enc('^fxa\\.[a-c]$')}&use_regex=true`);
await save('page_queues_bad_regex', 'GET', `/api/queues/${vh}?page=1&columns=name&name=${enc('(')}&use_regex=true`);
await save('page_queues_sort', 'GET', `/api/queues/${vh}?columns=name&sort=name&sort_reverse=true`);
await save('page_queues_sort_nested', 'GET', `/api/queues/${vh}?columns=name,arguments&sort=arguments.x-max-length`);
await save('page_queues_no_page_name', 'GET', `/api/queues/${vh}?columns=name&name=zzz`);
await save('page_queues_columns_nested', 'GET', `/api/queues/${vh}?columns=name,arguments.x-max-length&page=1&page_size=1`);
await save('page_page_zero', 'GET', '/api/queues?page=0');
await save('page_not_integer', 'GET', '/api/queues?page=x');
await save('page_size_too_big', 'GET', '/api/queues?page=1&page_size=501');
await save('page_size_not_integer', 'GET', '/api/queues?page=1&page_size=y');
await save('page_exchanges', 'GET', `/api/exchanges/${vh}?page=1&page_size=3&columns=name,type`);
await save('page_vhosts', 'GET', `/api/vhosts?page=1&page_size=1&columns=name&name=fxa`);
await save('page_connections', 'GET', '/api/connections?page=1&page_size=1&name=fxa-none');
await save('page_channels', 'GET', '/api/channels?page=1&page_size=1&name=fxa-none');
await save('page_vhost_connections', 'GET', `/api/vhosts/${vh}/connections?page=1`);
await save('page_users_ignored', 'GET', '/api/users?page=1&page_size=1&columns=name&name=fxa-user');
out.page_users_ignored.body = Array.isArray(out.page_users_ignored.body) ? 'list' : out.page_users_ignored.body;
await save('page_bindings_ignored', 'GET', `/api/bindings/${vh}?page=1&page_size=1&columns=destination`);
await save('columns_users', 'GET', `/api/users/${user}?columns=name`);
await save('sort_empty', 'GET', `/api/queues/${vh}?columns=name&sort=`);

// --- dynamic shovels (move messages) ----------------------------------------------------------
const shovelOn = (await call('GET', '/api/extensions')).body.some((x) => x.javascript === 'shovel.js');
if (shovelOn) {
  await call('PUT', `/api/queues/${vh}/fxa.from`, { durable: true });
  await call('PUT', `/api/queues/${vh}/fxa.to`, { durable: true });
  for (let i = 0; i < 5; i++) {
    await call('POST', `/api/exchanges/${vh}/amq.default/publish`, { properties: { delivery_mode: 2 }, routing_key: 'fxa.from', payload: `m${i}`, payload_encoding: 'string' });
  }
  // Exactly what the management UI's "Move messages" form sends.
  const value = {
    'src-uri': `amqp:///${enc(vh)}`, 'src-queue': 'fxa.from', 'src-protocol': 'amqp091', 'src-prefetch-count': 1000,
    'src-delete-after': 'queue-length', 'dest-protocol': 'amqp091', 'dest-uri': `amqp:///${enc(vh)}`,
    'dest-add-forward-headers': false, 'ack-mode': 'on-confirm', 'dest-queue': 'fxa.to', 'src-consumer-args': {},
  };
  await save('shovel_put', 'PUT', `/api/parameters/shovel/${vh}/${enc('Move from fxa.from')}`, { component: 'shovel', vhost: vh, name: 'Move from fxa.from', value });
  await sleep(2000);
  await save('shovel_parameter_after', 'GET', `/api/parameters/shovel/${vh}`);
  await save('shovel_statuses_after', 'GET', '/api/shovels');
  await save('shovel_moved_to', 'GET', `/api/queues/${vh}/fxa.to?columns=messages,messages_ready`);
  await save('shovel_moved_from', 'GET', `/api/queues/${vh}/fxa.from?columns=messages,messages_ready`);
  await save('shovel_moved_get', 'POST', `/api/queues/${vh}/fxa.to/get`, { count: 10, ackmode: 'ack_requeue_true', encoding: 'auto' });
  // A shovel that stays (no delete-after), to see its status and parameter shape.
  await save('shovel_put_persistent', 'PUT', `/api/parameters/shovel/${vh}/fxa-stay`, { value: { ...value, 'src-delete-after': 'never' } });
  await sleep(1500);
  await save('shovel_statuses', 'GET', '/api/shovels');
  await save('shovel_statuses_vhost', 'GET', `/api/shovels/${vh}`);
  await save('shovel_parameter_get', 'GET', `/api/parameters/shovel/${vh}/fxa-stay`);
  await save('shovel_put_no_src', 'PUT', `/api/parameters/shovel/${vh}/fxa-bad`, { value: { 'dest-queue': 'fxa.to', 'dest-uri': 'amqp://' } });
  await save('shovel_put_bad_uri', 'PUT', `/api/parameters/shovel/${vh}/fxa-bad`, { value: { ...value, 'src-uri': 'http://x' } });
  await save('shovel_put_bad_delete_after', 'PUT', `/api/parameters/shovel/${vh}/fxa-bad`, { value: { ...value, 'src-delete-after': 'sometime' } });
  await save('shovel_restart', 'DELETE', `/api/shovels/vhost/${vh}/fxa-stay/restart`);
  await save('shovel_delete_status', 'DELETE', `/api/shovels/vhost/${vh}/fxa-stay`);
  await save('shovel_delete', 'DELETE', `/api/parameters/shovel/${vh}/fxa-stay`);
  await save('extensions_with_shovel', 'GET', '/api/extensions');
  out.shovel_statuses.body = out.shovel_statuses.body.filter((s) => s.vhost === vh);
  out.shovel_statuses_after.body = out.shovel_statuses_after.body.filter((s) => s.vhost === vh);
} else {
  console.log('shovel plugins not enabled: shovel answers not recorded');
}

await call('DELETE', `/api/vhosts/${vh}`);
await call('DELETE', `/api/users/${user}`);
const file = new URL('../test/fixtures/http/rabbitmq-3.10.8-api.json', import.meta.url);
writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
console.log('recorded', Object.keys(out).length, 'answers');
process.exit(0);
