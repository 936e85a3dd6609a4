// warrenctl against an in-process Warren: each verb's output (rabbitmqctl 3.10.8's banners,
// tab-separated columns and JSON layout, recorded from `rabbitmqctl -n ref5673@localhost`), what
// it changes on the node (checked through AMQP or the HTTP API), and its exit codes.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import type { RunningBroker } from '../../src/index.js';
import { api, startHttpBroker, type ApiResponse } from '../http/support.js';
import { ctlFor, lines, runCtl } from './ctl-support.js';

const LIMIT = { timeout: 30_000 };
let broker: RunningBroker;
let call: (method: string, path: string, body?: unknown) => Promise<ApiResponse>;
let ctl: ReturnType<typeof ctlFor>;
let amqpUrl: string;
const tmp = mkdtempSync(join(tmpdir(), 'warrenctl-'));
/** The broker's node name, which warrenctl also shows for a node on localhost. */
const node = `warren@${hostname()}`;

before(async () => {
  broker = await startHttpBroker();
  call = api(broker);
  ctl = ctlFor(broker.httpPort, '--host', '127.0.0.1');
  amqpUrl = `amqp://guest:guest@127.0.0.1:${broker.port}`;
}, LIMIT);
after(() => broker.close());

/** A vhost of its own for a test, with guest allowed in. */
async function vhost(name: string): Promise<string> {
  assert.equal((await call('PUT', `/api/vhosts/${name}`)).status, 201);
  return name;
}

describe('users', () => {
  test('add_user, authenticate_user, set_user_tags, list_users, change_password, delete_user', async () => {
    const add = await ctl('add_user', 'ctl-alice', 'pass1');
    assert.equal(add.code, 0);
    assert.equal(add.stdout, 'Adding user "ctl-alice" ...\nDone. Don\'t forget to grant the user permissions to some virtual hosts! See \'warrenctl help set_permissions\' to learn more.\n');

    const again = await ctl('add_user', 'ctl-alice', 'pass1');
    assert.equal(again.code, 70);
    assert.equal(again.stderr, 'Error:\nUser "ctl-alice" already exists\n');

    const ok = await ctl('authenticate_user', 'ctl-alice', 'pass1');
    assert.equal(ok.code, 0);
    assert.equal(ok.stdout, 'Authenticating user "ctl-alice" ...\nSuccess\n');
    const bad = await ctl('authenticate_user', 'ctl-alice', 'wrong');
    assert.equal(bad.code, 65);
    assert.equal(bad.stderr, 'Error:\nError: failed to authenticate user "ctl-alice"\nuser \'ctl-alice\' - invalid credentials\n');

    const tags = await ctl('set_user_tags', 'ctl-alice', 'management', 'policymaker');
    assert.equal(tags.code, 0);
    assert.equal(tags.stdout, 'Setting tags for user "ctl-alice" to [management, policymaker] ...\n');
    const list = await ctl('list_users');
    assert.equal(list.code, 0);
    assert.deepEqual(lines(list.stdout).slice(0, 2), ['Listing users ...', 'user\ttags']);
    assert.ok(lines(list.stdout).includes('ctl-alice\t[management, policymaker]'));
    assert.ok(lines(list.stdout).includes('guest\t[administrator]'));
    // Tagging kept the password.
    assert.equal((await ctl('authenticate_user', 'ctl-alice', 'pass1')).code, 0);
    const json = JSON.parse((await ctl('list_users', '--formatter', 'json')).stdout);
    assert.deepEqual(json.find((u: { user: string }) => u.user === 'ctl-alice'), { user: 'ctl-alice', tags: ['management', 'policymaker'] });

    const change = await ctl('change_password', 'ctl-alice', 'pass2');
    assert.equal(change.code, 0);
    assert.equal(change.stdout, 'Changing password for user "ctl-alice" ...\n');
    assert.equal((await ctl('authenticate_user', 'ctl-alice', 'pass1')).code, 65);
    assert.equal((await ctl('authenticate_user', 'ctl-alice', 'pass2')).code, 0);
    // The tags survived the password change.
    assert.deepEqual((await call('GET', '/api/users/ctl-alice')).body.tags, ['management', 'policymaker']);

    const del = await ctl('delete_user', 'ctl-alice');
    assert.equal(del.code, 0);
    assert.equal(del.stdout, 'Deleting user "ctl-alice" ...\n');
    const gone = await ctl('delete_user', 'ctl-alice');
    assert.equal(gone.code, 67);
    assert.equal(gone.stderr, 'Error:\nUser "ctl-alice" does not exist\n');
    assert.equal((await ctl('set_user_tags', 'ctl-alice', 'x')).code, 67);
    assert.equal((await ctl('change_password', 'ctl-alice', 'x')).code, 67);
  });

  test('add_user reads the password from standard input when it is not given', async () => {
    const r = await runCtl(['--host', '127.0.0.1', '--port', String(broker.httpPort), 'add_user', 'ctl-stdin'], { stdin: 's3cret\n' });
    assert.equal(r.code, 0);
    assert.equal((await ctl('authenticate_user', 'ctl-stdin', 's3cret')).code, 0);
    const none = await runCtl(['--host', '127.0.0.1', '--port', String(broker.httpPort), 'add_user', 'ctl-nopass'], { stdin: '' });
    assert.equal(none.code, 65);
    assert.match(none.stderr, /Password is not provided via argument or stdin/);
  });

  test('a user without a management tag still authenticates; wrong CLI credentials exit 69', async () => {
    assert.equal((await ctl('add_user', 'ctl-plain', 'pw')).code, 0);
    assert.equal((await ctl('authenticate_user', 'ctl-plain', 'pw')).code, 0);
    const denied = await ctl('--username', 'ctl-plain', '--password', 'pw', 'list_queues');
    assert.equal(denied.code, 77);
    assert.match(denied.stderr, /User 'ctl-plain' may not GET \/api\/queues\/%2F .*Not management user/);
    const wrong = await ctl('--username', 'guest', '--password', 'nope', 'list_vhosts');
    assert.equal(wrong.code, 69);
    assert.match(wrong.stderr, /Failed to authenticate to node warren@.* as user 'guest' \(Login failed\)/);
  });
});

