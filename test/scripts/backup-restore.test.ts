// scripts/backup.sh and scripts/restore.sh, as docs/operations.md tells an operator to use them, on a
// real `warren` process: definitions exported hot through the API; the data directory copied only
// while no process holds it; restored into a new data directory from which Warren starts with the
// same topology, users, policies and persistent messages; definitions imported into a fresh node.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker, type RunningBroker } from '../../src/index.js';
import { freePort, startChildBroker, type ChildBroker } from '../support/child-broker.js';
import { closeQuietly, connect, urlWithCredentials } from '../support/clients.js';
import { runProcess, type RunOutcome } from '../support/run-process.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const work = mkdtempSync(join(tmpdir(), 'warren-backup-'));
const dataDir = join(work, 'data');
const children: ChildBroker[] = [];
let httpPort: number;

function script(name: 'backup.sh' | 'restore.sh', args: string[]): Promise<RunOutcome> {
  return runProcess('bash', [join(repo, 'scripts', name), ...args], { env: { ...process.env, WARREN_API_CREDENTIALS: 'guest:guest' }, cwd: work, timeoutMs: 60_000 });
}

async function http(port: number, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

async function startWarren(dir: string): Promise<{ broker: ChildBroker; http: number }> {
  const port = await freePort();
  const broker = await startChildBroker(dir, undefined, ['--http-port', String(port)]);
  children.push(broker);
  for (let i = 0; i < 100 && (await fetch(`http://127.0.0.1:${port}/api/overview`).then(() => true, () => false)) === false; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  return { broker, http: port };
}

/** Drains a queue with basic.get and returns the bodies. */
async function drain(url: string, queue: string): Promise<string[]> {
  const conn = await connect(url);
  try {
    const ch = await conn.createChannel();
    const bodies: string[] = [];
    for (let m = await ch.get(queue, { noAck: true }); m; m = await ch.get(queue, { noAck: true })) bodies.push(m.content.toString());
    return bodies;
  } finally {
    await closeQuietly(conn);
  }
}

let running: ChildBroker;
const persistent = Array.from({ length: 20 }, (_, i) => `order-${i + 1}`);

before(async () => {
  ({ broker: running, http: httpPort } = await startWarren(dataDir));
  const conn = await connect(running.url);
  const ch = await conn.createConfirmChannel();
  await ch.assertExchange('backup.orders', 'topic', { durable: true });
  await ch.assertQueue('backup.orders.eu', { durable: true, arguments: { 'x-max-length': 1000 } });
  await ch.bindQueue('backup.orders.eu', 'backup.orders', 'order.*.eu');
  for (const body of persistent) ch.publish('backup.orders', 'order.created.eu', Buffer.from(body), { persistent: true });
  ch.publish('backup.orders', 'order.created.eu', Buffer.from('transient'), { persistent: false });
  await ch.waitForConfirms();
  await closeQuietly(conn);
  assert.equal((await http(httpPort, 'PUT', '/api/users/backup-user', { password: 'b4ckup', tags: 'monitoring' })).status, 201);
  assert.equal((await http(httpPort, 'PUT', '/api/permissions/%2F/backup-user', { configure: '', write: '', read: '^backup\\.' })).status, 201);
  assert.equal((await http(httpPort, 'PUT', '/api/policies/%2F/backup-limit', { pattern: '^backup\\.', definition: { 'max-length-bytes': 1048576 }, 'apply-to': 'queues' })).status, 201);
});

after(async () => {
  for (const c of children) if (c.process.exitCode === null) await c.kill();
  rmSync(work, { recursive: true, force: true });
});

test('while Warren runs, backup.sh exports the definitions but refuses to copy the live data directory (exit 3)', async () => {
  const out = await script('backup.sh', ['-a', `http://127.0.0.1:${httpPort}`, '-d', dataDir, 'hot']);
  assert.equal(out.code, 3, out.stderr);
  assert.match(out.stderr, new RegExp(`in use by pid ${running.process.pid}`));
  assert.equal(existsSync(join(work, 'hot/data.tar.gz')), false);
  const defs = JSON.parse(readFileSync(join(work, 'hot/definitions.json'), 'utf8'));
  assert.ok(defs.queues.some((q: any) => q.name === 'backup.orders.eu' && q.arguments['x-max-length'] === 1000));
  assert.ok(defs.users.some((u: any) => u.name === 'backup-user'));
  assert.ok(defs.policies.some((p: any) => p.name === 'backup-limit'));

  const only = await script('backup.sh', ['-a', `http://127.0.0.1:${httpPort}`, '-d', dataDir, '--definitions-only', 'hot-defs']);
  assert.equal(only.code, 0, only.stderr);
  assert.match(readFileSync(join(work, 'hot-defs/MANIFEST'), 'utf8'), /definitions\.json {2}from http:\/\/127\.0\.0\.1:\d+ {2}sha256 [0-9a-f]{64}/);
});

test('with Warren stopped, backup.sh archives the data directory; restore.sh unpacks it and Warren starts with everything', async () => {
  assert.equal(await running.stop(), 0);
  const out = await script('backup.sh', ['-a', `http://127.0.0.1:${httpPort}`, '-d', dataDir, 'cold']);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stderr, /definitions not exported/); // the API is down with the broker
  assert.match(readFileSync(join(work, 'cold/MANIFEST'), 'utf8'), /data\.tar\.gz .* format-version 1 {2}sha256 [0-9a-f]{64}/);

  const restored = join(work, 'restored');
  const r = await script('restore.sh', ['-d', restored, 'cold']);
  assert.equal(r.code, 0, r.stderr);
  const { broker, http: port } = await startWarren(restored);
  // Persistent messages come back in order; the transient one was never on disk.
  assert.deepEqual(await drain(broker.url, 'backup.orders.eu'), persistent);
  // The user logs in with its password and has its permissions; the policy is there.
  const asUser = await connect(urlWithCredentials(broker.url, 'backup-user', 'b4ckup'));
  await (await asUser.createChannel()).checkQueue('backup.orders.eu');
  await closeQuietly(asUser);
  assert.equal((await http(port, 'GET', '/api/policies/%2F/backup-limit')).body.definition['max-length-bytes'], 1048576);
  const bindings = (await http(port, 'GET', '/api/queues/%2F/backup.orders.eu/bindings')).body;
  assert.ok(bindings.some((b: any) => b.source === 'backup.orders' && b.routing_key === 'order.*.eu'));

  // Restoring over the running node's data directory is refused, and so is a non-empty one.
  assert.equal((await script('restore.sh', ['-d', restored, 'cold'])).code, 3);
  await broker.stop();
  const notEmpty = await script('restore.sh', ['-d', restored, 'cold']);
  assert.equal(notEmpty.code, 3);
  assert.match(notEmpty.stderr, /not empty/);
  const forced = await script('restore.sh', ['-d', restored, '--force', 'cold']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.ok(readdirSync(work).some((f) => f.startsWith('restored.before-restore-')), 'the old data directory was moved aside');
});

test('restore.sh --definitions imports a definitions backup into a running node (topology, users, policies; no messages)', async () => {
  const fresh: RunningBroker = await startBroker({ port: 0, httpPort: 0, host: '127.0.0.1', logLevel: 'error' });
  try {
    const r = await script('restore.sh', ['--definitions', '-a', `http://127.0.0.1:${fresh.httpPort}`, 'hot']);
    assert.equal(r.code, 0, r.stderr);
    const q = (await http(fresh.httpPort!, 'GET', '/api/queues/%2F/backup.orders.eu')).body;
    assert.equal(q.arguments['x-max-length'], 1000);
    assert.equal(q.messages, 0);
    assert.equal((await http(fresh.httpPort!, 'GET', '/api/users/backup-user')).body.tags.join(','), 'monitoring');
    assert.equal((await http(fresh.httpPort!, 'GET', '/api/policies/%2F/backup-limit')).status, 200);
    const asUser = await connect(urlWithCredentials(`amqp://guest:guest@127.0.0.1:${fresh.port}`, 'backup-user', 'b4ckup'));
    await closeQuietly(asUser);
  } finally {
    await fresh.close();
  }
  const missing = await script('restore.sh', ['--definitions', '-a', 'http://127.0.0.1:1', join(work, 'nowhere')]);
  assert.equal(missing.code, 1);
});
