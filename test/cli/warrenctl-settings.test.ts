// warrenctl's topic permission, limit, global parameter, cluster name and listener-check verbs
// against an in-process Warren: each expected output was recorded from rabbitmqctl /
// rabbitmq-diagnostics 3.10.8 (`-n ref5673@localhost`) running the same command, and each change is
// checked on the node itself (over AMQP, or through the HTTP API).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import * as amqp from 'amqplib';
import type { RunningBroker } from '../../src/index.js';
import { api, startHttpBroker, type ApiResponse } from '../http/support.js';
import { ctlFor } from './ctl-support.js';

const LIMIT = { timeout: 30_000 };
let broker: RunningBroker;
let call: (method: string, path: string, body?: unknown) => Promise<ApiResponse>;
let ctl: ReturnType<typeof ctlFor>;
const node = `warren@${hostname()}`;

before(async () => {
  broker = await startHttpBroker({ metricsPort: 0 });
  call = api(broker);
  ctl = ctlFor(broker.httpPort, '--host', '127.0.0.1');
  assert.equal((await call('PUT', '/api/vhosts/settings-vh')).status, 201);
  assert.equal((await call('PUT', '/api/users/settings-u', { password: 'pw', tags: '' })).status, 201);
  assert.equal((await call('PUT', '/api/permissions/settings-vh/settings-u', { configure: '.*', write: '.*', read: '.*' })).status, 201);
}, LIMIT);
after(() => broker.close());

describe('topic permissions', () => {
  test('set, list (table and JSON), list per user, clear one exchange and all; the node enforces them', async () => {
    const set = await ctl('set_topic_permissions', '-p', 'settings-vh', 'settings-u', 'amq.topic', '^a', '^b');
    assert.equal(set.code, 0);
    assert.equal(set.stdout, 'Setting topic permissions on "amq.topic" for user "settings-u" in vhost "settings-vh" ...\n');
    const list = await ctl('list_topic_permissions', '-p', 'settings-vh');
    assert.equal(list.stdout, 'Listing topic permissions for vhost "settings-vh" ...\nuser\texchange\twrite\tread\nsettings-u\tamq.topic\t^a\t^b\n');
    assert.equal((await ctl('list_topic_permissions', '-p', 'settings-vh', '--formatter', 'json')).stdout,
      '[\n{"user":"settings-u","exchange":"amq.topic","write":"^a","read":"^b"}\n]\n');
    assert.equal((await ctl('list_user_topic_permissions', 'settings-u')).stdout, 'Listing topic permissions for user "settings-u" ...\nsettings-vh\tamq.topic\t^a\t^b\n');

    // The write pattern applies to routing keys published to the topic exchange.
    const conn = await amqp.connect(`amqp://settings-u:pw@127.0.0.1:${broker.port}/settings-vh`);
    try {
      const ch = await conn.createConfirmChannel();
      ch.publish('amq.topic', 'a.allowed', Buffer.from('x'));
      await ch.waitForConfirms();
      const refused = new Promise<Error>((resolve) => ch.once('error', resolve));
      ch.publish('amq.topic', 'b.refused', Buffer.from('x'));
      assert.match(String((await refused).message), /403 \(ACCESS-REFUSED\).*access to topic 'b\.refused' in exchange 'amq\.topic' in vhost 'settings-vh' refused for user 'settings-u'/);
    } finally {
      await conn.close().catch(() => {});
    }

    const clearOne = await ctl('clear_topic_permissions', '-p', 'settings-vh', 'settings-u', 'amq.topic');
    assert.equal(clearOne.code, 0);
    assert.equal(clearOne.stdout, 'Clearing topic permissions on "amq.topic" for user "settings-u" in vhost "settings-vh" ...\n');
    assert.equal((await call('GET', '/api/topic-permissions/settings-vh/settings-u')).status, 404, 'none left (RabbitMQ answers 404 too)');
    await ctl('set_topic_permissions', '-p', 'settings-vh', 'settings-u', 'amq.topic', '.*', '.*');
    const clearAll = await ctl('clear_topic_permissions', '-p', 'settings-vh', 'settings-u');
    assert.equal(clearAll.stdout, 'Clearing topic permissions for user "settings-u" in vhost "settings-vh" ...\n');
    // rabbitmqctl prints one empty line for an empty (non-streamed) listing.
    assert.equal((await ctl('list_topic_permissions', '-p', 'settings-vh')).stdout, 'Listing topic permissions for vhost "settings-vh" ...\n\n');
  });

  test('a missing vhost (69) or user (67)', async () => {
    const vhost = await ctl('set_topic_permissions', '-p', 'nope-vh', 'settings-u', 'amq.topic', '^a', '^b');
    assert.equal(vhost.code, 69);
    assert.equal(vhost.stderr, 'Error:\nVirtual host nope-vh does not exist\n');
    const user = await ctl('set_topic_permissions', '-p', 'settings-vh', 'nouser', 'amq.topic', '^a', '^b');
    assert.equal(user.code, 67);
    assert.equal(user.stderr, 'Error:\nUser nouser does not exist\n');
  });
});