describe('vhosts and permissions', () => {
  test('add_vhost, list_vhosts, set/list/clear permissions, delete_vhost', async () => {
    assert.equal((await ctl('add_user', 'ctl-bob', 'pw')).code, 0);
    const add = await ctl('add_vhost', 'ctl-vh1');
    assert.equal(add.code, 0);
    assert.equal(add.stdout, 'Adding vhost "ctl-vh1" ...\n');
    assert.equal((await ctl('add_vhost', 'ctl-vh1')).code, 0, 'adding an existing vhost succeeds, as in RabbitMQ');
    const vhosts = await ctl('list_vhosts', 'name', 'tracing');
    assert.deepEqual(lines(vhosts.stdout).slice(0, 2), ['Listing vhosts ...', 'name\ttracing']);
    assert.ok(lines(vhosts.stdout).includes('ctl-vh1\tfalse'));
    assert.ok(JSON.parse((await ctl('list_vhosts', '--formatter', 'json')).stdout).some((v: { name: string }) => v.name === 'ctl-vh1'));

    const set = await ctl('set_permissions', '-p', 'ctl-vh1', 'ctl-bob', '^conf', '^write', '.*');
    assert.equal(set.code, 0);
    assert.equal(set.stdout, 'Setting permissions for user "ctl-bob" in vhost "ctl-vh1" ...\n');
    const perms = await ctl('list_permissions', '-p', 'ctl-vh1');
    assert.deepEqual(lines(perms.stdout).slice(0, 2), ['Listing permissions for vhost "ctl-vh1" ...', 'user\tconfigure\twrite\tread']);
    assert.deepEqual(lines(perms.stdout).slice(2).sort(), ['ctl-bob\t^conf\t^write\t.*', 'guest\t.*\t.*\t.*']);
    assert.deepEqual(JSON.parse((await ctl('list_user_permissions', 'ctl-bob', '--formatter', 'json')).stdout), [
      { vhost: 'ctl-vh1', configure: '^conf', write: '^write', read: '.*' },
    ]);
    const userPerms = await ctl('list_user_permissions', 'ctl-bob');
    assert.equal(userPerms.stdout, 'Listing permissions for user "ctl-bob" ...\nvhost\tconfigure\twrite\tread\nctl-vh1\t^conf\t^write\t.*\n');

    const noVhost = await ctl('set_permissions', '-p', 'ctl-novh', 'ctl-bob', '.*', '.*', '.*');
    assert.equal(noVhost.code, 69);
    assert.equal(noVhost.stderr, 'Error:\nVirtual host ctl-novh does not exist\n');
    const noUser = await ctl('set_permissions', '-p', 'ctl-vh1', 'ctl-nobody', '.*', '.*', '.*');
    assert.equal(noUser.code, 67);
    assert.equal(noUser.stderr, 'Error:\nUser ctl-nobody does not exist\n');
    const missingVhost = await ctl('list_permissions', '-p', 'ctl-novh');
    assert.equal(missingVhost.code, 65);
    assert.equal(missingVhost.stderr, "Virtual host 'ctl-novh' does not exist\n");
    assert.equal((await ctl('list_user_permissions', 'ctl-nobody')).code, 69);

    const clear = await ctl('clear_permissions', '-p', 'ctl-vh1', 'ctl-bob');
    assert.equal(clear.code, 0);
    assert.equal(clear.stdout, 'Clearing permissions for user "ctl-bob" in vhost "ctl-vh1" ...\n');
    assert.equal((await call('GET', '/api/permissions/ctl-vh1/ctl-bob')).status, 404);
    assert.equal((await ctl('clear_permissions', '-p', 'ctl-vh1', 'ctl-bob')).code, 0, 'clearing again succeeds, as in RabbitMQ');
    assert.equal((await ctl('clear_permissions', '-p', 'ctl-vh1', 'ctl-nobody')).code, 67);

    const del = await ctl('delete_vhost', 'ctl-vh1');
    assert.equal(del.code, 0);
    assert.equal(del.stdout, 'Deleting vhost "ctl-vh1" ...\n');
    const again = await ctl('delete_vhost', 'ctl-vh1');
    assert.equal(again.code, 65);
    assert.equal(again.stderr, "Virtual host 'ctl-vh1' does not exist\n");
  });
});

