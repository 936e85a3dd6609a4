// Deliveries pause when a client's socket is backed up and resume when it drains — also when the
// kernel takes the backed-up batch at once (no 'drain' event): nothing stalls, nothing is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import { startTestBroker, uniqueName } from '../support/broker.js';

test('a no-ack consumer of a deep queue receives every message (write back-pressure never stalls)', async () => {
  const broker = await startTestBroker();
  const conn = await amqp.connect(broker.url);
  try {
    const ch = await conn.createConfirmChannel();
    const q = uniqueName('flow.deep');
    await ch.assertQueue(q, { exclusive: true });
    const n = 20_000;
    const body = Buffer.alloc(1024, 1);
    for (let i = 0; i < n; i++) ch.sendToQueue(q, body);
    await ch.waitForConfirms();
    let got = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stalled after ${got} of ${n} deliveries`)), 20000);
      void ch.consume(q, (m) => {
        if (m && ++got === n) {
          clearTimeout(timer);
          resolve();
        }
      }, { noAck: true });
    });
    assert.equal(got, n);
  } finally {
    await conn.close();
    await broker.close();
  }
});