describe('vhost limits', () => {
  test('set, list (one vhost, --global, JSON), clear; the node enforces max-queues', async () => {
    const set = await ctl('set_vhost_limits', '-p', 'settings-vh', '{"max-connections": 10, "max-queues": 1}');
    assert.equal(set.code, 0);
    assert.equal(set.stdout, 'Setting vhost limits to "{"max-connections": 10, "max-queues": 1}" for vhost "settings-vh" ...\n');
    assert.equal((await ctl('list_vhost_limits', '-p', 'settings-vh')).stdout, 'Listing limits for vhost "settings-vh" ...\n{"max-connections":10,"max-queues":1}\n');
    assert.deepEqual(JSON.parse((await ctl('list_vhost_limits', '-p', 'settings-vh', '--formatter', 'json')).stdout),
      { node, result: 'ok', value: '{"max-connections":10,"max-queues":1}' });
    assert.equal((await ctl('list_vhost_limits', '--global')).stdout, 'Listing limits for all vhosts ...\nvhost\tlimits\nsettings-vh\t{"max-connections":10,"max-queues":1}\n');
    assert.equal((await ctl('list_vhost_limits', '--global', '--formatter', 'json')).stdout, '[\n{"vhost":"settings-vh","limits":"{\\"max-connections\\":10,\\"max-queues\\":1}"}\n]\n');

    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}/settings-vh`);
    try {
      const ch = await conn.createChannel();
      await ch.assertQueue('limited-1');
      const refused = new Promise<Error>((resolve) => ch.once('error', resolve));
      await assert.rejects(ch.assertQueue('limited-2'));
      assert.match(String((await refused).message), /406 \(PRECONDITION-FAILED\).*cannot declare queue 'limited-2': queue limit in vhost 'settings-vh' \(1\) is reached/);
    } finally {
      await conn.close().catch(() => {});
    }

    // A new definition replaces the old one: limits it leaves out are cleared.
    await ctl('set_vhost_limits', '-p', 'settings-vh', '{"max-connections": 5}');
    assert.deepEqual((await call('GET', '/api/vhost-limits/settings-vh')).body[0].value, { 'max-connections': 5 });
    const clear = await ctl('clear_vhost_limits', '-p', 'settings-vh');
    assert.equal(clear.stdout, 'Clearing vhost "settings-vh" limits ...\n');
    assert.equal((await ctl('list_vhost_limits', '-p', 'settings-vh')).stdout, 'Listing limits for vhost "settings-vh" ...\n\n');
    assert.deepEqual((await call('GET', '/api/vhost-limits/settings-vh')).body, []);
  });

  test('invalid definitions and a missing vhost, worded as rabbitmqctl', async () => {
    const notNumber = await ctl('set_vhost_limits', '-p', 'settings-vh', '{"max-connections": "x"}');
    assert.equal(notNumber.code, 69);
    assert.equal(notNumber.stderr, 'Error:\nValidation failed\n\nmax-connections should be a number, actually was <<"x">>\n\n');
    const unknown = await ctl('set_vhost_limits', '-p', 'settings-vh', '{"max-foo": 5}');
    assert.equal(unknown.stderr, 'Error:\nValidation failed\n\nUnrecognised terms [{<<"max-foo">>,5}] in limits\n\n');
    const notJson = await ctl('set_vhost_limits', '-p', 'settings-vh', 'notjson');
    assert.equal(notJson.code, 69);
    assert.match(notJson.stderr, /^Error:\nJSON decoding error\. Reason: /);
    const missing = await ctl('set_vhost_limits', '-p', 'nope-vh', '{"max-connections": 10}');
    assert.equal(missing.code, 65);
    assert.equal(missing.stderr, "Virtual host 'nope-vh' does not exist\n");
  });
});

describe('user limits', () => {
  test('set, list (sorted by name, as rabbitmqctl prints the map), clear one and all; max-connections enforced', async () => {
    const set = await ctl('set_user_limits', 'settings-u', '{"max-connections": 1, "max-channels": 4}');
    assert.equal(set.code, 0);
    assert.equal(set.stdout, 'Setting user limits to "{"max-connections": 1, "max-channels": 4}" for user "settings-u" ...\n');
    assert.equal((await ctl('list_user_limits', '--user', 'settings-u')).stdout, 'Listing limits for user "settings-u" ...\n{"max-channels":4,"max-connections":1}\n');
    assert.deepEqual(JSON.parse((await ctl('list_user_limits', '--user', 'settings-u', '--formatter', 'json')).stdout), { message: '{"max-channels":4,"max-connections":1}' });
    assert.equal((await ctl('list_user_limits', '--global')).stdout, 'Listing limits for all users ...\nuser\tlimits\nsettings-u\t{"max-channels":4,"max-connections":1}\n');
    assert.equal((await ctl('list_user_limits')).stdout, 'Listing limits for user "guest" ...\n{}\n');

    const first = await amqp.connect(`amqp://settings-u:pw@127.0.0.1:${broker.port}/settings-vh`);
    try {
      await assert.rejects(amqp.connect(`amqp://settings-u:pw@127.0.0.1:${broker.port}/settings-vh`));
    } finally {
      await first.close();
    }

    const clearOne = await ctl('clear_user_limits', 'settings-u', 'max-connections');
    assert.equal(clearOne.stdout, 'Clearing "max-connections" limit for user "settings-u" ...\n');
    assert.equal((await ctl('list_user_limits', '--user', 'settings-u')).stdout, 'Listing limits for user "settings-u" ...\n{"max-channels":4}\n');
    const clearAll = await ctl('clear_user_limits', 'settings-u', 'all');
    assert.equal(clearAll.stdout, 'Clearing all limits for user "settings-u" ...\n');
    assert.deepEqual((await call('GET', '/api/user-limits/settings-u')).body, []);
    assert.equal((await ctl('list_user_limits', '--global')).stdout, 'Listing limits for all users ...\n\n');
  });

  test('a missing user and invalid definitions: rabbitmqctl 3.10.8\'s texts, exit code 69', async () => {
    const missing = await ctl('set_user_limits', 'nouser', '{"max-connections": 3}');
    assert.equal(missing.code, 69);
    assert.equal(missing.stderr, 'Error:\n{:no_such_user, "nouser"}\n');
    assert.equal((await ctl('list_user_limits', '--user', 'nouser')).stderr, 'Error:\n{:no_such_user, "nouser"}\n');
    assert.equal((await ctl('clear_user_limits', 'nouser', 'all')).stderr, 'Error:\n{:no_such_user, "nouser"}\n');
    const unknown = await ctl('set_user_limits', 'settings-u', '{"max-foo": 3}');
    assert.equal(unknown.code, 69);
    assert.equal(unknown.stderr, 'Error:\nUnrecognised terms [{<<"max-foo">>,3}] in user-limits\n');
    const notNumber = await ctl('set_user_limits', 'settings-u', '{"max-connections": "x"}');
    assert.equal(notNumber.stderr, 'Error:\nmax-connections should be a number, actually was <<"x">>\n');
  });
});