describe('queues, exchanges, bindings', () => {
  let conn: amqp.ChannelModel;
  const vh = 'ctl-q';
  before(async () => {
    await vhost(vh);
    conn = await amqp.connect(`${amqpUrl}/${vh}`);
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue('q-a', { durable: true, arguments: { 'x-max-priority': 5, 'x-message-ttl': 60000 } });
    await ch.assertQueue('q-b', { durable: false });
    await ch.assertQueue('q-quorum', { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await ch.assertExchange('x-topic', 'topic', { durable: true, arguments: { 'alternate-exchange': 'amq.fanout' } });
    await ch.bindQueue('q-a', 'x-topic', 'a.#', { k: 'v', n: 3 });
    await ch.bindExchange('amq.direct', 'x-topic', 'b');
    for (let i = 0; i < 3; i++) ch.sendToQueue('q-b', Buffer.from(`m${i}`));
    ch.publish('x-topic', 'a.b', Buffer.from('routed'));
    await ch.waitForConfirms();
    await ch.close();
  }, LIMIT);
  after(() => conn.close());

  test('list_queues: banner, default columns name and messages, rabbitmqctl layout', async () => {
    const r = await ctl('list_queues', '-p', vh);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `Timeout: 60.0 seconds ...\nListing queues for vhost ${vh} ...\nname\tmessages\nq-a\t1\nq-b\t3\nq-quorum\t0\n`);
  });

  test('list_queues with columns: arguments as Erlang terms, booleans, empty policy', async () => {
    const r = await ctl('list_queues', '-p', vh, 'name', 'messages_ready', 'messages_unacknowledged', 'consumers', 'durable', 'auto_delete', 'arguments', 'policy', 'state', 'type', 'leader', 'members');
    assert.equal(r.code, 0);
    assert.deepEqual(lines(r.stdout).slice(2), [
      'name\tmessages_ready\tmessages_unacknowledged\tconsumers\tdurable\tauto_delete\targuments\tpolicy\tstate\ttype\tleader\tmembers',
      'q-a\t1\t0\t0\ttrue\tfalse\t[{"x-max-priority",5},{"x-message-ttl",60000}]\t\trunning\tclassic\t\t',
      'q-b\t3\t0\t0\tfalse\tfalse\t[]\t\trunning\tclassic\t\t',
      `q-quorum\t0\t0\t0\ttrue\tfalse\t[{"x-queue-type","quorum"}]\t\trunning\tquorum\t${node}\t[${node}]`,
    ]);
    // Commas separate columns too, as in rabbitmqctl.
    const commas = await ctl('list_queues', '-p', vh, '-q', 'name,durable');
    assert.equal(commas.stdout, 'name\tdurable\nq-a\ttrue\nq-b\tfalse\nq-quorum\ttrue\n');
  });

  test('list_queues --formatter json: one object per row, arguments as [name, type, value]', async () => {
    const r = await ctl('list_queues', '-p', vh, 'name', 'messages', 'durable', 'arguments', '--formatter', 'json');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^\[\n\{"name":"q-a".*\}\n,\{"name":"q-b".*\}\n,\{"name":"q-quorum".*\}\n\]\n$/);
    assert.deepEqual(JSON.parse(r.stdout), [
      { name: 'q-a', messages: 1, durable: true, arguments: [['x-max-priority', 'long', 5], ['x-message-ttl', 'long', 60000]] },
      { name: 'q-b', messages: 3, durable: false, arguments: [] },
      { name: 'q-quorum', messages: 0, durable: true, arguments: [['x-queue-type', 'longstr', 'quorum']] },
    ]);
    const empty = await ctl('list_queues', '-p', 'ctl-no-such-vhost', '--formatter', 'json');
    assert.equal(empty.code, 0, 'a missing vhost lists no queues, as rabbitmqctl');
    assert.equal(empty.stdout, '[\n]\n');
  });

  test('-q drops the banner, -s and --no-table-headers the header too; pretty_table and csv', async () => {
    assert.equal((await ctl('list_queues', '-p', vh, '-q')).stdout, 'name\tmessages\nq-a\t1\nq-b\t3\nq-quorum\t0\n');
    assert.equal((await ctl('list_queues', '-p', vh, '-s')).stdout, 'q-a\t1\nq-b\t3\nq-quorum\t0\n');
    assert.equal((await ctl('list_queues', '-p', vh, '--no-table-headers')).stdout,
      `Timeout: 60.0 seconds ...\nListing queues for vhost ${vh} ...\nq-a\t1\nq-b\t3\nq-quorum\t0\n`);
    const pretty = await ctl('list_queues', '-p', vh, '-q', '--formatter', 'pretty_table');
    const box = (s: string) => `\x1b(0${s}\x1b(B`;
    assert.deepEqual(lines(pretty.stdout).slice(0, 3), [
      box('lqqqqqqqqqqwqqqqqqqqqqk'),
      `${box('x')} name     ${box('x')} messages ${box('x')}`,
      box('tqqqqqqqqqqnqqqqqqqqqqu'),
    ]);
    assert.equal((await ctl('list_queues', '-p', vh, '-q', '--formatter', 'csv')).stdout, '"name","messages"\n"q-a","1"\n"q-b","3"\n"q-quorum","0"\n');
    const empty = await ctl('list_queues', '-p', 'ctl-no-such-vhost');
    assert.equal(empty.stdout, 'Timeout: 60.0 seconds ...\nListing queues for vhost ctl-no-such-vhost ...\n', 'no header row for an empty listing');
  });

  test('list_exchanges and list_bindings', async () => {
    const ex = await ctl('list_exchanges', '-p', vh, 'name', 'type', 'durable', 'auto_delete', 'internal', 'arguments', 'policy');
    assert.equal(ex.code, 0);
    assert.deepEqual(lines(ex.stdout).slice(0, 2), [`Listing exchanges for vhost ${vh} ...`, 'name\ttype\tdurable\tauto_delete\tinternal\targuments\tpolicy']);
    assert.ok(lines(ex.stdout).includes('x-topic\ttopic\ttrue\tfalse\tfalse\t[{"alternate-exchange","amq.fanout"}]\t'));
    assert.ok(lines(ex.stdout).includes('amq.rabbitmq.trace\ttopic\ttrue\tfalse\ttrue\t[]\t'));
    assert.ok(lines(ex.stdout).includes('\tdirect\ttrue\tfalse\tfalse\t[]\t'), 'the default exchange, named ""');
    const defaults = await ctl('list_exchanges', '-p', vh, '-s');
    assert.ok(lines(defaults.stdout).includes('x-topic\ttopic'));

    const b = await ctl('list_bindings', '-p', vh);
    assert.equal(b.code, 0);
    assert.equal(b.stdout, [
      `Listing bindings for vhost ${vh}...`,
      'source_name\tsource_kind\tdestination_name\tdestination_kind\trouting_key\targuments',
      '\texchange\tq-a\tqueue\tq-a\t[]',
      '\texchange\tq-b\tqueue\tq-b\t[]',
      '\texchange\tq-quorum\tqueue\tq-quorum\t[]',
      'x-topic\texchange\tamq.direct\texchange\tb\t[]',
      'x-topic\texchange\tq-a\tqueue\ta.#\t[{"k","v"},{"n",3}]',
    ].join('\n') + '\n');
    const json = JSON.parse((await ctl('list_bindings', '-p', vh, '--formatter', 'json')).stdout);
    assert.deepEqual(json[4], {
      source_name: 'x-topic', source_kind: 'exchange', destination_name: 'q-a', destination_kind: 'queue', routing_key: 'a.#', arguments: [['k', 'longstr', 'v'], ['n', 'long', 3]],
    });
  });

  test('purge_queue and delete_queue (with --if-empty), and their errors', async () => {
    const ch = await conn.createChannel();
    await ch.assertQueue('q-del', { durable: false });
    ch.sendToQueue('q-del', Buffer.from('x'));
    ch.sendToQueue('q-del', Buffer.from('y'));
    await ch.checkQueue('q-del');
    await ch.close();
    await waitFor(async () => (await call('GET', `/api/queues/${vh}/q-del`)).body.messages_ready === 2);

    const notEmpty = await ctl('delete_queue', '-p', vh, 'q-del', '--if-empty');
    assert.equal(notEmpty.code, 64);
    assert.equal(notEmpty.stdout, `Deleting queue 'q-del' on vhost '${vh}' if queue is empty ...\n`);
    assert.equal(notEmpty.stderr, 'Error:\nQueue is not empty\n');

    const purge = await ctl('purge_queue', '-p', vh, 'q-del');
    assert.equal(purge.code, 0);
    assert.equal(purge.stdout, `Purging queue 'q-del' in vhost '${vh}' ...\n`);
    assert.equal((await call('GET', `/api/queues/${vh}/q-del`)).body.messages_ready, 0);
    const purgeMissing = await ctl('purge_queue', '-p', vh, 'q-none');
    assert.equal(purgeMissing.code, 69);
    assert.match(purgeMissing.stderr, /^Error:\nQueue 'q-none' in vhost 'ctl-q' not found\n$/);

    const del = await ctl('delete_queue', '-p', vh, 'q-del');
    assert.equal(del.code, 0);
    assert.equal(del.stdout, `Deleting queue 'q-del' on vhost '${vh}' ...\nQueue was successfully deleted with 0 ready messages\n`);
    assert.equal((await call('GET', `/api/queues/${vh}/q-del`)).status, 404);
    const delMissing = await ctl('delete_queue', '-p', vh, 'q-del');
    assert.equal(delMissing.code, 64);
    assert.equal(delMissing.stderr, 'Error:\nQueue not found\n');

    const json = await ctl('delete_queue', '-p', vh, 'q-b', '--formatter', 'json');
    assert.equal(json.code, 0);
    assert.deepEqual(JSON.parse(json.stdout), { message: 'Queue was successfully deleted with 3 ready messages' });
  });
});

