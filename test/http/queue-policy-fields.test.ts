// GET /api/queues/{vhost}/{name} reports the policy and operator policy in effect and their merged
// definition, as RabbitMQ 3.10.8 does. Expected values recorded from RabbitMQ 3.10.8 with the same
// policies: the policy's keys and the operator policy's, the lower number winning where both set one,
// whatever the queue's own arguments.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningBroker } from '../../src/index.js';
import { api, startHttpBroker } from './support.js';

let broker: RunningBroker;
before(async () => {
  broker = await startHttpBroker();
});
after(() => broker.close());

test('a queue shows its policy, its operator policy and their effective definition', async () => {
  const call = api(broker);
  assert.equal((await call('PUT', '/api/policies/%2F/p', { pattern: '^pq\\.', definition: { 'max-length': 50, 'message-ttl': 1000, overflow: 'reject-publish' }, 'apply-to': 'queues' })).status, 201);
  assert.equal((await call('PUT', '/api/operator-policies/%2F/op', { pattern: '^pq\\.', definition: { 'max-length': 5, expires: 600000 }, 'apply-to': 'queues' })).status, 201);
  await call('PUT', '/api/queues/%2F/pq.with-args', { durable: true, arguments: { 'x-max-length': 20 } });
  await call('PUT', '/api/queues/%2F/pq.plain', { durable: true });
  await call('PUT', '/api/queues/%2F/other', { durable: true });
  const expected = { expires: 600000, 'max-length': 5, 'message-ttl': 1000, overflow: 'reject-publish' };
  for (const name of ['pq.with-args', 'pq.plain']) {
    const q = (await call('GET', `/api/queues/%2F/${name}`)).body;
    assert.equal(q.policy, 'p', name);
    assert.equal(q.operator_policy, 'op', name);
    assert.deepEqual(q.effective_policy_definition, expected, name);
  }
  const other = (await call('GET', '/api/queues/%2F/other')).body;
  assert.deepEqual([other.policy, other.operator_policy, other.effective_policy_definition], [null, null, {}]);
  // Clearing the policy leaves the operator policy's definition alone.
  assert.equal((await call('DELETE', '/api/policies/%2F/p')).status, 204);
  const after = (await call('GET', '/api/queues/%2F/pq.plain')).body;
  assert.deepEqual([after.policy, after.operator_policy, after.effective_policy_definition], [null, 'op', { 'max-length': 5, expires: 600000 }]);
});
