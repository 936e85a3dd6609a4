// Records the RabbitMQ side of the migration walk-through (docs/migration.md) as fixtures, so the test
// (test/docs/migration.test.ts) needs no RabbitMQ: on a RabbitMQ started with
// scripts/start-rabbitmq.sh 5673, it creates a realistic application topology in a vhost of its own
// (users with tags and permissions, a topic permission, exchanges with an alternate exchange and an
// exchange-to-exchange binding, classic/quorum/priority queues with TTL, dead-lettering and limits,
// bindings, a policy and an operator policy), exports the definitions both ways a RabbitMQ operator
// would -- GET /api/definitions and `rabbitmqctl export_definitions` -- keeps that vhost's objects and
// those users (the reference node is shared), records what RabbitMQ answers when its own rabbitmqctl
// export is imported back, and deletes what it created.
//   node scripts/record-migration-fixture.mjs
//   (RABBITMQ_HTTP, default http://127.0.0.1:15673; RABBITMQ_NODE, default ref5673@localhost)
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';

const base = process.env.RABBITMQ_HTTP ?? 'http://127.0.0.1:15673';
const node = process.env.RABBITMQ_NODE ?? 'ref5673@localhost';
const auth = 'Basic ' + Buffer.from('guest:guest').toString('base64');
const vhost = 'docs-migration-shop';
const v = encodeURIComponent(vhost);
const users = { 'docs-mig-app': ['app-secret', ''], 'docs-mig-ops': ['ops-secret', 'monitoring'], 'docs-mig-admin': ['admin-secret', 'administrator'] };

