// RabbitMQ's own command-line client of the management API, rabbitmqadmin 3.10.8 (the Python
// script Debian ships in rabbitmq-server), driven against Warren's HTTP port: declare, publish,
// get, list, show, export/import, purge, close, delete. Found at WARREN_RABBITMQADMIN,
// /usr/bin/rabbitmqadmin, or where .ci/run unpacks it from the Debian package
// (.ci/cache/rabbitmqadmin/usr/bin/rabbitmqadmin).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import type { RunningBroker } from '../../src/index.js';
import { startHttpBroker } from './support.js';

// Every call starts a Python process: generous limits for a loaded machine.
const LIMIT = { timeout: 180_000 };
const candidates = [
  process.env.WARREN_RABBITMQADMIN,
  '/usr/bin/rabbitmqadmin',
  new URL('../../../.ci/cache/rabbitmqadmin/usr/bin/rabbitmqadmin', import.meta.url).pathname,
].filter((p): p is string => typeof p === 'string' && p !== '');
const rabbitmqadmin = candidates.find((p) => existsSync(p));

let broker: RunningBroker;
let dir: string;

/** Runs rabbitmqadmin against Warren; resolves with stdout, rejects with its message on failure. */
function admin(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', [rabbitmqadmin!, '-H', '127.0.0.1', '-P', String(broker.httpPort), '-u', 'guest', '-p', 'guest', ...args], { timeout: 20_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`rabbitmqadmin ${args.join(' ')}: ${stderr || stdout || err.message}`)) : resolve(stdout)));
  });
}
const json = async (...args: string[]) => JSON.parse(await admin('-f', 'raw_json', ...args));