describe('connections, channels, consumers', () => {
  test('list_connections, list_channels, list_consumers, close_connection, close_all_connections', async () => {
    const vh = await vhost('ctl-conns');
    const conn = await amqp.connect(`${amqpUrl}/${vh}`, { clientProperties: { connection_name: 'ctl-conn' } });
    let closedWith = '';
    conn.on('error', (e: Error) => (closedWith += e.message));
    conn.on('close', (e?: Error) => (closedWith += e?.message ?? 'closed'));
    const ch = await conn.createChannel();
    await ch.prefetch(7);
    await ch.assertQueue('q-c');
    await ch.consume('q-c', () => {}, { consumerTag: 'ctl-tag' });

    const conns = await ctl('list_connections');
    assert.equal(conns.code, 0);
    assert.deepEqual(lines(conns.stdout).slice(0, 2), ['Listing connections ...', 'user\tpeer_host\tpeer_port\tstate']);
    assert.match(conns.stdout, /\nguest\t127\.0\.0\.1\t\d+\trunning\n/);
    const detail = JSON.parse((await ctl('list_connections', 'name', 'vhost', 'protocol', 'channels', 'client_properties', '--formatter', 'json')).stdout);
    const mine = detail.find((c: { vhost: string }) => c.vhost === vh);
    assert.match(mine.name, /^127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+$/);
    assert.deepEqual(mine.protocol, [0, 9, 1]);
    assert.equal(mine.channels, 1);
    assert.deepEqual(mine.client_properties.find((p: unknown[]) => p[0] === 'connection_name'), ['connection_name', 'longstr', 'ctl-conn']);
    assert.ok(mine.client_properties.some((p: unknown[]) => p[0] === 'capabilities' && p[1] === 'table'));
    const proto = await ctl('list_connections', '-s', 'vhost', 'protocol');
    assert.ok(lines(proto.stdout).includes(`${vh}\t{0,9,1}`));

    const chans = await ctl('list_channels', 'connection', 'number', 'vhost', 'consumer_count', 'prefetch_count', 'confirm');
    assert.equal(chans.code, 0);
    assert.ok(lines(chans.stdout).includes(`${mine.name}\t1\t${vh}\t1\t7\tfalse`), chans.stdout);

    const consumers = await ctl('list_consumers', '-p', vh);
    assert.equal(consumers.stdout, `Listing consumers in vhost ${vh} ...\nqueue_name\tchannel_pid\tconsumer_tag\tack_required\tprefetch_count\tactive\targuments\nq-c\t${mine.name} (1)\tctl-tag\ttrue\t7\ttrue\t[]\n`);

    const close = await ctl('close_connection', mine.name, 'ctl says bye');
    assert.equal(close.code, 0);
    assert.equal(close.stdout, `Closing connection ${mine.name}, reason: ctl says bye...\n`);
    await waitFor(async () => closedWith !== '');
    assert.match(closedWith, /CONNECTION_FORCED - ctl says bye/);
    const missing = await ctl('close_connection', mine.name, 'again');
    assert.equal(missing.code, 69);

    const c1 = await amqp.connect(`${amqpUrl}/${vh}`);
    const c2 = await amqp.connect(`${amqpUrl}/${vh}`);
    const other = await amqp.connect(amqpUrl);
    const errors: string[] = [];
    for (const c of [c1, c2, other]) {
      c.on('error', () => {});
      c.on('close', (e?: Error) => errors.push(e?.message ?? 'closed without error'));
    }
    const all = await ctl('close_all_connections', '-p', vh, 'maintenance');
    assert.equal(all.code, 0);
    assert.equal(all.stdout, `Closing all connections in vhost ${vh}, reason: maintenance...\nClosed 2 connections\n`);
    await waitFor(async () => errors.length === 2);
    assert.deepEqual(errors.map((e) => /CONNECTION_FORCED - maintenance/.test(e)), [true, true]);
    // The connection to another vhost is untouched.
    const ch2 = await other.createChannel();
    await ch2.close();
    await other.close();
  });
});

