// Exchange type x-delayed-message (RabbitMQ's delayed-message plugin, built in): messages with an
// x-delay header are routed once the delay has passed; persistent ones survive a restart.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { startBroker } from '../../src/index.js';

async function drain(ch: amqp.Channel, q: string): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const m = await ch.get(q, { noAck: true });
    if (!m) return out;
    out.push(m.content.toString());
  }
}

async function waitUntil(cond: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('x-delayed-message exchange', () => {
  // Arrival order and lower bounds only: a loaded machine may deliver late, never early.
  test('routes like its x-delayed-type, holding messages with x-delay until it passes, shortest delay first', async () => {
    const broker = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'error' });
    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}`);
    try {
      const ch = await conn.createConfirmChannel();
      await ch.assertExchange('delayed', 'x-delayed-message', { durable: false, arguments: { 'x-delayed-type': 'direct' } });
      const q = (await ch.assertQueue('', { exclusive: true })).queue;
      await ch.bindQueue(q, 'delayed', 'k');
      const arrived: { body: string; at: number }[] = [];
      let sawAll: () => void = () => {};
      const allThree = new Promise<void>((resolve) => (sawAll = resolve));
      await ch.consume(q, (m) => {
        if (!m) return;
        arrived.push({ body: m.content.toString(), at: Date.now() });
        if (arrived.length === 3) sawAll();
      }, { noAck: true });
      const sentAt = Date.now();
      ch.publish('delayed', 'k', Buffer.from('late'), { headers: { 'x-delay': 600 } });
      ch.publish('delayed', 'k', Buffer.from('soon'), { headers: { 'x-delay': 300 } });
      ch.publish('delayed', 'k', Buffer.from('now'));
      ch.publish('delayed', 'other-key', Buffer.from('unrouted'), { headers: { 'x-delay': 100 } });
      await ch.waitForConfirms();
      await allThree;
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(arrived.map((a) => a.body), ['now', 'soon', 'late'], 'in order of due time; the unroutable one never arrives');
      assert.ok(arrived[1].at - sentAt >= 300, `'soon' was held for its 300 ms (arrived after ${arrived[1].at - sentAt} ms)`);
      assert.ok(arrived[2].at - sentAt >= 600, `'late' was held for its 600 ms (arrived after ${arrived[2].at - sentAt} ms)`);
    } finally {
      await conn.close();
      await broker.close();
    }
  });

  test('an x-delayed-message exchange without a valid x-delayed-type is refused with 406', async () => {
    const broker = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'error' });
    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}`);
    try {
      const ch = await conn.createChannel();
      const closed = new Promise<{ code?: number; message?: string }>((resolve) => ch.on('error', resolve));
      await ch.assertExchange('bad', 'x-delayed-message', { durable: false }).catch(() => {});
      const err = await closed;
      assert.equal(err.code, 406);
      assert.match(String(err.message), /x-delayed-type/);
    } finally {
      await conn.close();
      await broker.close();
    }
  });

  test('persistent delayed messages survive a restart and are delivered when due', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'warren-delayed-'));
    const b1 = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'error', dataDir });
    const c1 = await amqp.connect(`amqp://guest:guest@127.0.0.1:${b1.port}`);
    const ch1 = await c1.createConfirmChannel();
    await ch1.assertExchange('later', 'x-delayed-message', { durable: true, arguments: { 'x-delayed-type': 'fanout' } });
    await ch1.assertQueue('later.q', { durable: true });
    await ch1.bindQueue('later.q', 'later', '');
    ch1.publish('later', '', Buffer.from('kept'), { persistent: true, headers: { 'x-delay': 1500 } });
    ch1.publish('later', '', Buffer.from('dropped'), { persistent: false, headers: { 'x-delay': 1500 } });
    await ch1.waitForConfirms();
    await c1.close();
    await b1.close();
    const b2 = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'error', dataDir });
    const c2 = await amqp.connect(`amqp://guest:guest@127.0.0.1:${b2.port}`);
    try {
      const ch2 = await c2.createChannel();
      const got: string[] = [];
      await waitUntil(async () => {
        got.push(...(await drain(ch2, 'later.q')));
        return got.length >= 1;
      }, 8000);
      await new Promise((r) => setTimeout(r, 300));
      got.push(...(await drain(ch2, 'later.q')));
      assert.deepEqual(got, ['kept']);
    } finally {
      await c2.close();
      await b2.close();
    }
  });
});
