// Administration endpoints beyond the basic objects: topic permissions, users without
// permissions and bulk delete, cluster name and global parameters, extensions, /api/auth,
// vhost start and the health checks. Answers are compared with RabbitMQ 3.10.8's for the same
// requests (test/fixtures/http/rabbitmq-3.10.8-api.json, scripts/record-http-api-fixtures.mjs).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import type { RunningBroker } from '../../src/index.js';
import { api, rabbitApi, startHttpBroker, type ApiResponse } from './support.js';

const LIMIT = { timeout: 20_000 };
const vh = 'fxa-vhost';
const user = 'fxa-user';
let broker: RunningBroker;
let call: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiResponse>;

/** Same status and body as RabbitMQ's recorded answer. */
async function same(name: string, method: string, path: string, body?: unknown, as = call): Promise<ApiResponse> {
  const r = await as(method, path, body);
  assert.deepEqual({ status: r.status, body: r.body }, { status: rabbitApi[name].status, body: rabbitApi[name].body }, `${name}: ${method} ${path}`);
  return r;
}

const byExchange = (a: { exchange: string }, b: { exchange: string }) => (a.exchange < b.exchange ? -1 : 1);

before(async () => {
  broker = await startHttpBroker();
  call = api(broker);
  await call('PUT', `/api/vhosts/${vh}`, {});
  await call('PUT', `/api/users/${user}`, { password: 'pw', tags: 'management' });
  await call('PUT', `/api/permissions/${vh}/${user}`, { configure: '.*', write: '.*', read: '.*' });
  await call('PUT', `/api/exchanges/${vh}/fxa.x2`, { type: 'topic' });
}, LIMIT);
after(() => broker.close());

describe('topic permissions', () => {
  test('PUT per exchange (201, then 204 for the same vhost and user), GET in every listing', async () => {
    await same('topic_permission_put', 'PUT', `/api/topic-permissions/${vh}/${user}`, { exchange: 'amq.topic', write: '^a', read: '.*' });
    await same('topic_permission_put_again', 'PUT', `/api/topic-permissions/${vh}/${user}`, { exchange: 'amq.topic', write: '^b', read: '.*' });
    await same('topic_permission_put_other', 'PUT', `/api/topic-permissions/${vh}/${user}`, { exchange: 'fxa.x2', write: '.*', read: '^r' });
    const expected = rabbitApi.topic_permissions_all.body.slice().sort(byExchange);
    for (const path of ['/api/topic-permissions', `/api/topic-permissions/${vh}/${user}`, `/api/vhosts/${vh}/topic-permissions`, `/api/users/${user}/topic-permissions`]) {
      const r = await call('GET', path);
      assert.equal(r.status, 200, path);
      assert.deepEqual(r.body.slice().sort(byExchange), expected, path);
    }
    await same('topic_permission_get_missing', 'GET', `/api/topic-permissions/${vh}/guest`);
  });

  test('they are enforced on publishes to the topic exchange', async () => {
    const conn = await amqp.connect(`amqp://${user}:pw@127.0.0.1:${broker.port}/${vh}`);
    conn.on('error', () => {});
    try {
      const ch = await conn.createChannel();
      ch.on('error', () => {});
      const closed = new Promise<string>((resolve) => ch.on('close', () => resolve('closed')));
      ch.publish('amq.topic', 'a.refused', Buffer.from('x'));
      assert.equal(await closed, 'closed');
      const ok = await conn.createChannel();
      ok.publish('amq.topic', 'b.allowed', Buffer.from('x'));
      await ok.checkExchange('amq.topic');
    } finally {
      await conn.close().catch(() => {});
    }
  });

  test('exported and imported with the definitions', async () => {
    const d = (await call('GET', '/api/definitions')).body;
    assert.deepEqual(d.topic_permissions.slice().sort(byExchange), rabbitApi.topic_permissions_all.body.slice().sort(byExchange));
    const other = await startHttpBroker();
    try {
      const c = api(other);
      assert.equal((await c('POST', '/api/definitions', { vhosts: d.vhosts, users: d.users, topic_permissions: d.topic_permissions })).status, 204);
      assert.deepEqual((await c('GET', '/api/topic-permissions')).body.sort(byExchange), rabbitApi.topic_permissions_all.body.slice().sort(byExchange));
    } finally {
      await other.close();
    }
  });

  test('invalid PUTs and DELETE', async () => {
    await same('topic_permission_put_no_exchange', 'PUT', `/api/topic-permissions/${vh}/${user}`, { write: '.*', read: '.*' });
    await same('topic_permission_put_missing_vhost', 'PUT', `/api/topic-permissions/fxa-nope/${user}`, { exchange: 'amq.topic', write: '.*', read: '.*' });
    await same('topic_permission_put_missing_user', 'PUT', `/api/topic-permissions/${vh}/fxa-nobody`, { exchange: 'amq.topic', write: '.*', read: '.*' });
    await same('topic_permission_delete', 'DELETE', `/api/topic-permissions/${vh}/${user}`);
    await same('topic_permission_delete_again', 'DELETE', `/api/topic-permissions/${vh}/${user}`);
    assert.deepEqual((await call('GET', '/api/topic-permissions')).body, []);
  });

  test('deleting the user or the vhost drops them', async () => {
    await call('PUT', '/api/users/tp-doomed', { password: 'x', tags: '' });
    await call('PUT', `/api/topic-permissions/${vh}/tp-doomed`, { exchange: 'amq.topic', write: '.*', read: '.*' });
    await call('DELETE', '/api/users/tp-doomed');
    await call('PUT', '/api/vhosts/tp-vhost', {});
    await call('PUT', `/api/topic-permissions/tp-vhost/${user}`, { exchange: 'amq.topic', write: '.*', read: '.*' });
    await call('DELETE', '/api/vhosts/tp-vhost');
    assert.deepEqual((await call('GET', '/api/topic-permissions')).body, []);
  });
});