before(async () => {
  assert.ok(rabbitmqadmin, `rabbitmqadmin not found (looked at ${candidates.join(', ')}); bash .ci/run unpacks it from Debian's rabbitmq-server package`);
  broker = await startHttpBroker();
  dir = mkdtempSync(join(tmpdir(), 'warren-rabbitmqadmin-'));
}, LIMIT);
after(async () => {
  await broker?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('rabbitmqadmin against Warren', () => {
  test('declare a queue, an exchange and a binding; publish; get', LIMIT, async () => {
    await admin('declare', 'queue', 'name=orders', 'durable=true');
    await admin('declare', 'queue', 'name=typed', 'queue_type=quorum');
    await admin('declare', 'exchange', 'name=events', 'type=topic');
    await admin('declare', 'binding', 'source=events', 'destination=orders', 'routing_key=order.*');
    assert.match(await admin('publish', 'exchange=events', 'routing_key=order.new', 'payload=first order'), /Message published/);
    assert.match(await admin('publish', 'exchange=events', 'routing_key=nothing', 'payload=lost'), /Message published but NOT routed/);
    await admin('publish', 'routing_key=orders', 'payload=second order', 'properties={"headers":{"k":"v"},"delivery_mode":2}');
    const got = await json('get', 'queue=orders', 'count=2', 'ackmode=ack_requeue_true');
    assert.deepEqual(got.map((m: { payload: string }) => m.payload), ['first order', 'second order']);
    assert.deepEqual(got[1].properties, { headers: { k: 'v' }, delivery_mode: 2 });
    const typed = (await json('list', 'queues', 'name', 'arguments')).find((q: { name: string }) => q.name === 'typed');
    assert.deepEqual(typed.arguments, { 'x-queue-type': 'quorum' });
  });

  test('list and show: the columns it asks for, sorted as asked', LIMIT, async () => {
    const queues = await json('list', 'queues', 'name', 'messages');
    assert.deepEqual(queues, [{ name: 'orders', messages: 2 }, { name: 'typed', messages: 0 }]);
    assert.deepEqual(await json('--sort', 'name', '--sort-reverse', 'list', 'queues', 'name'), [{ name: 'typed' }, { name: 'orders' }]);
    const bindings = await json('list', 'bindings', 'source', 'destination', 'routing_key');
    assert.ok(bindings.some((b: Record<string, string>) => b.source === 'events' && b.destination === 'orders' && b.routing_key === 'order.*'));
    const overview = await json('show', 'overview');
    assert.equal(overview[0].rabbitmq_version, '3.10.8');
    assert.equal(overview[0]['object_totals.queues'] ?? overview[0].object_totals?.queues, 2);
    const table = await admin('list', 'exchanges', 'name', 'type');
    assert.match(table, /\| events +\| topic +\|/);
    for (const what of ['vhosts', 'users', 'permissions', 'nodes', 'connections', 'channels', 'consumers', 'parameters', 'policies', 'operator_policies', 'vhost_limits']) {
      await admin('list', what);
    }
  });

  test('vhost limits, policies, users and permissions', LIMIT, async () => {
    await admin('declare', 'vhost_limit', 'vhost=/', 'name=max-queues', 'value=10');
    assert.deepEqual(await json('list', 'vhost_limits'), [{ vhost: '/', value: { 'max-queues': 10 } }]);
    await admin('delete', 'vhost_limit', 'vhost=/', 'name=max-queues');
    await admin('declare', 'policy', 'name=cap', 'pattern=^orders$', 'definition={"max-length":100}', 'apply-to=queues');
    assert.equal((await json('list', 'policies'))[0].name, 'cap');
    await admin('delete', 'policy', 'name=cap');
    await admin('declare', 'user', 'name=ops', 'password=pw', 'tags=monitoring');
    await admin('declare', 'vhost', 'name=staging');
    await admin('declare', 'permission', 'vhost=staging', 'user=ops', 'configure=.*', 'write=.*', 'read=.*');
    assert.ok((await json('list', 'permissions')).some((p: { user: string; vhost: string }) => p.user === 'ops' && p.vhost === 'staging'));
    await admin('--vhost', 'staging', 'declare', 'queue', 'name=staged');
    assert.deepEqual(await json('--vhost', 'staging', 'list', 'queues', 'name'), [{ name: 'staged' }]);
  });

  test('export and import definitions', LIMIT, async () => {
    const file = join(dir, 'definitions.json');
    assert.match(await admin('export', file), /Exported definitions/);
    const d = JSON.parse(readFileSync(file, 'utf8'));
    assert.ok(d.queues.some((q: { name: string }) => q.name === 'orders'));
    assert.ok(d.bindings.some((b: { routing_key: string }) => b.routing_key === 'order.*'));
    const other = await startHttpBroker();
    try {
      const saved = broker;
      broker = other;
      try {
        assert.match(await admin('import', file), /Uploaded definitions/);
        // Listed by vhost, then name.
        assert.deepEqual((await json('list', 'queues', 'vhost', 'name')).map((q: { name: string }) => q.name), ['orders', 'typed', 'staged']);
        assert.ok((await json('list', 'users', 'name')).some((u: { name: string }) => u.name === 'ops'));
      } finally {
        broker = saved;
      }
    } finally {
      await other.close();
    }
  });

  test('purge, close a connection, delete what was declared', LIMIT, async () => {
    await admin('purge', 'queue', 'name=orders');
    assert.deepEqual(await json('--vhost', '/', 'list', 'queues', 'name', 'messages'), [{ name: 'orders', messages: 0 }, { name: 'typed', messages: 0 }]);
    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}`, { clientProperties: { connection_name: 'to-close' } });
    const closed = new Promise<void>((resolve) => conn.on('close', () => resolve()));
    conn.on('error', () => {});
    const [c] = await json('list', 'connections', 'name');
    await admin('close', 'connection', `name=${c.name}`);
    await closed;
    const [b] = (await json('list', 'bindings')).filter((x: { source: string }) => x.source === 'events');
    await admin('delete', 'binding', 'source=events', 'destination_type=queue', 'destination=orders', `properties_key=${b.properties_key}`);
    assert.equal((await json('list', 'bindings')).filter((x: { source: string }) => x.source === 'events').length, 0);
    await admin('delete', 'queue', 'name=orders');
    await admin('delete', 'queue', 'name=typed');
    await admin('delete', 'exchange', 'name=events');
    await admin('delete', 'user', 'name=ops');
    await admin('delete', 'vhost', 'name=staging');
    assert.deepEqual(await json('list', 'queues'), []);
    await assert.rejects(admin('delete', 'queue', 'name=orders'), /Not found/);
  });
});