describe('close_all_user_connections', () => {
  test('closes every connection of one user, whatever the vhost, and no other', async () => {
    assert.equal((await ctl('add_user', 'ctl-carol', 'pw')).code, 0);
    assert.equal((await ctl('set_permissions', 'ctl-carol', '.*', '.*', '.*')).code, 0);
    const carol = await amqp.connect(`amqp://ctl-carol:pw@127.0.0.1:${broker.port}`);
    const guest = await amqp.connect(amqpUrl);
    const closed: string[] = [];
    for (const [who, c] of [['carol', carol], ['guest', guest]] as const) {
      c.on('error', () => {});
      c.on('close', (e?: Error) => closed.push(`${who}: ${e?.message ?? ''}`));
    }
    const r = await ctl('close_all_user_connections', 'ctl-carol', 'user removed');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'Closing connections of user ctl-carol, reason: user removed...\n');
    await waitFor(async () => closed.length === 1);
    assert.match(closed[0], /^carol: .*CONNECTION_FORCED - user removed/);
    await (await guest.createChannel()).close();
    await guest.close();
  });
});

describe('policies', () => {
  test('set_policy with --priority and --apply-to, list_policies, clear_policy', async () => {
    const vh = await vhost('ctl-pol');
    const set = await ctl('set_policy', '-p', vh, 'cap', '^q\\.', '{"max-length":10}', '--priority', '3', '--apply-to', 'queues');
    assert.equal(set.code, 0);
    assert.equal(set.stdout, `Setting policy "cap" for pattern "^q\\." to "{"max-length":10}" with priority "3" for vhost "${vh}" ...\n`);
    const list = await ctl('list_policies', '-p', vh);
    assert.equal(list.stdout, `Listing policies for vhost "${vh}" ...\nvhost\tname\tpattern\tapply-to\tdefinition\tpriority\n${vh}\tcap\t^q\\.\tqueues\t{"max-length":10}\t3\n`);
    assert.deepEqual(JSON.parse((await ctl('list_policies', '-p', vh, '--formatter', 'json')).stdout), [
      { vhost: vh, name: 'cap', pattern: '^q\\.', 'apply-to': 'queues', definition: '{"max-length":10}', priority: 3 },
    ]);
    // The policy is in force: a matching queue reports it.
    const conn = await amqp.connect(`${amqpUrl}/${vh}`);
    const ch = await conn.createChannel();
    await ch.assertQueue('q.capped');
    await conn.close();
    const q = await ctl('list_queues', '-p', vh, '-s', 'name', 'policy');
    assert.equal(q.stdout, 'q.capped\tcap\n');

    const badJson = await ctl('set_policy', '-p', vh, 'bad', '^x', '{bad');
    assert.equal(badJson.code, 69);
    assert.match(badJson.stderr, /^Error:\nJSON decoding error\. Reason: /);
    const badKey = await ctl('set_policy', '-p', vh, 'bad', '^x', '{"no-such-key":1}');
    assert.equal(badKey.code, 69);
    assert.match(badKey.stderr, /^Error:\nValidation failed\n\n.*no-such-key/s);

    const clear = await ctl('clear_policy', '-p', vh, 'cap');
    assert.equal(clear.code, 0);
    assert.equal(clear.stdout, `Clearing policy "cap" on vhost "${vh}" ...\n`);
    const again = await ctl('clear_policy', '-p', vh, 'cap');
    assert.equal(again.code, 69);
    assert.equal(again.stderr, 'Error:\nParameter does not exist\n');
  });
});

