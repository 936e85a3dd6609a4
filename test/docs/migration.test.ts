// The migration walk-through of docs/migration.md, step by step: a real RabbitMQ 3.10.8 node's
// definitions (recorded by scripts/record-migration-fixture.mjs: an application topology with
// users, permissions, policies and an operator policy) are imported into Warren with
// POST /api/definitions; the same clients then work against Warren (amqplib and pika, logging in
// with the passwords set on RabbitMQ), and everything is still there after a restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type RunningBroker } from '../../src/index.js';
import { closeQuietly, connect, expectAmqpError, waitFor } from '../support/clients.js';
import { PYTHON } from '../support/python.js';
import { runProcess } from '../support/run-process.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../../test/fixtures/migration/${name}`, import.meta.url), 'utf8'));
const rabbitExport = fixture('rabbitmq-3.10.8-api-definitions.json');
const vhost = 'docs-migration-shop';
const dataDir = mkdtempSync(join(tmpdir(), 'warren-migration-'));
let broker: RunningBroker;

const start = () => startBroker({ port: 0, httpPort: 0, host: '127.0.0.1', logLevel: 'error', dataDir });
async function http(method: string, path: string, body?: unknown, user = 'guest:guest') {
  const r = await fetch(`http://127.0.0.1:${broker.httpPort}${path}`, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { authorization: `Basic ${Buffer.from(user).toString('base64')}`, 'content-type': 'application/json' },
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}
const amqpUrl = (user: string, pass: string) => `amqp://${user}:${pass}@127.0.0.1:${broker.port}/${encodeURIComponent(vhost)}`;
const key = (o: Record<string, unknown>) => JSON.stringify([o.vhost, o.name, o.source, o.destination, o.destination_type, o.routing_key, o.user, o.component]);
const sorted = <T extends Record<string, unknown>>(xs: T[]) => [...xs].sort((a, b) => (key(a) < key(b) ? -1 : 1));
const ofVhost = (xs: Record<string, unknown>[]) => sorted(xs.filter((x) => x.vhost === vhost));

before(async () => {
  broker = await start();
});
after(async () => {
  await broker.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('step 2: the definitions exported from RabbitMQ 3.10.8 import into Warren, and Warren exports them back the same', async () => {
  const r = await http('POST', '/api/definitions', rabbitExport);
  assert.equal(r.status, 204, JSON.stringify(r.body));
  const d = (await http('GET', '/api/definitions')).body;
  assert.ok(d.vhosts.some((v: { name: string }) => v.name === vhost));
  for (const section of ['queues', 'exchanges', 'bindings', 'permissions', 'policies', 'parameters']) {
    assert.deepEqual(ofVhost(d[section]), sorted(rabbitExport[section]), section);
  }
  // Users keep RabbitMQ's salted password hashes and their tags.
  for (const u of rabbitExport.users) assert.deepEqual(d.users.find((x: { name: string }) => x.name === u.name), u, u.name);
  // The operator policy (a runtime parameter in RabbitMQ's export) is an operator policy here too.
  const capped = (await http('GET', `/api/queues/${vhost}/orders.created`)).body;
  assert.equal(capped.operator_policy, 'cap-queues');
  const notifications = (await http('GET', `/api/queues/${vhost}/notifications.email`)).body;
  assert.equal(notifications.policy, 'notifications-limits');
  assert.equal(notifications.effective_policy_definition['message-ttl'], 3600000);
});

test('step 3: clients log in with their RabbitMQ passwords and the topology routes as it did on RabbitMQ', async () => {
  const conn = await connect(amqpUrl('docs-mig-app', 'app-secret'));
  try {
    const ch = await conn.createConfirmChannel();
    const publish = (exchange: string, routingKey: string, body: string, headers?: Record<string, string>) =>
      ch.publish(exchange, routingKey, Buffer.from(body), { persistent: true, headers });
    publish('shop.events', 'order.created', 'order 1 created'); // orders.created, notifications.email, audit.log
    publish('shop.events', 'order.paid', 'order 1 paid'); // orders.payments (quorum), notifications.email, audit.log
    // No queue binding matches, but the exchange-to-exchange binding '#' to shop.audit does: the
    // message is routed (to audit.log), so the alternate exchange is not used.
    publish('shop.events', 'user.deleted', 'user 7 deleted');
    publish('shop.by-region', '', 'order 3 (us)', { region: 'us' }); // no binding matches: dropped
    publish('shop.by-region', '', 'order 2 (eu)', { region: 'eu' }); // headers exchange, x-match all
    await ch.waitForConfirms();
    const get = async (queue: string) => ((await ch.get(queue, { noAck: true })) || null)?.content.toString() ?? null;
    assert.equal(await get('orders.created'), 'order 1 created');
    assert.equal(await get('shop.unrouted-events'), null);
    assert.equal(await get('orders.eu'), 'order 2 (eu)');
    const audit = [await get('audit.log'), await get('audit.log'), await get('audit.log')];
    assert.deepEqual(audit, ['order 1 created', 'order 1 paid', 'user 7 deleted']); // through the internal exchange
    const notified = [await get('notifications.email'), await get('notifications.email')];
    assert.deepEqual(notified, ['order 1 created', 'order 1 paid']);

    // A payment rejected by its consumer is dead-lettered to orders.dead-letters, as configured on RabbitMQ.
    const paid = await ch.get('orders.payments', { noAck: false });
    assert.ok(paid);
    ch.nack(paid, false, false);
    await waitFor(async () => (await http('GET', `/api/queues/${vhost}/orders.dead-letters`)).body.messages === 1, 5000, 'the dead letter');
    const dead = await ch.get('orders.dead-letters', { noAck: true });
    assert.ok(dead);
    assert.equal(dead.content.toString(), 'order 1 paid');
    assert.equal(dead.properties.headers?.['x-death']?.[0]?.reason, 'rejected');
  } finally {
    await closeQuietly(conn);
  }

  // The permissions came along: the application may not create queues outside its prefixes.
  const limited = await connect(amqpUrl('docs-mig-app', 'app-secret'));
  try {
    const ch = await limited.createChannel();
    await expectAmqpError(ch.assertQueue('inventory.updates'), 403, /ACCESS_REFUSED - access to queue 'inventory.updates' in vhost 'docs-migration-shop' refused for user 'docs-mig-app'/);
  } finally {
    await closeQuietly(limited);
  }
  // So did the topic permission: on shop.events it may publish only order.* and user.* keys.
  const topical = await connect(amqpUrl('docs-mig-app', 'app-secret'));
  try {
    const topic = await topical.createChannel();
    topic.on('error', () => {});
    const refused = new Promise<void>((resolve) => topic.on('close', () => resolve()));
    topic.publish('shop.events', 'inventory.low', Buffer.from('sku 9 low'));
    await refused;
  } finally {
    await closeQuietly(topical);
  }

  // The monitoring user reads the management API; it may not manage users.
  assert.equal((await http('GET', `/api/queues/${encodeURIComponent(vhost)}`, undefined, 'docs-mig-ops:ops-secret')).status, 200);
  assert.equal((await http('GET', '/api/users', undefined, 'docs-mig-ops:ops-secret')).status, 401);
});

test('step 3, Python: pika logs in with the RabbitMQ password and publishes and consumes', async () => {
  const script = `
import pika, sys
params = pika.URLParameters(sys.argv[1])
conn = pika.BlockingConnection(params)
ch = conn.channel()
ch.confirm_delivery()
ch.basic_publish('shop.events', 'user.signed_up', b'welcome u42', pika.BasicProperties(delivery_mode=2))
method, props, body = ch.basic_get('notifications.email', auto_ack=True)
print(body.decode())
conn.close()
`;
  const out = await runProcess(PYTHON, ['-c', script, amqpUrl('docs-mig-app', 'app-secret')], { env: process.env, cwd: tmpdir(), timeoutMs: 30_000 });
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout.trim(), 'welcome u42');
});

test('step 4: after a restart the imported definitions are still there', async () => {
  await broker.close();
  broker = await start();
  const d = (await http('GET', '/api/definitions')).body;
  for (const section of ['queues', 'exchanges', 'bindings', 'permissions', 'policies', 'parameters']) {
    assert.deepEqual(ofVhost(d[section]), sorted(rabbitExport[section]), section);
  }
  const conn = await connect(amqpUrl('docs-mig-admin', 'admin-secret'));
  await closeQuietly(conn);
});

test("RabbitMQ 3.10.8's own `rabbitmqctl export_definitions` file is refused as RabbitMQ refuses it (use the HTTP API export)", async () => {
  const recorded = fixture('rabbitmq-3.10.8-rabbitmqctl-reimport.json');
  const fresh = await startBroker({ port: 0, httpPort: 0, host: '127.0.0.1', logLevel: 'error' });
  try {
    const r = await fetch(`http://127.0.0.1:${fresh.httpPort}/api/definitions`, {
      method: 'POST', body: JSON.stringify(fixture('rabbitmq-3.10.8-rabbitmqctl-definitions.json')),
      headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}`, 'content-type': 'application/json' },
    });
    const body = await r.json();
    assert.equal(r.status, recorded.status);
    assert.equal(body.error, recorded.body.error);
    assert.match(recorded.body.reason, /definition must be a dictionary/);
    assert.match(body.reason, /^Validation failed\n\ndefinition must be a dictionary: .*\n \(docs-migration-shop\/operator_policy\/cap-queues\)$/);
  } finally {
    await fresh.close();
  }
});