describe('global parameters and the cluster name', () => {
  test('set_global_parameter, list_global_parameters (values as JSON text), clear_global_parameter', async () => {
    const set = await ctl('set_global_parameter', 'settings_param', '{"a": 1}');
    assert.equal(set.code, 0);
    assert.equal(set.stdout, 'Setting global runtime parameter "settings_param" to "{"a": 1}" ...\n');
    assert.deepEqual((await call('GET', '/api/global-parameters/settings_param')).body, { name: 'settings_param', value: { a: 1 } });
    const list = await ctl('list_global_parameters');
    assert.match(list.stdout, /^Listing global runtime parameters \.\.\.\nname\tvalue\n/);
    assert.ok(list.stdout.includes('\nsettings_param\t{"a":1}\n'));
    const json = JSON.parse((await ctl('list_global_parameters', '--formatter', 'json')).stdout);
    assert.deepEqual(json.find((p: { name: string }) => p.name === 'settings_param'), { name: 'settings_param', value: '{"a":1}' });
    const clear = await ctl('clear_global_parameter', 'settings_param');
    assert.equal(clear.stdout, 'Clearing global runtime parameter "settings_param" ...\n');
    const again = await ctl('clear_global_parameter', 'settings_param');
    assert.equal(again.code, 69);
    assert.equal(again.stderr, 'Error:\nParameter does not exist\n');
    const notJson = await ctl('set_global_parameter', 'settings_param', 'notjson');
    assert.equal(notJson.code, 69);
    assert.match(notJson.stderr, /^Error:\nJSON decoding error\. Reason: /);
  });

  test('set_cluster_name renames the cluster; --formatter json answers {node, result}', async () => {
    const set = await ctl('set_cluster_name', 'settings-cluster');
    assert.equal(set.code, 0);
    assert.equal(set.stdout, 'Setting cluster name to settings-cluster ...\n');
    assert.deepEqual((await call('GET', '/api/cluster-name')).body, { name: 'settings-cluster' });
    assert.match((await ctl('cluster_status')).stdout, /\nCluster name: settings-cluster\n/);
    const json = await ctl('set_cluster_name', 'settings-cluster-2', '--formatter', 'json');
    assert.deepEqual(JSON.parse(json.stdout), { node, result: 'ok' });
    assert.equal((await call('GET', '/api/overview')).body.cluster_name, 'settings-cluster-2');
  });
});