describe('users', () => {
  test('without-permissions lists users with no permission anywhere', async () => {
    await call('PUT', '/api/users/fxa-bulk1', { password: 'x', tags: '' });
    await call('PUT', '/api/users/fxa-bulk2', { password: 'x', tags: '' });
    const r = await call('GET', '/api/users/without-permissions');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.map((u: { name: string }) => u.name), rabbitApi.users_without_permissions.body.map((u: { name: string }) => u.name));
    for (const [k, v] of Object.entries(rabbitApi.users_without_permissions.body[0])) if (k !== 'password_hash') assert.deepEqual(r.body[0][k], v, k);
  });

  test('bulk-delete deletes in order and stops with 400 at an unknown user', async () => {
    await same('users_bulk_delete', 'POST', '/api/users/bulk-delete', { users: ['fxa-bulk1', 'fxa-bulk2', 'fxa-never-existed'] });
    await same('user_after_bulk_delete', 'GET', '/api/users/fxa-bulk1');
    assert.equal((await call('GET', '/api/users/fxa-bulk2')).status, 404);
    await same('users_bulk_delete_bad', 'POST', '/api/users/bulk-delete', { nope: [] });
    await call('PUT', '/api/users/fxa-bulk3', { password: 'x', tags: '' });
    assert.equal((await call('POST', '/api/users/bulk-delete', { users: ['fxa-bulk3'] })).status, 204);
  });
});

describe('cluster name, global parameters, extensions, auth, vhost start', () => {
  test('cluster name: GET, PUT (administrators), shown in the overview, kept as a global parameter', async () => {
    const before = (await call('GET', '/api/cluster-name')).body.name;
    assert.equal(before, (await call('GET', '/api/overview')).body.cluster_name);
    await same('cluster_name_put', 'PUT', '/api/cluster-name', { name: 'fxa-cluster' });
    await same('cluster_name_after_put', 'GET', '/api/cluster-name');
    assert.equal((await call('GET', '/api/overview')).body.cluster_name, 'fxa-cluster');
    await same('cluster_name_put_bad', 'PUT', '/api/cluster-name', { nom: 'x' });
    await same('cluster_name_put_management', 'PUT', '/api/cluster-name', { name: 'fxa-x' }, api(broker, user, 'pw'));
    assert.deepEqual((await call('GET', '/api/global-parameters/cluster_name')).body, { name: 'cluster_name', value: 'fxa-cluster' });
    assert.deepEqual((await call('GET', '/api/definitions')).body.global_parameters, [{ name: 'cluster_name', value: 'fxa-cluster' }]);
  });

  test('global parameters: PUT 201, GET, DELETE 204, then 404', async () => {
    await same('global_parameter_put', 'PUT', '/api/global-parameters/fxa-gp', { value: { a: 1 } });
    const got = await call('GET', '/api/global-parameters/fxa-gp');
    assert.deepEqual(got.body, rabbitApi.global_parameter_get.body);
    await same('global_parameter_delete', 'DELETE', '/api/global-parameters/fxa-gp');
    assert.equal((await call('GET', '/api/global-parameters/fxa-gp')).status, 404);
  });

  test('extensions and auth (auth needs no credentials)', async () => {
    assert.deepEqual((await call('GET', '/api/extensions')).body, [{ javascript: 'dispatcher.js' }]);
    await same('auth', 'GET', '/api/auth');
    const r = await fetch(`http://127.0.0.1:${broker.httpPort}/api/auth`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), rabbitApi.auth_no_credentials.body);
  });

  test('vhost start: 204 for a running vhost on this node, RabbitMQ\'s 400 texts otherwise', async () => {
    const node = (await call('GET', '/api/overview')).body.node;
    assert.equal((await call('POST', `/api/vhosts/${vh}/start/${encodeURIComponent(node)}`)).status, rabbitApi.vhost_start.status);
    await same('vhost_start_bad_node', 'POST', `/api/vhosts/${vh}/start/nobody@nowhere`);
    const missing = await call('POST', `/api/vhosts/fxa-nope/start/${encodeURIComponent(node)}`);
    assert.deepEqual(missing.body, { ...rabbitApi.vhost_start_missing_vhost.body, reason: rabbitApi.vhost_start_missing_vhost.body.reason.replace('ref5673@localhost', node) });
  });
});

