// Node-level endpoints compared with RabbitMQ 3.10.8's recorded answers
// (test/fixtures/http/rabbitmq-3.10.8-api.json and -login.json): /api/feature-flags,
// /api/nodes/{node}/memory, /api/rebalance/queues, /api/auth/attempts/{node}[/source],
// POST /api/login, and the Prometheus listener in /api/overview.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as amqp from 'amqplib';
import type { RunningBroker } from '../../src/index.js';
import { api, assertSameShape, rabbitApi, startHttpBroker, type ApiResponse } from './support.js';

const rabbitLogin = JSON.parse(readFileSync(new URL('../../../test/fixtures/http/rabbitmq-3.10.8-login.json', import.meta.url), 'utf8'));
let broker: RunningBroker;
let call: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiResponse>;
let node: string;

before(async () => {
  broker = await startHttpBroker({ metricsPort: 0 });
  call = api(broker);
  node = (await call('GET', '/api/overview')).body.node;
});
after(() => broker.close());

const form = (fields: Record<string, string>) =>
  fetch(`http://127.0.0.1:${broker.httpPort}/api/login`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(),
  });

describe('feature flags', () => {
  test('the flags RabbitMQ 3.10.8 lists, each enabled, field for field', async () => {
    const r = await call('GET', '/api/feature-flags');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, rabbitApi.feature_flags.body);
    assert.ok(r.body.every((f: { state: string }) => f.state === 'enabled'));
  });
});

describe('node memory', () => {
  test('RabbitMQ\'s breakdown with the process\' own figures: categories add up to the RSS', async () => {
    const r = await call('GET', `/api/nodes/${encodeURIComponent(node)}/memory`);
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body), ['memory']);
    const m = r.body.memory;
    assert.deepEqual(Object.keys(m), Object.keys(rabbitApi.node_memory.body.memory), 'the same categories, in RabbitMQ\'s order');
    assertSameShape(m, rabbitApi.node_memory.body.memory, Object.keys(rabbitApi.node_memory.body.memory), 'memory');
    assert.equal(m.strategy, 'rss');
    assert.ok(m.other_proc > 1_000_000, 'the JavaScript heap in use');
    assert.ok(m.total.rss > m.other_proc);
    const sum = Object.entries(m).filter(([, v]) => typeof v === 'number').reduce((s, [, v]) => s + (v as number), 0);
    // Figures are read at one moment; the RSS may only have grown past the V8 figures read with it.
    assert.ok(sum >= m.total.rss, `categories ${sum} cover the RSS ${m.total.rss}`);
    assert.equal(sum - m.reserved_unallocated, m.total.allocated, 'everything but reserved_unallocated is what V8 allocated');

    const withMemory = await call('GET', `/api/nodes/${encodeURIComponent(node)}?memory=true`);
    assert.deepEqual(Object.keys(withMemory.body.memory), Object.keys(m));
    assert.equal((await call('GET', `/api/nodes/${encodeURIComponent(node)}`)).body.memory, undefined);
    assert.equal((await call('GET', '/api/nodes/nobody@nowhere/memory')).status, 404);
  });
});

describe('rebalance', () => {
  test('POST /api/rebalance/queues answers 204 as RabbitMQ does (one node serves every queue)', async () => {
    const r = await call('POST', '/api/rebalance/queues');
    assert.equal(r.status, rabbitApi.rebalance.status);
    assert.equal(r.body, null);
  });
});

describe('login', () => {
  test('a form with a management user\'s credentials: 200 "ok" and the auth cookie, as RabbitMQ', async () => {
    const r = await form({ username: 'guest', password: 'guest' });
    assert.equal(r.status, rabbitLogin.login_ok.status);
    assert.equal(r.headers.get('set-cookie'), rabbitLogin.login_ok.headers['set-cookie']);
    assert.equal(r.headers.get('cache-control'), 'no-cache');
    assert.deepEqual(await r.json(), rabbitLogin.login_ok.body);
  });

  test('wrong or missing password, or a JSON body: 401 "Login failed" with the basic-auth challenge', async () => {
    for (const [fields, recorded] of [[{ username: 'guest', password: 'wrong' }, rabbitLogin.login_bad_password], [{ username: 'guest' }, rabbitLogin.login_no_password]] as const) {
      const r = await form(fields);
      assert.equal(r.status, recorded.status);
      assert.equal(r.headers.get('www-authenticate'), recorded.headers['www-authenticate']);
      assert.deepEqual(await r.json(), recorded.body);
    }
    const json = await fetch(`http://127.0.0.1:${broker.httpPort}/api/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'guest', password: 'guest' }),
    });
    assert.equal(json.status, rabbitLogin.login_json.status);
    assert.deepEqual(await json.json(), rabbitLogin.login_json.body);
  });

  test('GET is 405 (POST only); the cookie alone does not authenticate an API call', async () => {
    const get = await fetch(`http://127.0.0.1:${broker.httpPort}/api/login`);
    assert.equal(get.status, rabbitLogin.login_get.status);
    const cookie = rabbitLogin.login_ok.headers['set-cookie'].split(';')[0];
    const whoami = await fetch(`http://127.0.0.1:${broker.httpPort}/api/whoami`, { headers: { cookie } });
    assert.equal(whoami.status, rabbitLogin.cookie_only.status);
  });
});

describe('authentication attempts', () => {
  test('counted per protocol (http, amqp091) as they happen; /source stays empty as RabbitMQ\'s default', async () => {
    assert.equal((await call('DELETE', `/api/auth/attempts/${encodeURIComponent(node)}`)).status, 204);
    const path = `/api/auth/attempts/${encodeURIComponent(node)}`;
    // The DELETE itself was a (successful) HTTP attempt, counted before the reset.
    await api(broker, 'guest', 'wrong')('GET', '/api/overview');
    await amqp.connect(`amqp://guest:wrong@127.0.0.1:${broker.port}`).then((c) => c.close(), () => undefined);
    await (await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}`)).close();
    const r = await call('GET', path);
    assert.equal(r.status, 200);
    for (const [i, row] of r.body.entries()) assertSameShape(row, rabbitLogin.auth_attempts.body[i], Object.keys(rabbitLogin.auth_attempts.body[0]), 'attempt');
    const byProtocol = (a: { protocol: string }, b: { protocol: string }) => a.protocol.localeCompare(b.protocol);
    assert.deepEqual(r.body.sort(byProtocol), [
      { protocol: 'amqp091', auth_attempts: 2, auth_attempts_failed: 1, auth_attempts_succeeded: 1 },
      // The failed GET, and this GET (counted before it is answered).
      { protocol: 'http', auth_attempts: 2, auth_attempts_failed: 1, auth_attempts_succeeded: 1 },
    ]);
    assert.deepEqual((await call('GET', `${path}/source`)).body, rabbitLogin.auth_attempts_source.body);
    assert.equal((await call('GET', '/api/auth/attempts/nobody@nowhere')).status, rabbitLogin.auth_attempts_missing_node.status);
  });
});

describe('overview listeners', () => {
  test('the Prometheus listener is listed as RabbitMQ lists it: protocol http/prometheus on the metrics port', async () => {
    const listeners = (await call('GET', '/api/overview')).body.listeners;
    const prometheus = listeners.find((l: { protocol: string }) => l.protocol === 'http/prometheus');
    assert.deepEqual({ ...prometheus, socket_opts: undefined }, { node, protocol: 'http/prometheus', ip_address: '127.0.0.1', port: broker.metricsPort, socket_opts: undefined });
    assert.deepEqual(listeners.map((l: { protocol: string }) => l.protocol), ['amqp', 'http', 'http/prometheus']);
  });
});
