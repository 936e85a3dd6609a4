// /api/vhost-limits and /api/user-limits: answers compared with RabbitMQ 3.10.8's for the same
// requests (test/fixtures/http/rabbitmq-3.10.8-api.json), limits in the definitions export and
// import, and limits kept across a restart. Enforcement is in test/integration/limits.test.ts.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningBroker } from '../../src/index.js';
import { api, rabbitApi, sameAsRecorded, startHttpBroker, type ApiResponse } from './support.js';

const LIMIT = { timeout: 20_000 };
// The names RabbitMQ's answers were recorded with.
const vh = 'fxa-vhost';
const user = 'fxa-user';
let broker: RunningBroker;
let call: (method: string, path: string, body?: unknown) => Promise<ApiResponse>;

/** Same status and body as RabbitMQ's recorded answer. */
const same = (name: string, method: string, path: string, body?: unknown) => sameAsRecorded(call, name, method, path, body);

before(async () => {
  broker = await startHttpBroker();
  call = api(broker);
  await call('PUT', `/api/vhosts/${vh}`, {});
  await call('PUT', `/api/users/${user}`, { password: 'pw', tags: 'management' });
}, LIMIT);
after(() => broker.close());

describe('/api/vhost-limits', () => {
  test('PUT one limit at a time; GET lists them per vhost', async () => {
    await same('vhost_limit_put', 'PUT', `/api/vhost-limits/${vh}/max-connections`, { value: 1 });
    await same('vhost_limit_put_queues', 'PUT', `/api/vhost-limits/${vh}/max-queues`, { value: 2 });
    await same('vhost_limits_all', 'GET', '/api/vhost-limits');
    await same('vhost_limits_one', 'GET', `/api/vhost-limits/${vh}`);
    await same('vhost_limits_missing_vhost', 'GET', '/api/vhost-limits/fxa-nope');
  });

  test('vhost limits are the runtime parameter vhost-limits/{vhost}/limits', async () => {
    await same('vhost_limits_as_parameters', 'GET', `/api/parameters/vhost-limits/${vh}`);
  });

  test('invalid PUTs are refused with RabbitMQ\'s texts', async () => {
    await same('vhost_limit_put_unknown', 'PUT', `/api/vhost-limits/${vh}/max-bogus`, { value: 1 });
    await same('vhost_limit_put_string', 'PUT', `/api/vhost-limits/${vh}/max-connections`, { value: 'x' });
    await same('vhost_limit_put_no_value', 'PUT', `/api/vhost-limits/${vh}/max-connections`, {});
    await same('vhost_limit_put_missing_vhost', 'PUT', '/api/vhost-limits/fxa-nope/max-connections', { value: 1 });
    // The parameter endpoint validates the same way, but HTML-escapes the text (as RabbitMQ does).
    const r = await call('PUT', `/api/parameters/vhost-limits/${vh}/limits`, { value: { 'max-bogus': 1 } });
    const reason = rabbitApi.vhost_limit_put_unknown.body.reason.replace(/</g, '&lt;').replace(/>/g, '&gt;');
    assert.deepEqual(r.body, { ...rabbitApi.vhost_limit_put_unknown.body, reason });
  });

  test('a negative value is kept as given (it means no limit)', async () => {
    await call('PUT', `/api/vhost-limits/${vh}/max-connections`, { value: -1 });
    assert.deepEqual((await call('GET', `/api/vhost-limits/${vh}`)).body, rabbitApi.vhost_limits_after_negative.body);
    await call('PUT', `/api/vhost-limits/${vh}/max-connections`, { value: 1 });
  });
});

describe('/api/user-limits', () => {
  test('PUT, GET, and the limits field of the user object', async () => {
    await same('user_limit_put', 'PUT', `/api/user-limits/${user}/max-channels`, { value: 1 });
    await same('user_limit_put_conns', 'PUT', `/api/user-limits/${user}/max-connections`, { value: 2 });
    await same('user_limits_all', 'GET', '/api/user-limits');
    await same('user_limits_one', 'GET', `/api/user-limits/${user}`);
    await same('user_limits_missing_user', 'GET', '/api/user-limits/fxa-nobody');
    const u = (await call('GET', `/api/users/${user}`)).body;
    assert.deepEqual(u.limits, rabbitApi.user_with_limits.body.limits);
    // Changing the password keeps the limits.
    await call('PUT', `/api/users/${user}`, { password: 'pw2', tags: 'management' });
    assert.deepEqual((await call('GET', `/api/users/${user}`)).body.limits, rabbitApi.user_with_limits.body.limits);
  });

  test('invalid PUTs are refused with RabbitMQ\'s texts', async () => {
    await same('user_limit_put_unknown', 'PUT', `/api/user-limits/${user}/max-bogus`, { value: 1 });
    await same('user_limit_put_missing_user', 'PUT', '/api/user-limits/fxa-nobody/max-channels', { value: 1 });
  });
});