async function api(method, path, body) {
  const r = await fetch(base + path, { method, headers: { authorization: auth, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  const text = await r.text();
  if (r.status >= 400 && method !== 'DELETE') throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function cleanup() {
  await api('DELETE', `/api/vhosts/${v}`);
  for (const u of Object.keys(users)) await api('DELETE', `/api/users/${u}`);
}

await cleanup();
await api('PUT', `/api/vhosts/${v}`, { description: 'the shop application' });
for (const [name, [password, tags]] of Object.entries(users)) await api('PUT', `/api/users/${name}`, { password, tags });
await api('PUT', `/api/permissions/${v}/guest`, { configure: '.*', write: '.*', read: '.*' });
await api('PUT', `/api/permissions/${v}/docs-mig-app`, { configure: '^(orders|notifications|amq\\.gen)', write: '.*', read: '.*' });
await api('PUT', `/api/permissions/${v}/docs-mig-ops`, { configure: '', write: '', read: '.*' });
await api('PUT', `/api/permissions/${v}/docs-mig-admin`, { configure: '.*', write: '.*', read: '.*' });
await api('PUT', `/api/topic-permissions/${v}/docs-mig-app`, { exchange: 'shop.events', write: '^(order|user)\\.', read: '.*' });

const exchange = (name, type, args = {}, internal = false) => api('PUT', `/api/exchanges/${v}/${name}`, { type, durable: true, auto_delete: false, internal, arguments: args });
const queue = (name, args = {}) => api('PUT', `/api/queues/${v}/${name}`, { durable: true, auto_delete: false, arguments: args });
const bind = (source, kind, dest, key, args = {}) => api('POST', `/api/bindings/${v}/e/${source}/${kind}/${dest}`, { routing_key: key, arguments: args });

await exchange('shop.unrouted', 'fanout');
await exchange('shop.events', 'topic', { 'alternate-exchange': 'shop.unrouted' });
await exchange('shop.dead-letter', 'direct');
await exchange('shop.audit', 'fanout', {}, true);
await exchange('shop.by-region', 'headers');
await queue('orders.created', { 'x-dead-letter-exchange': 'shop.dead-letter', 'x-dead-letter-routing-key': 'orders', 'x-message-ttl': 86400000 });
await queue('orders.payments', { 'x-queue-type': 'quorum', 'x-delivery-limit': 5, 'x-dead-letter-exchange': 'shop.dead-letter', 'x-dead-letter-routing-key': 'payments' });
await queue('notifications.email', { 'x-max-priority': 10 });
await queue('orders.dead-letters', {});
await queue('shop.unrouted-events', { 'x-max-length': 10000, 'x-overflow': 'drop-head' });
await queue('audit.log', { 'x-max-length-bytes': 104857600, 'x-overflow': 'reject-publish' });
await queue('orders.eu', { 'x-single-active-consumer': true });
await bind('shop.events', 'q', 'orders.created', 'order.created');
await bind('shop.events', 'q', 'orders.payments', 'order.paid');
await bind('shop.events', 'q', 'notifications.email', 'order.*');
await bind('shop.events', 'q', 'notifications.email', 'user.signed_up');
await bind('shop.events', 'e', 'shop.audit', '#');
await bind('shop.audit', 'q', 'audit.log', '');
await bind('shop.unrouted', 'q', 'shop.unrouted-events', '');
await bind('shop.dead-letter', 'q', 'orders.dead-letters', 'orders');
await bind('shop.dead-letter', 'q', 'orders.dead-letters', 'payments');
await bind('shop.by-region', 'q', 'orders.eu', '', { 'x-match': 'all', region: 'eu' });
await api('PUT', `/api/policies/${v}/notifications-limits`, { pattern: '^notifications\\.', definition: { 'message-ttl': 3600000, 'max-length': 50000 }, priority: 1, 'apply-to': 'queues' });
await api('PUT', `/api/operator-policies/${v}/cap-queues`, { pattern: '.*', definition: { 'max-length': 1000000 }, priority: 0, 'apply-to': 'queues' });

// Only this vhost's objects and these users: the reference node is shared with other tests.
const mine = (defs) => {
  const inVhost = (o) => o.vhost === vhost;
  const out = { ...defs };
  for (const key of ['queues', 'exchanges', 'bindings', 'policies', 'parameters', 'permissions', 'topic_permissions']) {
    if (Array.isArray(defs[key])) out[key] = defs[key].filter((o) => inVhost(o) && (o.user === undefined || o.user in users));
  }
  out.vhosts = defs.vhosts.filter((o) => o.name === vhost);
  out.users = defs.users.filter((u) => u.name in users);
  // Operator policies appear in the export only through the vhost's metadata in some versions;
  // keep whatever the export has for this vhost.
  if (Array.isArray(defs.operator_policies)) out.operator_policies = defs.operator_policies.filter(inVhost);
  return out;
};

const viaApi = mine(await api('GET', '/api/definitions'));
const viaCtl = mine(JSON.parse(execFileSync('rabbitmqctl', ['-n', node, '-q', 'export_definitions', '-'], { encoding: 'utf8' })));
await cleanup();

// What RabbitMQ itself answers when the rabbitmqctl export is imported back (3.10.8 writes operator
// policy definitions as lists of pairs and leaves internal exchanges out).
const reimport = await fetch(`${base}/api/definitions`, {
  method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(viaCtl),
});
const rabbitmqctlReimport = { status: reimport.status, body: JSON.parse((await reimport.text()) || 'null') };
await cleanup();

mkdirSync('test/fixtures/migration', { recursive: true });
writeFileSync('test/fixtures/migration/rabbitmq-3.10.8-api-definitions.json', JSON.stringify(viaApi, null, 2) + '\n');
writeFileSync('test/fixtures/migration/rabbitmq-3.10.8-rabbitmqctl-definitions.json', JSON.stringify(viaCtl, null, 2) + '\n');
writeFileSync('test/fixtures/migration/rabbitmq-3.10.8-rabbitmqctl-reimport.json', JSON.stringify(rabbitmqctlReimport, null, 2) + '\n');
console.log(`recorded ${viaApi.queues.length} queues, ${viaApi.exchanges.length} exchanges, ${viaApi.bindings.length} bindings, ${viaApi.users.length} users, ${viaApi.policies.length} policies`);
