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

  test('a deep durable queue is restored at restart through paging, in order', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'warren-paging-restart-'));
    const opts = { port: 0, host: '127.0.0.1', dataDir, logLevel: 'error' as const, queuePagingThreshold: 300 };
    const n = 5000;
    const b1 = await startBroker(opts);
    const c1 = await amqp.connect(`amqp://guest:guest@127.0.0.1:${b1.port}`);
    const ch1 = await c1.createConfirmChannel();
    await ch1.assertQueue('deep.restart', { durable: true });
    for (let i = 0; i < n; i++) ch1.sendToQueue('deep.restart', Buffer.from(`m${i}`.padEnd(1000, '.')), { persistent: true });
    await ch1.waitForConfirms();
    await c1.close();
    await b1.close();
    const b2 = await startBroker(opts);
    const c2 = await amqp.connect(`amqp://guest:guest@127.0.0.1:${b2.port}`);
    try {
      const paging = join(dataDir, 'paging');
      assert.ok(existsSync(paging) && readdirSync(paging).length > 0, 'the restored backlog went to paging files, not all into memory');
      const ch2 = await c2.createChannel();
      assert.equal((await ch2.checkQueue('deep.restart')).messageCount, n);
      const got: string[] = [];
      for (;;) {
        const m = await ch2.get('deep.restart', { noAck: true });
        if (!m) break;
        got.push(m.content.toString());
      }
      assert.deepEqual(got, Array.from({ length: n }, (_, i) => `m${i}`.padEnd(1000, '.')));
    } finally {
      await c2.close();
      await b2.close();
    }
  });
});