describe('runtime parameters', () => {
  test('set_parameter, list_parameters (values as JSON text), clear_parameter', async () => {
    const vh = await vhost('ctl-params');
    const set = await ctl('set_parameter', '-p', vh, 'federation-upstream', 'up1', '{"uri":"amqp://remote"}');
    assert.equal(set.code, 0);
    assert.equal(set.stdout, `Setting runtime parameter "up1" for component "federation-upstream" to "{"uri":"amqp://remote"}" in vhost "${vh}" ...\n`);
    assert.deepEqual((await call('GET', `/api/parameters/federation-upstream/${vh}/up1`)).body.value, { uri: 'amqp://remote' });
    const list = await ctl('list_parameters', '-p', vh);
    assert.equal(list.stdout, `Listing runtime parameters for vhost "${vh}" ...\ncomponent\tname\tvalue\nfederation-upstream\tup1\t{"uri":"amqp://remote"}\n`);
    assert.deepEqual(JSON.parse((await ctl('list_parameters', '-p', vh, '--formatter', 'json')).stdout), [
      { component: 'federation-upstream', name: 'up1', value: '{"uri":"amqp://remote"}' },
    ]);
    const bad = await ctl('set_parameter', '-p', vh, 'federation-upstream', 'up2', '{nope');
    assert.equal(bad.code, 69);
    assert.match(bad.stderr, /JSON decoding error/);
    const clear = await ctl('clear_parameter', '-p', vh, 'federation-upstream', 'up1');
    assert.equal(clear.code, 0);
    assert.equal(clear.stdout, `Clearing runtime parameter "up1" for component "federation-upstream" on vhost "${vh}" ...\n`);
    const again = await ctl('clear_parameter', '-p', vh, 'federation-upstream', 'up1');
    assert.equal(again.code, 69);
    assert.equal(again.stderr, 'Error:\nParameter does not exist\n');
  });
});

