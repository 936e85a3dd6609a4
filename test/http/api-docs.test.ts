// GET /api/docs: the OpenAPI document of the management API, built from the router's own route
// table, so that it lists exactly the routes the server answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningBroker } from '../../src/index.js';
import { api, startHttpBroker } from './support.js';

let broker: RunningBroker;
let doc: { openapi: string; paths: Record<string, Record<string, any>> };

before(async () => {
  broker = await startHttpBroker();
  const r = await api(broker)('GET', '/api/docs');
  assert.equal(r.status, 200);
  doc = r.body;
});
after(async () => {
  await broker.close();
});

const operations = () => Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));

test('is an OpenAPI 3 document with basic auth, and needs credentials itself', async () => {
  assert.match(doc.openapi, /^3\./);
  assert.ok(operations().length >= 60, `only ${operations().length} operations`);
  const anonymous = await fetch(`http://127.0.0.1:${broker.httpPort}/api/docs`);
  assert.equal(anonymous.status, 401);
});

test('every operation it lists is a route the server answers (401 without credentials, never 404 or 405)', async () => {
  for (const { path, method, op } of operations()) {
    const url = path.replace(/\{[^}]+\}/g, 'x');
    const r = await fetch(`http://127.0.0.1:${broker.httpPort}${url}`, { method: method.toUpperCase() });
    await r.arrayBuffer();
    if (op['x-warren-access'] === 'public') assert.ok(r.status !== 404 && r.status !== 405, `${method} ${path}: ${r.status}`);
    else assert.equal(r.status, 401, `${method.toUpperCase()} ${path} answered ${r.status}`);
  }
});

test('every path parameter is declared, and every operation says who may call it', () => {
  for (const { path, method, op } of operations()) {
    const declared = (op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name).sort();
    const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
    assert.deepEqual(declared, inPath, `${method} ${path}`);
    assert.ok(['public', 'management', 'monitoring', 'policymaker', 'administrator'].includes(op['x-warren-access']), `${method} ${path}: ${op['x-warren-access']}`);
    assert.equal(typeof op.summary, 'string');
  }
});

test('describes access, query parameters and request bodies as the routes use them', () => {
  assert.equal(doc.paths['/api/users/{user}'].put['x-warren-access'], 'administrator');
  assert.equal(doc.paths['/api/queues/{vhost}'].get['x-warren-access'], 'management');
  const deleteQueue = doc.paths['/api/queues/{vhost}/{name}'].delete;
  assert.deepEqual(deleteQueue.parameters.filter((p: any) => p.in === 'query').map((p: any) => p.name), ['if-unused', 'if-empty']);
  const putExchange = doc.paths['/api/exchanges/{vhost}/{name}'].put;
  assert.equal(putExchange.requestBody.content['application/json'].example.type, 'topic');
  assert.ok(doc.paths['/api/bindings/{vhost}/e/{source}/q/{dest}'].post);
  assert.ok(doc.paths['/api/bindings/{vhost}/e/{source}/e/{dest}'].post);
});