describe('health checks', () => {
  test('port-listener: ok for a bound port, 503 with the bound ports otherwise, 400 for a non-number', async () => {
    const ok = await call('GET', `/api/health/checks/port-listener/${broker.port}`);
    assert.deepEqual(ok, { ...ok, status: 200, body: { ...rabbitApi.hc_port_listener_ok.body, port: broker.port } });
    const missing = await call('GET', '/api/health/checks/port-listener/1');
    assert.equal(missing.status, 503);
    assert.deepEqual(Object.keys(missing.body).sort(), Object.keys(rabbitApi.hc_port_listener_missing.body).sort());
    assert.deepEqual(missing.body.ports.sort(), [broker.port, broker.httpPort].sort());
    await same('hc_port_listener_bad', 'GET', '/api/health/checks/port-listener/abc');
  });

  test('protocol-listener: aliases as RabbitMQ normalises them; 503 lists the protocols', async () => {
    await same('hc_protocol_listener_ok', 'GET', '/api/health/checks/protocol-listener/amqp');
    await same('hc_protocol_listener_amqp091', 'GET', '/api/health/checks/protocol-listener/amqp091');
    await same('hc_protocol_listener_http', 'GET', '/api/health/checks/protocol-listener/http');
    const missing = await call('GET', '/api/health/checks/protocol-listener/mqtt');
    assert.equal(missing.status, 503);
    assert.deepEqual({ ...missing.body, protocols: [] }, { ...rabbitApi.hc_protocol_listener_missing.body, protocols: [] });
    assert.deepEqual(missing.body.protocols, ['amqp', 'http']);
  });

  test('virtual-hosts, quorum and mirror-sync criticality: ok on a single node', async () => {
    await same('hc_virtual_hosts', 'GET', '/api/health/checks/virtual-hosts');
    await same('hc_quorum_critical', 'GET', '/api/health/checks/node-is-quorum-critical');
    await same('hc_mirror_sync_critical', 'GET', '/api/health/checks/node-is-mirror-sync-critical');
    await same('hc_management_user', 'GET', '/api/health/checks/virtual-hosts', undefined, api(broker, user, 'pw'));
  });

  test('certificate-expiration: ok without TLS, 400 for a bad value or unit', async () => {
    await same('hc_certificate_expiration', 'GET', '/api/health/checks/certificate-expiration/1/months');
    await same('hc_certificate_expiration_bad_unit', 'GET', '/api/health/checks/certificate-expiration/1/fortnights');
    await same('hc_certificate_expiration_bad_within', 'GET', '/api/health/checks/certificate-expiration/x/days');
  });

  test('certificate-expiration with a TLS listener: a certificate valid 10 days passes for 1 week, fails for 1 month', LIMIT, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-certs-'));
    try {
      const key = join(dir, 'key.pem');
      const cert = join(dir, 'cert.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '10', '-subj', '/CN=localhost'], { stdio: 'ignore' });
      writeFileSync(join(dir, 'unused'), '');
      const tlsBroker = await startHttpBroker({ tlsPort: 0, tls: { certfile: cert, keyfile: key, cacertfile: null, verify: 'verify_none', failIfNoPeerCert: false } });
      try {
        const c = api(tlsBroker);
        assert.deepEqual((await c('GET', '/api/health/checks/certificate-expiration/1/weeks')).body, { status: 'ok' });
        const r = await c('GET', '/api/health/checks/certificate-expiration/1/months');
        assert.equal(r.status, 503);
        assert.equal(r.body.reason, 'Certificates expiring');
        const [e] = r.body.expired;
        assert.equal(e.protocol, 'amqp/ssl');
        assert.equal(e.port, tlsBroker.tlsPort);
        assert.equal(e.certfile, cert);
        assert.equal(e.certfile_expires_on.length, 1);
        assert.match(e.certfile_expires_on[0], /^\d{4}-\d\d-\d\d \d{1,2}:\d\d:\d\d$/);
        assert.deepEqual(e.cacertfile_expires_on, []);
        assert.deepEqual((await c('GET', '/api/health/checks/protocol-listener/amqps')).body, { status: 'ok', protocol: 'amqp/ssl' });
      } finally {
        await tlsBroker.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