describe('definitions', () => {
  test('export_definitions to a file and to stdout, import_definitions from a file and stdin', async () => {
    const vh = await vhost('ctl-defs');
    const conn = await amqp.connect(`${amqpUrl}/${vh}`);
    const ch = await conn.createChannel();
    await ch.assertQueue('q-exported', { durable: true });
    await conn.close();

    const file = join(tmp, 'defs.json');
    const exp = await ctl('export_definitions', file);
    assert.equal(exp.code, 0);
    assert.equal(exp.stdout, `Exporting definitions in JSON to a file at "${file}" ...\n`);
    const defs = JSON.parse(readFileSync(file, 'utf8'));
    assert.ok(defs.vhosts.some((v: { name: string }) => v.name === vh));
    assert.ok(defs.queues.some((q: { name: string; vhost: string }) => q.name === 'q-exported' && q.vhost === vh));
    const toStdout = await ctl('export_definitions', '-');
    assert.equal(toStdout.code, 0);
    assert.ok(JSON.parse(toStdout.stdout).queues.some((q: { name: string }) => q.name === 'q-exported'));

    const imp = join(tmp, 'import.json');
    writeFileSync(imp, JSON.stringify({ queues: [{ name: 'q-imported', vhost: vh, durable: true, auto_delete: false, arguments: {} }] }));
    const r = await ctl('import_definitions', imp);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `Importing definitions in JSON from a file at "${imp}" ...\nSuccessfully imported definitions.\n`);
    assert.equal((await call('GET', `/api/queues/${vh}/q-imported`)).status, 200);
    const fromStdin = await runCtl(['--host', '127.0.0.1', '--port', String(broker.httpPort), 'import_definitions'], {
      stdin: JSON.stringify({ queues: [{ name: 'q-stdin', vhost: vh, durable: true, auto_delete: false, arguments: {} }] }),
    });
    assert.equal(fromStdin.code, 0);
    assert.equal((await call('GET', `/api/queues/${vh}/q-stdin`)).status, 200);

    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{bad');
    const badRun = await ctl('import_definitions', bad);
    assert.equal(badRun.code, 65);
    assert.match(badRun.stderr, /^Error:\nFailed to deserialise input \(format: JSON\)/);
    const missing = await ctl('import_definitions', join(tmp, 'nope.json'));
    assert.equal(missing.code, 65);
    assert.match(missing.stderr, /File .*nope\.json does not exist/);
    assert.equal((await ctl('export_definitions')).code, 64);
  });
});

