// Records RabbitMQ management API JSON (objects of each kind) into test/fixtures/http/, so the
// HTTP tests can check Warren's objects carry the same fields. Needs a RabbitMQ started with
// scripts/start-rabbitmq.sh 5673 (HTTP on 15673). Usage: node scripts/record-http-fixtures.mjs
import { writeFileSync } from 'node:fs';
import amqp from 'amqplib';

const base = process.env.RABBITMQ_HTTP ?? 'http://127.0.0.1:15673';
const amqpUrl = process.env.RABBITMQ_AMQP ?? 'amqp://guest:guest@127.0.0.1:5673';
const auth = 'Basic ' + Buffer.from('guest:guest').toString('base64');
const vh = 'warren-fixture';
const api = async (method, path, body) => {
  const r = await fetch(base + path, { method, headers: { authorization: auth, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
};
const out = {};
const save = (name, v) => { out[name] = v; };

await api('DELETE', `/api/vhosts/${vh}`);
await api('DELETE', '/api/users/fixture-user');
await api('PUT', `/api/vhosts/${vh}`, {});
await api('PUT', `/api/permissions/${vh}/guest`, { configure: '.*', write: '.*', read: '.*' });
await api('PUT', '/api/users/fixture-user', { password: 'secret', tags: 'management' });
await api('PUT', `/api/permissions/${vh}/fixture-user`, { configure: '^fx', write: '.*', read: '.*' });
await api('PUT', `/api/exchanges/${vh}/fx.ex`, { type: 'topic', durable: true, auto_delete: false, internal: false, arguments: {} });
await api('PUT', `/api/queues/${vh}/fx.q`, { durable: true, auto_delete: false, arguments: { 'x-max-length': 10 } });
await api('POST', `/api/bindings/${vh}/e/fx.ex/q/fx.q`, { routing_key: 'a.#', arguments: {} });
await api('PUT', `/api/exchanges/${vh}/fx.headers`, { type: 'headers', durable: true, auto_delete: false, internal: false, arguments: { 'alternate-exchange': 'fx.ex' } });
await api('PUT', `/api/queues/${vh}/fx.dlq`, { durable: true, auto_delete: false, arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 3 } });
await api('PUT', `/api/queues/${vh}/fx.ttl`, { durable: true, auto_delete: false, arguments: { 'x-message-ttl': 60000, 'x-dead-letter-exchange': 'fx.ex', 'x-max-priority': 5 } });
await api('POST', `/api/bindings/${vh}/e/fx.headers/q/fx.ttl`, { routing_key: '', arguments: { 'x-match': 'any', kind: 'a' } });
await api('POST', `/api/bindings/${vh}/e/fx.ex/e/fx.headers`, { routing_key: 'h.*', arguments: {} });

const conn = await amqp.connect(`${amqpUrl}/${vh}`, { clientProperties: { connection_name: 'fixture-conn' } });
const ch = await conn.createChannel();
await ch.prefetch(5);
ch.publish('fx.ex', 'a.b', Buffer.from('one'));
ch.publish('fx.ex', 'a.c', Buffer.from('two'));
await new Promise((r) => setTimeout(r, 500));
save('queue_before_consume', (await api('GET', `/api/queues/${vh}/fx.q`)).body);
await ch.consume('fx.q', () => {}, { noAck: false, consumerTag: 'fixture-consumer' });
await new Promise((r) => setTimeout(r, 6000)); // stats are emitted every 5 s

for (const [name, path] of [
  ['overview', '/api/overview'], ['whoami', '/api/whoami'], ['vhosts', '/api/vhosts'], [`vhost`, `/api/vhosts/${vh}`],
  ['users', '/api/users'], ['user', '/api/users/fixture-user'], ['permissions', '/api/permissions'],
  ['permission', `/api/permissions/${vh}/fixture-user`], ['exchanges_vhost', `/api/exchanges/${vh}`],
  ['exchange', `/api/exchanges/${vh}/fx.ex`], ['queues_vhost', `/api/queues/${vh}`], ['queue', `/api/queues/${vh}/fx.q`],
  ['bindings_vhost', `/api/bindings/${vh}`], ['connections', '/api/connections'], ['channels', '/api/channels'],
  ['consumers', '/api/consumers'], ['nodes', '/api/nodes'], ['alarms', '/api/health/checks/alarms'],
  ['local_alarms', '/api/health/checks/local-alarms'], ['aliveness', `/api/aliveness-test/${vh}`],
  ['not_found_queue', `/api/queues/${vh}/nope`], ['not_found_vhost', '/api/queues/nope-vhost'],
  ['definitions_vhost', `/api/definitions/${vh}`],
]) {
  const r = await api('GET', path);
  save(name, { status: r.status, body: r.body });
}
const conns = out.connections.body.filter((c) => c.vhost === vh);
out.connections.body = conns;
out.channels.body = out.channels.body.filter((c) => c.vhost === vh);
out.consumers.body = out.consumers.body.filter((c) => c.queue.vhost === vh);
save('unauthorized', await (async () => { const r = await fetch(base + '/api/overview'); return { status: r.status, body: await r.json().catch(() => null) }; })());
save('bad_credentials', await (async () => { const r = await fetch(base + '/api/overview', { headers: { authorization: 'Basic ' + Buffer.from('guest:wrong').toString('base64') } }); return { status: r.status, body: await r.json().catch(() => null) }; })());
save('forbidden_management_user_writes_vhost', await (async () => { const r = await fetch(base + '/api/vhosts/x-forbidden', { method: 'PUT', headers: { authorization: 'Basic ' + Buffer.from('fixture-user:secret').toString('base64') } }); return { status: r.status, body: await r.json().catch(() => null) }; })());
save('put_queue_bad_json', await (async () => { const r = await fetch(base + `/api/queues/${vh}/badjson`, { method: 'PUT', headers: { authorization: auth, 'content-type': 'application/json' }, body: '{nope' }); return { status: r.status, body: await r.json().catch(() => null) }; })());
save('put_queue_inequivalent', await api('PUT', `/api/queues/${vh}/fx.q`, { durable: false }));
save('put_exchange_created', await api('PUT', `/api/exchanges/${vh}/fx.ex2`, { type: 'direct' }));
save('put_exchange_again', await api('PUT', `/api/exchanges/${vh}/fx.ex2`, { type: 'direct' }));
save('delete_exchange', await api('DELETE', `/api/exchanges/${vh}/fx.ex2`));
save('delete_exchange_missing', await api('DELETE', `/api/exchanges/${vh}/fx.ex2`));
save('post_binding', await api('POST', `/api/bindings/${vh}/e/fx.ex/q/fx.q`, { routing_key: 'b.*' }));
const closing = conns[0]?.name;
const closeInfo = new Promise((resolve) => conn.on('close', (e) => resolve(e ? e.message : 'closed without error')));
conn.on('error', () => {});
save('delete_connection', await fetch(`${base}/api/connections/${encodeURIComponent(closing)}`, { method: 'DELETE', headers: { authorization: auth, 'x-reason': 'fixture says bye' } }).then((r) => ({ status: r.status })));
out.delete_connection.client_error = await Promise.race([closeInfo, new Promise((r) => setTimeout(() => r(null), 3000))]);
// The whole export, narrowed to the fixture's vhost and users (the reference broker holds
// leftovers of other test runs); everything kept is exactly as RabbitMQ exported it.
const defs = (await api('GET', '/api/definitions')).body;
defs.users = defs.users.filter((u) => u.name === 'fixture-user' || u.name === 'guest');
defs.vhosts = defs.vhosts.filter((v) => v.name === vh);
for (const k of ['permissions', 'topic_permissions', 'parameters', 'policies', 'queues', 'exchanges', 'bindings']) defs[k] = defs[k].filter((o) => o.vhost === vh);
writeFileSync(new URL('../test/fixtures/http/rabbitmq-definitions.json', import.meta.url), JSON.stringify(defs, null, 2) + '\n');
await api('DELETE', `/api/vhosts/${vh}`);
await api('DELETE', '/api/users/fixture-user');
writeFileSync(new URL('../test/fixtures/http/rabbitmq-3.10.8.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
console.log('recorded', Object.keys(out).length, 'responses');
process.exit(0);