describe('definitions', () => {
  test('export: user limits on the user, vhost limits as a parameter (as RabbitMQ exports them)', async () => {
    const d = (await call('GET', '/api/definitions')).body;
    const expected = rabbitApi.definitions_with_limits;
    assert.deepEqual(d.users.find((u: { name: string }) => u.name === user).limits, expected.users[0].limits);
    assert.deepEqual(d.parameters.filter((p: { vhost: string }) => p.vhost === vh), expected.parameters);
    const perVhost = (await call('GET', `/api/definitions/${vh}`)).body;
    assert.deepEqual(perVhost.parameters, rabbitApi.definitions_vhost_with_limits.parameters.map(({ vhost: _v, ...p }: { vhost: string }) => p));
  });

  test('import: RabbitMQ\'s export brings the limits back, and they are enforced', async () => {
    const other = await startHttpBroker();
    try {
      const c = api(other);
      const e = rabbitApi.definitions_with_limits;
      assert.equal((await c('POST', '/api/definitions', { vhosts: e.vhosts, users: e.users, parameters: e.parameters })).status, 204);
      assert.deepEqual((await c('GET', `/api/vhost-limits/${vh}`)).body, rabbitApi.vhost_limits_one.body);
      assert.deepEqual((await c('GET', `/api/user-limits/${user}`)).body, rabbitApi.user_limits_one.body);
      await c('PUT', `/api/queues/${vh}/q1`, {});
      await c('PUT', `/api/queues/${vh}/q2`, {});
      const refused = await c('PUT', `/api/queues/${vh}/q3`, {});
      assert.equal(refused.status, 400);
      assert.match(refused.body.reason, /queue limit in vhost 'fxa-vhost' \(2\) is reached/);
      const bad = await c('POST', '/api/definitions', { users: [{ ...e.users[0], limits: { 'max-bogus': 1 } }] });
      assert.equal(bad.status, 400);
    } finally {
      await other.close();
    }
  });
});

describe('clearing', () => {
  test('DELETE clears one limit (204 also when it was not set); no limits lists nothing', async () => {
    await same('vhost_limit_delete', 'DELETE', `/api/vhost-limits/${vh}/max-queues`);
    await same('vhost_limit_delete_again', 'DELETE', `/api/vhost-limits/${vh}/max-queues`);
    await same('user_limit_delete', 'DELETE', `/api/user-limits/${user}/max-channels`);
    await same('user_limit_delete_again', 'DELETE', `/api/user-limits/${user}/max-channels`);
    await call('DELETE', `/api/vhost-limits/${vh}/max-connections`);
    await call('DELETE', `/api/user-limits/${user}/max-connections`);
    await same('vhost_limits_none', 'GET', `/api/vhost-limits/${vh}`);
    await same('user_limits_none', 'GET', `/api/user-limits/${user}`);
    assert.deepEqual((await call('GET', `/api/parameters/vhost-limits/${vh}`)).body, []);
  });

  test('deleting a vhost drops its limits', async () => {
    await call('PUT', '/api/vhosts/doomed-limits', {});
    await call('PUT', '/api/vhost-limits/doomed-limits/max-queues', { value: 0 });
    await call('DELETE', '/api/vhosts/doomed-limits');
    await call('PUT', '/api/vhosts/doomed-limits', {});
    assert.deepEqual((await call('GET', '/api/vhost-limits/doomed-limits')).body, []);
    assert.equal((await call('PUT', '/api/queues/doomed-limits/q', {})).status, 201);
  });
});

describe('durability', () => {
  test('vhost and user limits survive a restart; queues over a lowered limit are restored', LIMIT, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-limits-'));
    try {
      let b = await startHttpBroker({ dataDir: dir });
      let c = api(b);
      await c('PUT', `/api/vhosts/${vh}`, {});
      await c('PUT', `/api/users/${user}`, { password: 'pw', tags: '' });
      await c('PUT', `/api/queues/${vh}/q1`, { durable: true });
      await c('PUT', `/api/queues/${vh}/q2`, { durable: true });
      // A limit below the current count keeps the existing queues (as RabbitMQ).
      await c('PUT', `/api/vhost-limits/${vh}/max-queues`, { value: 1 });
      await c('PUT', `/api/user-limits/${user}/max-channels`, { value: 3 });
      await b.close();
      b = await startHttpBroker({ dataDir: dir });
      c = api(b);
      try {
        assert.deepEqual((await c('GET', `/api/vhost-limits/${vh}`)).body, [{ vhost: vh, value: { 'max-queues': 1 } }]);
        assert.deepEqual((await c('GET', `/api/user-limits/${user}`)).body, [{ user, value: { 'max-channels': 3 } }]);
        assert.equal((await c('GET', `/api/queues/${vh}/q1`)).status, 200);
        assert.equal((await c('GET', `/api/queues/${vh}/q2`)).status, 200);
        assert.equal((await c('PUT', `/api/queues/${vh}/q3`, {})).status, 400);
      } finally {
        await b.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
