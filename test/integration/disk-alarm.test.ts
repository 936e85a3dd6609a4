// disk_free_limit: below it, publishing connections get connection.blocked and are no longer
// read from; consumers keep draining; when space returns, connection.unblocked and publishing resumes.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { startBroker } from '../../src/index.js';

const waitFor = async (cond: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('disk free limit alarm', () => {
  test('publishers are blocked while free disk is below the limit, and unblocked after', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'warren-alarm-'));
    const broker = await startBroker({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'error' });
    const url = `amqp://guest:guest@127.0.0.1:${broker.port}`;
    const pub = await amqp.connect(url);
    const sub = await amqp.connect(url);
    try {
      const events: string[] = [];
      pub.on('blocked', (reason: string) => events.push(`blocked:${reason}`));
      pub.on('unblocked', () => events.push('unblocked'));
      const pch = await pub.createChannel();
      const sch = await sub.createChannel();
      const q = (await sch.assertQueue('', { exclusive: true })).queue;
      pch.sendToQueue(q, Buffer.from('before'));
      const received: string[] = [];
      await sch.consume(q, (m) => m && received.push(m.content.toString()), { noAck: true });
      await waitFor(() => received.length === 1);

      // No filesystem has this much free space: the alarm goes off.
      await broker.setDiskFreeLimit(Number.MAX_SAFE_INTEGER);
      await waitFor(() => events.includes('blocked:low on disk'));
      pch.sendToQueue(q, Buffer.from('during'));
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(received, ['before'], 'a message published during the alarm must not get through');

      await broker.setDiskFreeLimit(0);
      await waitFor(() => events.includes('unblocked'));
      await waitFor(() => received.length === 2);
      assert.deepEqual(received, ['before', 'during'], 'the held publish is processed once unblocked, nothing lost');
    } finally {
      await pub.close();
      await sub.close();
      await broker.close();
    }
  });
});
