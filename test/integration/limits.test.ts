// Vhost limits (max-connections, max-queues) and user limits (max-connections, max-channels),
// set over the management API and enforced on real AMQP clients. With WARREN_TEST_URL the same
// checks run against RabbitMQ (management API at WARREN_TEST_HTTP, default port 15673), which is
// where the expected texts come from.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as amqplib from 'amqplib';
import { AMQPClient } from '@cloudamqp/amqp-client';
import { expectAmqpError, urlWithCredentials, urlWithVhost } from '../support/clients.js';
import { uniqueName } from '../support/broker.js';
import { startManagedBroker, type ManagedBroker } from '../support/managed-broker.js';

const LIMIT = { timeout: 30_000 };
let target: ManagedBroker;
let amqpUrl: string;
const vhost = uniqueName('limits-vh');
const user = uniqueName('limits-user');
const stranger = uniqueName('limits-stranger');
const open: { close(): Promise<unknown> }[] = [];

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const r = await target.api(method, path, body);
  const text = await r.text();
  return { status: r.status, body: text === '' ? null : JSON.parse(text) };
}

const vh = encodeURIComponent(vhost);
const setVhostLimit = async (name: string, value: number) => assert.equal((await api('PUT', `/api/vhost-limits/${vh}/${name}`, { value })).status, 204);
const clearVhostLimit = async (name: string) => assert.equal((await api('DELETE', `/api/vhost-limits/${vh}/${name}`)).status, 204);
const setUserLimit = async (name: string, value: number) => assert.equal((await api('PUT', `/api/user-limits/${user}/${name}`, { value })).status, 204);
const clearUserLimit = async (name: string) => assert.equal((await api('DELETE', `/api/user-limits/${user}/${name}`)).status, 204);

function urlFor(who: string, password: string, where: string): string {
  return urlWithVhost(urlWithCredentials(amqpUrl, who, password), where);
}

async function connect(url: string): Promise<amqplib.ChannelModel> {
  const c = await amqplib.connect(url);
  c.on('error', () => {});
  open.push(c);
  return c;
}

/** The reply text a refused connection.open carries (amqp-client reports it; amqplib does not). */
async function refusal(url: string): Promise<string> {
  const client = new AMQPClient(url);
  try {
    await client.connect();
  } catch (e) {
    return (e as Error).message;
  }
  await client.close();
  return 'connected';
}

before(async () => {
  target = await startManagedBroker();
  amqpUrl = target.amqpUrl;
  assert.equal((await api('PUT', `/api/vhosts/${vh}`, {})).status, 201);
  for (const [name, perms] of [[user, true], [stranger, false]] as const) {
    assert.equal((await api('PUT', `/api/users/${name}`, { password: 'pw', tags: '' })).status, 201);
    if (perms) await api('PUT', `/api/permissions/${vh}/${name}`, { configure: '.*', write: '.*', read: '.*' });
  }
  await api('PUT', `/api/permissions/${vh}/guest`, { configure: '.*', write: '.*', read: '.*' });
}, LIMIT);

after(async () => {
  for (const c of open) await c.close().catch(() => {});
  await api('DELETE', `/api/vhosts/${vh}`);
  await api('DELETE', `/api/users/${user}`);
  await api('DELETE', `/api/users/${stranger}`);
  await target.close();
});