describe('listener and virtual host health checks', () => {
  test('check_virtual_hosts', async () => {
    const check = await ctl('check_virtual_hosts');
    assert.equal(check.code, 0);
    assert.equal(check.stdout, `Checking if all vhosts are running on node ${node} ...\nNode ${node} reported all vhosts as running\n`);
    assert.deepEqual(JSON.parse((await ctl('check_virtual_hosts', '--formatter', 'json')).stdout), { result: 'ok' });
  });

  test('check_port_listener: the AMQP port passes, another port fails (exit 69) listing the node\'s listeners', async () => {
    const ok = await ctl('check_port_listener', String(broker.port));
    assert.equal(ok.code, 0);
    assert.equal(ok.stdout, `Asking node ${node} if there's an active listener on port ${broker.port} ...\nA listener for port ${broker.port} is running on node ${node}.\n`);
    assert.deepEqual(JSON.parse((await ctl('check_port_listener', String(broker.port), '--formatter', 'json')).stdout), { node, port: String(broker.port), result: 'ok' });
    const ports = [broker.port, broker.httpPort, broker.metricsPort].join(', ');
    const bad = await ctl('check_port_listener', '1');
    assert.equal(bad.code, 69);
    assert.equal(bad.stderr, `No listener for port 1 is active on node ${node}. Found listeners that use the following ports: ${ports}\n`);
    const json = JSON.parse((await ctl('check_port_listener', '1', '--formatter', 'json')).stderr);
    assert.deepEqual(Object.keys(json), ['listeners', 'missing', 'ports', 'result']);
    assert.equal(json.missing, '1');
    assert.equal(json.result, 'error');
    assert.deepEqual(json.listeners.map((l: { port: number }) => l.port), [broker.port, broker.httpPort, broker.metricsPort]);
    assert.deepEqual(json.listeners[2], { interface: '127.0.0.1', node, port: broker.metricsPort, protocol: 'http/prometheus', purpose: 'Prometheus exporter API over HTTP' });
  });

  test('check_protocol_listener: aliases answer with the protocol\'s name; a missing protocol fails under "Error:"', async () => {
    const ok = await ctl('check_protocol_listener', 'amqp0-9-1');
    assert.equal(ok.code, 0);
    assert.equal(ok.stdout, `Asking node ${node} if there's an active listener for protocol amqp0-9-1 ...\nA listener for protocol amqp is running on node ${node}.\n`);
    assert.deepEqual(JSON.parse((await ctl('check_protocol_listener', 'amqp091', '--formatter', 'json')).stdout), { node, protocol: 'amqp', result: 'ok' });
    assert.deepEqual(JSON.parse((await ctl('check_protocol_listener', 'prometheus', '--formatter', 'json')).stdout), { node, protocol: 'http/prometheus', result: 'ok' });
    const bad = await ctl('check_protocol_listener', 'stomp');
    assert.equal(bad.code, 69);
    assert.equal(bad.stderr, `Error:\nNo listener for protocol stomp is active on node ${node}. Found listeners for the following protocols: amqp, http, http/prometheus\n`);
    const json = JSON.parse((await ctl('check_protocol_listener', 'stomp', '--formatter', 'json')).stderr);
    assert.deepEqual(Object.keys(json), ['listeners', 'missing', 'protocols', 'result']);
    assert.deepEqual(json.protocols, ['amqp', 'http', 'http/prometheus']);
    assert.equal(json.listeners.length, 3);
  });
});
