// Deep queues page their ready messages to disk beyond a threshold and deliver them back in
// order, persistent or not; nothing is lost across the memory/disk boundary.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { startBroker } from '../../src/index.js';

describe('queue paging', () => {
  test('a queue deeper than the paging threshold spills to disk and drains in order', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'warren-paging-'));
    const broker = await startBroker({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'error', queuePagingThreshold: 500 });
    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}`);
    try {
      const ch = await conn.createConfirmChannel();
      await ch.assertQueue('deep', { durable: true });
      await ch.assertQueue('deep.prio', { durable: false, arguments: { 'x-max-priority': 5 } });
      const n = 20_000;
      for (let i = 0; i < n; i++) {
        ch.sendToQueue('deep', Buffer.from(`m${i}`), { persistent: i % 2 === 0 });
        ch.sendToQueue('deep.prio', Buffer.from(`p${i}`), { priority: i % 2 === 0 ? 5 : 1 });
      }
      await ch.waitForConfirms();
      const paging = join(dataDir, 'paging');
      assert.ok(existsSync(paging) && readdirSync(paging).length > 0, 'deep queues must have paging files');
      assert.equal((await ch.checkQueue('deep')).messageCount, n);

      const got: string[] = [];
      await ch.prefetch(1000);
      await new Promise<void>((resolve) => {
        void ch.consume('deep', (m) => {
          if (!m) return;
          got.push(m.content.toString());
          ch.ack(m);
          if (got.length === n) resolve();
        });
      });
      assert.deepEqual(got, Array.from({ length: n }, (_, i) => `m${i}`));

      // Priority levels page independently: all priority-5 messages, in order, then priority 1.
      const prio: string[] = [];
      for (;;) {
        const m = await ch.get('deep.prio', { noAck: true });
        if (!m) break;
        prio.push(m.content.toString());
      }
      const evens = Array.from({ length: n / 2 }, (_, i) => `p${2 * i}`);
      const odds = Array.from({ length: n / 2 }, (_, i) => `p${2 * i + 1}`);
      assert.deepEqual(prio, [...evens, ...odds]);
    } finally {
      await conn.close();
      await broker.close();
    }
  });
});
