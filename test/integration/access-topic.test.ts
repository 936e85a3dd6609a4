// Topic permissions (rabbitmqctl set_topic_permissions): routing keys of publishes and binding
// keys of binds on topic exchanges are matched against per-exchange write/read regexes, with
// {username} and {vhost} expanded. Texts checked against RabbitMQ 3.10.8.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChannelModel } from 'amqplib';
import { uniqueName } from '../support/broker.js';
import { connectAs, outcome, startAccessBroker, type AccessBroker } from '../support/access.js';
import { startBroker } from '../../src/index.js';

const LIMIT = { timeout: 30_000 };
const ALL = { configure: '.*', write: '.*', read: '.*' };

let broker: AccessBroker;
let conn: ChannelModel;
const user = uniqueName('acct');
const denied = (key: string, exchange: string) => `ACCESS_REFUSED - access to topic '${key}' in exchange '${exchange}' in vhost '/' refused for user '${user}'`;

before(async () => {
  broker = await startAccessBroker();
  broker.addUser(user, 'pw', ALL);
  broker.setTopicPermission(user, 'amq.topic', '^w\\.{username}\\.', '^r\\.{vhost}\\.');
  // Topic permissions on a non-topic exchange are ignored.
  broker.setTopicPermission(user, 'amq.direct', '^nothing$', '^nothing$');
  conn = await connectAs(broker.url(user, 'pw'));
}, LIMIT);

after(async () => {
  await conn.close().catch(() => {});
  await broker.close();
}, LIMIT);

const publish = (exchange: string, key: string) => outcome(conn, async (ch) => ch.publish(exchange, key, Buffer.from('m')));
const bind = (exchange: string, key: string) => outcome(conn, async (ch) => {
  const q = await ch.assertQueue('', { exclusive: true });
  await ch.bindQueue(q.queue, exchange, key);
});

test('publish to a topic exchange checks write against the routing key, with {username} expanded', LIMIT, async () => {
  assert.equal(await publish('amq.topic', `w.${user}.x`), null);
  assert.equal(await publish('amq.topic', 'w.alice.x'), denied('w.alice.x', 'amq.topic'));
  assert.equal(await publish('amq.topic', ''), denied('', 'amq.topic'));
});

test('binding to a topic exchange checks read against the binding key, with {vhost} expanded', LIMIT, async () => {
  assert.equal(await bind('amq.topic', 'r./.#'), null);
  assert.equal(await bind('amq.topic', `w.${user}.x`), denied(`w.${user}.x`, 'amq.topic'));
  assert.equal(await outcome(conn, (ch) => ch.unbindQueue('nonexistent-is-fine-here', 'amq.topic', 'zzz')), denied('zzz', 'amq.topic'));
  // exchange.bind: the source's topic permission applies, not the destination's.
  assert.equal(await outcome(conn, (ch) => ch.bindExchange('amq.fanout', 'amq.topic', 'zzz')), denied('zzz', 'amq.topic'));
  assert.equal(await outcome(conn, (ch) => ch.bindExchange('amq.topic', 'amq.fanout', 'zzz')), null);
});

test('exchanges without a topic permission, and non-topic exchanges, are not restricted', LIMIT, async () => {
  assert.equal(await publish('amq.direct', 'anything'), null);
  assert.equal(await publish('amq.fanout', 'anything'), null);
  assert.equal(await bind('amq.direct', 'anything'), null);
  const other = uniqueName('acct.topic');
  assert.equal(await outcome(conn, (ch) => ch.assertExchange(other, 'topic', { durable: false, autoDelete: true })), null);
  assert.equal(await publish(other, 'anything'), null);
  assert.equal(await outcome(conn, (ch) => ch.deleteExchange(other)), null);
});

test('an empty topic pattern allows only the empty routing key', LIMIT, async () => {
  const u2 = uniqueName('acct-empty');
  broker.addUser(u2, 'pw', ALL);
  broker.setTopicPermission(u2, 'amq.topic', '', '');
  const c2 = await connectAs(broker.url(u2, 'pw'));
  try {
    assert.equal(await outcome(c2, async (ch) => ch.publish('amq.topic', '', Buffer.from('m'))), null);
    assert.equal(await outcome(c2, async (ch) => ch.publish('amq.topic', 'a', Buffer.from('m'))),
      `ACCESS_REFUSED - access to topic 'a' in exchange 'amq.topic' in vhost '/' refused for user '${u2}'`);
  } finally {
    await c2.close().catch(() => {});
  }
});

test('topic permissions survive a restart of a broker with a data directory', { ...LIMIT, skip: process.env.WARREN_TEST_URL ? 'Warren-only: restarts an in-process broker' : false }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warren-topic-perm-'));
  try {
    const first = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'error', dataDir: dir });
    first.users.addUser('tp', 'pw');
    first.users.setPermissions('tp', '/', ALL);
    first.users.setTopicPermission('tp', '/', 'amq.topic', { write: '^a', read: '^b' });
    first.users.setTopicPermission('tp', '/', 'gone', { write: 'x', read: 'x' });
    first.users.clearTopicPermissions('tp', '/', 'gone');
    await first.close();
    const second = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'error', dataDir: dir });
    try {
      assert.deepEqual(second.users.topicPermission('tp', '/', 'amq.topic'), { write: '^a', read: '^b' });
      assert.equal(second.users.topicPermission('tp', '/', 'gone'), undefined);
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
