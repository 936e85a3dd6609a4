// Management API answers where a differential probe found Warren differing from RabbitMQ 3.10.8:
// the same requests as when RabbitMQ's answers were recorded (scripts/record-http-gap-fixtures.mjs,
// test/fixtures/http/rabbitmq-3.10.8-gaps.json), and the answers compared.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningBroker } from '../../src/index.js';
import { api, rabbitGaps, sameAsRecorded, startHttpBroker, type ApiResponse } from './support.js';

const LIMIT = { timeout: 20_000 };
const vh = 'hg.vhost';
const v = encodeURIComponent(vh);
let broker: RunningBroker;
let call: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiResponse>;
const same = (name: string, method: string, path: string, body?: unknown) => sameAsRecorded(call, name, method, path, body, rabbitGaps);

before(async () => {
  broker = await startHttpBroker();
  call = api(broker);
  assert.equal((await call('PUT', `/api/vhosts/${v}`, {})).status, 201);
}, LIMIT);
after(() => broker.close());

describe('defaults of an empty body', () => {
  const exchangeColumns = 'columns=name,vhost,type,durable,auto_delete,internal,arguments';
  const queueColumns = 'columns=name,vhost,type,durable,auto_delete,exclusive,arguments';

  test('PUT exchange with {} or no body: a transient, not auto-deleted, not internal direct exchange', async () => {
    await same('exchange_put_empty', 'PUT', `/api/exchanges/${v}/hg.x`, {});
    await same('exchange_after_put_empty', 'GET', `/api/exchanges/${v}/hg.x?${exchangeColumns}`);
    await same('exchange_put_no_body', 'PUT', `/api/exchanges/${v}/hg.x2`);
    await same('exchange_after_put_no_body', 'GET', `/api/exchanges/${v}/hg.x2?${exchangeColumns}`);
  });

  test('PUT queue with {} or no body: a transient, not auto-deleted classic queue', async () => {
    await same('queue_put_empty', 'PUT', `/api/queues/${v}/hg.q`, {});
    await same('queue_after_put_empty', 'GET', `/api/queues/${v}/hg.q?${queueColumns}`);
    await same('queue_put_no_body', 'PUT', `/api/queues/${v}/hg.q2`);
    await same('queue_after_put_no_body', 'GET', `/api/queues/${v}/hg.q2?${queueColumns}`);
  });

  test('POST binding with {} or no body: routing key "" and no arguments', async () => {
    await same('binding_post_empty', 'POST', `/api/bindings/${v}/e/hg.x/q/hg.q`, {});
    await same('binding_post_no_body', 'POST', `/api/bindings/${v}/e/hg.x/e/hg.x2`);
    await same('bindings_after_post_empty', 'GET', `/api/exchanges/${v}/hg.x/bindings/source`);
  });
});
