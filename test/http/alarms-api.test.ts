// Resource alarms in the management API: /api/nodes (mem_used, mem_limit, mem_alarm, disk_free,
// disk_free_limit, disk_free_alarm) and the alarm health checks. The 503 bodies are RabbitMQ
// 3.10.8's, recorded from a node with both alarms raised (rabbitmqctl set_vm_memory_high_watermark
// absolute 1000; set_disk_free_limit 1000000GB):
//   /api/health/checks/alarms       {"alarms":[{"node":N,"resource":"disk space"},{"node":N,"resource":"memory"}],
//                                    "reason":"There are alarms in effect in the cluster","status":"failed"}
//   /api/health/checks/local-alarms  the same with "There are alarms in effect on the node"
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { RunningBroker } from '../../src/index.js';
import { api, startHttpBroker } from './support.js';

describe('alarms in the management API', () => {
  let broker: RunningBroker;
  let call: ReturnType<typeof api>;
  const dataDir = mkdtempSync(join(tmpdir(), 'warren-alarms-api-'));

  before(async () => {
    broker = await startHttpBroker({ dataDir, memoryHighWatermark: { relative: 0.4 } });
    call = api(broker);
  });
  after(async () => {
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const node = async () => (await call('GET', '/api/nodes')).body[0];

  test('without alarms: mem_limit is 0.4 of memory, mem_used the RSS, no alarm; health checks pass', async () => {
    const n = await node();
    assert.ok(n.mem_limit > 0 && n.mem_limit <= Math.trunc(0.4 * totalmem()), `mem_limit ${n.mem_limit}`);
    assert.ok(n.mem_used > 1_000_000, `mem_used ${n.mem_used}`);
    assert.equal(n.mem_alarm, false);
    assert.equal(n.disk_free_alarm, false);
    assert.equal(n.disk_free_limit, 50_000_000);
    assert.deepEqual((await call('GET', '/api/health/checks/alarms')).body, { status: 'ok' });
  });

  test('memory alarm: mem_alarm, the new limit, and a 503 naming memory', async () => {
    broker.setMemoryHighWatermark({ absolute: 1000 });
    try {
      const n = await node();
      assert.equal(n.mem_alarm, true);
      assert.equal(n.mem_limit, 1000);
      const r = await call('GET', '/api/health/checks/alarms');
      assert.equal(r.status, 503);
      assert.deepEqual(r.body, { status: 'failed', reason: 'There are alarms in effect in the cluster', alarms: [{ node: n.name, resource: 'memory' }] });
    } finally {
      broker.setMemoryHighWatermark(0.4);
    }
    assert.equal((await node()).mem_alarm, false);
  });

  test('both alarms: disk space first, then memory, as RabbitMQ lists them', async () => {
    broker.setMemoryHighWatermark({ absolute: 1000 });
    await broker.setDiskFreeLimit(Number.MAX_SAFE_INTEGER);
    try {
      const n = await node();
      assert.equal(n.disk_free_alarm, true);
      assert.equal(n.disk_free_limit, Number.MAX_SAFE_INTEGER);
      const alarms = [{ node: n.name, resource: 'disk space' }, { node: n.name, resource: 'memory' }];
      assert.deepEqual((await call('GET', '/api/health/checks/alarms')).body, { status: 'failed', reason: 'There are alarms in effect in the cluster', alarms });
      const local = await call('GET', '/api/health/checks/local-alarms');
      assert.equal(local.status, 503);
      assert.deepEqual(local.body, { status: 'failed', reason: 'There are alarms in effect on the node', alarms });
    } finally {
      broker.setMemoryHighWatermark(0.4);
      await broker.setDiskFreeLimit(50_000_000);
    }
    assert.deepEqual((await call('GET', '/api/health/checks/local-alarms')).body, { status: 'ok' });
  });
});