describe('vhost max-connections', () => {
  test('a connection over the limit is refused with 530 and RabbitMQ\'s text; closing one makes room', LIMIT, async () => {
    await setVhostLimit('max-connections', 1);
    const first = await connect(urlFor(user, 'pw', vhost));
    assert.equal(
      await refusal(urlFor(user, 'pw', vhost)),
      `connection closed: NOT_ALLOWED - access to vhost '${vhost}' refused for user '${user}': connection limit (1) is reached (530)`,
    );
    // The limit is checked before access: a user without permissions learns of the limit.
    assert.equal(
      await refusal(urlFor(stranger, 'pw', vhost)),
      `connection closed: NOT_ALLOWED - access to vhost '${vhost}' refused for user '${stranger}': connection limit (1) is reached (530)`,
    );
    // Other vhosts are not affected.
    const elsewhere = await connect(amqpUrl);
    await elsewhere.close();
    await first.close();
    const again = await connect(urlFor(user, 'pw', vhost));
    await again.close();
    await clearVhostLimit('max-connections');
  });

  test('0 allows no connection; a negative value means no limit', LIMIT, async () => {
    await setVhostLimit('max-connections', 0);
    assert.equal(
      await refusal(urlFor('guest', 'guest', vhost)),
      `connection closed: NOT_ALLOWED - access to vhost '${vhost}' refused for user 'guest': connection limit (0) is reached (530)`,
    );
    await setVhostLimit('max-connections', -1);
    const a = await connect(urlFor('guest', 'guest', vhost));
    const b = await connect(urlFor('guest', 'guest', vhost));
    await a.close();
    await b.close();
    await clearVhostLimit('max-connections');
  });
});

describe('vhost max-queues', () => {
  test('declaring a queue over the limit fails with 406; redeclaring an existing one does not', LIMIT, async () => {
    await setVhostLimit('max-queues', 2);
    const conn = await connect(urlFor('guest', 'guest', vhost));
    const ch = await conn.createChannel();
    await ch.assertQueue('lq1', { durable: false });
    await ch.assertQueue('lq2', { durable: false });
    await ch.assertQueue('lq2', { durable: false });
    await ch.checkQueue('lq1');
    ch.on('error', () => {});
    await expectAmqpError(ch.assertQueue('lq3', { durable: false }), 406,
      `PRECONDITION_FAILED - cannot declare queue 'lq3': queue limit in vhost '${vhost}' (2) is reached`);
    // Over HTTP the same refusal is a 400 with the text without its code name.
    const put = await api('PUT', `/api/queues/${vh}/lq4`, { durable: true });
    assert.equal(put.status, 400);
    assert.deepEqual(put.body, { error: 'bad_request', reason: `cannot declare queue 'lq4': queue limit in vhost '${vhost}' (2) is reached` });
    // Deleting a queue makes room again.
    const ch2 = await conn.createChannel();
    await ch2.deleteQueue('lq1');
    await ch2.assertQueue('lq3', { durable: false });
    await ch2.deleteQueue('lq2');
    await ch2.deleteQueue('lq3');
    await conn.close();
    await clearVhostLimit('max-queues');
  });
});

describe('user limits', () => {
  test('max-connections counts the user\'s connections in every vhost', LIMIT, async () => {
    await api('PUT', `/api/permissions/%2F/${user}`, { configure: '.*', write: '.*', read: '.*' });
    await setUserLimit('max-connections', 1);
    const first = await connect(urlFor(user, 'pw', '/'));
    assert.equal(
      await refusal(urlFor(user, 'pw', vhost)),
      `connection closed: NOT_ALLOWED - connection refused for user '${user}': user connection limit (1) is reached (530)`,
    );
    // Another user is not limited.
    const guest = await connect(urlFor('guest', 'guest', vhost));
    await guest.close();
    await first.close();
    const again = await connect(urlFor(user, 'pw', vhost));
    await again.close();
    await clearUserLimit('max-connections');
  });

  test('max-channels: opening one channel too many closes the connection with 530', LIMIT, async () => {
    await setUserLimit('max-channels', 2);
    const client = new AMQPClient(urlFor(user, 'pw', vhost));
    const conn = await client.connect();
    await conn.channel();
    await conn.channel();
    await assert.rejects(conn.channel(), (e: Error) => {
      assert.equal(e.message, `connection closed: NOT_ALLOWED - number of channels opened for user '${user}' has reached the maximum allowed user limit of (2) (530)`);
      return true;
    });
    assert.equal(conn.closed, true);
    // Closed channels no longer count.
    const other = await connect(urlFor(user, 'pw', vhost));
    const c1 = await other.createChannel();
    await c1.close();
    await other.createChannel();
    await other.createChannel();
    await other.close();
    await clearUserLimit('max-channels');
  });
});