describe('node', () => {
  test('status: rabbitmqctl sections; JSON with the same keys', async () => {
    const status = await ctl('status');
    assert.equal(status.code, 0);
    for (const heading of ['Runtime', 'Plugins', 'Data directory', 'Alarms', 'Memory', 'File Descriptors', 'Free Disk Space', 'Totals', 'Listeners']) {
      // Bold, as rabbitmqctl 3.10.8 prints section titles even into a pipe.
      assert.ok(status.stdout.includes(`\n\x1b[1m${heading}\x1b[0m\n\n`), heading);
    }
    assert.match(status.stdout, /^Status of node warren@.* \.\.\.\n\x1b\[1mRuntime\x1b\[0m\n/);
    assert.match(status.stdout, new RegExp(`Interface: 127\\.0\\.0\\.1, port: ${broker.port}, protocol: amqp, purpose: AMQP 0-9-1`));
    const json = JSON.parse((await ctl('status', '--formatter', 'json')).stdout);
    assert.equal(json.pid, process.pid);
    assert.equal(json.rabbitmq_version, '3.10.8');
    assert.deepEqual(json.alarms, []);
    assert.ok(json.listeners.some((l: { port: number; protocol: string }) => l.port === broker.httpPort && l.protocol === 'http'));
    assert.ok(json.totals.virtual_host_count >= 1);

  });

  test('listeners and server_version', async () => {
    const l = await ctl('listeners');
    assert.equal(l.code, 0);
    assert.match(l.stdout, /^Asking node warren@.* to report its protocol listeners \.\.\.\n/);
    assert.ok(lines(l.stdout).includes(`Interface: 127.0.0.1, port: ${broker.httpPort}, protocol: http, purpose: HTTP API`));
    const lj = JSON.parse((await ctl('listeners', '--formatter', 'json')).stdout);
    assert.equal(lj.result, 'ok');
    assert.ok(lj.listeners.some((x: { port: number }) => x.port === broker.port));
    const v = await ctl('server_version', '-q');
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
    assert.deepEqual(JSON.parse((await ctl('server_version', '--formatter', 'json')).stdout), { result: 'ok', value: v.stdout.trim() });
  });

  test('await_startup returns at once on a running node', async () => {
    const r = await ctl('await_startup');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '');
  });

  test('WARRENCTL_URL gives the address and credentials', async () => {
    assert.equal((await ctl('add_user', 'ctl-admin', 'adm')).code, 0);
    assert.equal((await ctl('set_user_tags', 'ctl-admin', 'administrator')).code, 0);
    const r = await runCtl(['list_users', '-s'], { env: { WARRENCTL_URL: `http://ctl-admin:adm@127.0.0.1:${broker.httpPort}` } });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(lines(r.stdout).includes('ctl-admin\t[administrator]'));
    const wrong = await runCtl(['list_users'], { env: { WARREN_HTTP_URL: `http://ctl-admin:nope@127.0.0.1:${broker.httpPort}` } });
    assert.equal(wrong.code, 69);
  });
});

async function waitFor(cond: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
