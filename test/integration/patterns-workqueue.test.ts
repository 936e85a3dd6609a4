// Work-queue pattern (RabbitMQ tutorial 2) with amqplib: competing consumers, fair dispatch
// with prefetch=1, plain round-robin without prefetch, and redelivery when a worker dies.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import { closeQuietly, connect, sleep, waitFor } from '../support/clients.js';

let broker: TestBroker;
const connections: ChannelModel[] = [];

async function open(): Promise<ChannelModel> {
  const conn = await connect(broker.url);
  connections.push(conn);
  return conn;
}

interface Worker {
  name: string;
  ch: Channel;
  processed: string[];
  redelivered: number;
  inFlight: number;
  maxInFlight: number;
}

/** A worker on its own connection that acks each message after `delayMs`. */
async function startWorker(name: string, queue: string, delayMs: number, prefetch: number | undefined): Promise<Worker> {
  const conn = await open();
  const ch = await conn.createChannel();
  ch.on('error', () => {});
  if (prefetch !== undefined) await ch.prefetch(prefetch);
  const w: Worker = { name, ch, processed: [], redelivered: 0, inFlight: 0, maxInFlight: 0 };
  await ch.consume(queue, (msg: ConsumeMessage | null) => {
    if (!msg) return;
    w.inFlight += 1;
    w.maxInFlight = Math.max(w.maxInFlight, w.inFlight);
    if (msg.fields.redelivered) w.redelivered += 1;
    const done = () => {
      w.processed.push(msg.content.toString());
      w.inFlight -= 1;
      ch.ack(msg);
    };
    if (delayMs > 0) setTimeout(done, delayMs);
    else setImmediate(done);
  });
  return w;
}

before(async () => {
  broker = await startTestBroker();
});

after(async () => {
  for (const c of connections) await closeQuietly(c);
  await broker.close();
});

describe('work queue', () => {
  test('prefetch=1 dispatches fairly: the slow worker gets fewer tasks, every task is processed exactly once', async () => {
    const producer = await open();
    const ch = await producer.createChannel();
    const queue = uniqueName('tasks');
    await ch.assertQueue(queue, { durable: false, autoDelete: true });
    const slow = await startWorker('slow', queue, 300, 1);
    const fast = await startWorker('fast', queue, 0, 1);
    const total = 30;
    const ids = Array.from({ length: total }, (_, i) => `task-${i}`);
    for (const id of ids) ch.sendToQueue(queue, Buffer.from(id), { persistent: false });
    await waitFor(() => slow.processed.length + fast.processed.length >= total, 15_000, `${total} tasks processed`);
    await sleep(400); // would expose duplicate deliveries
    const all = [...slow.processed, ...fast.processed];
    assert.equal(all.length, total, `processed ${all.length} tasks, expected ${total}`);
    assert.deepEqual([...all].sort(), [...ids].sort(), 'every task exactly once');
    assert.ok(slow.processed.length > 0, 'slow worker got no work');
    assert.ok(fast.processed.length > 0, 'fast worker got no work');
    assert.ok(
      slow.processed.length < fast.processed.length,
      `slow worker got ${slow.processed.length}, fast got ${fast.processed.length}`,
    );
    assert.equal(slow.maxInFlight, 1, 'prefetch=1: at most one unacked task per worker (slow)');
    assert.equal(fast.maxInFlight, 1, 'prefetch=1: at most one unacked task per worker (fast)');
    assert.equal(slow.redelivered + fast.redelivered, 0, 'nothing redelivered');
    // each worker sees its tasks in queue order
    for (const w of [slow, fast]) {
      const order = w.processed.map((s) => Number(s.split('-')[1]));
      assert.deepEqual(order, [...order].sort((a, b) => a - b), `${w.name} order`);
    }
    const q = await ch.checkQueue(queue);
    assert.equal(q.messageCount, 0);
    assert.equal(q.consumerCount, 2);
  });

  test('without prefetch, messages are dispatched round-robin', async () => {
    const producer = await open();
    const ch = await producer.createChannel();
    const queue = uniqueName('rr');
    await ch.assertQueue(queue, { durable: false, autoDelete: true });
    const a = await startWorker('a', queue, 0, undefined);
    const b = await startWorker('b', queue, 0, undefined);
    for (let i = 0; i < 20; i++) ch.sendToQueue(queue, Buffer.from(String(i)));
    await waitFor(() => a.processed.length + b.processed.length >= 20, 10_000, '20 messages');
    await sleep(200);
    assert.equal(a.processed.length, 10, `a got ${a.processed}`);
    assert.equal(b.processed.length, 10, `b got ${b.processed}`);
    // strict alternation: one worker gets the even messages, the other the odd ones
    const parityA = new Set(a.processed.map((s) => Number(s) % 2));
    const parityB = new Set(b.processed.map((s) => Number(s) % 2));
    assert.equal(parityA.size, 1, `a: ${a.processed}`);
    assert.equal(parityB.size, 1, `b: ${b.processed}`);
    assert.notDeepEqual([...parityA], [...parityB]);
  });

  test("a dead worker's unacked task is redelivered to the surviving worker", async () => {
    const producer = await open();
    const ch = await producer.createChannel();
    const queue = uniqueName('crash');
    await ch.assertQueue(queue, { durable: false, autoDelete: true });
    // The crashing worker takes one task and never acks it.
    const crashConn = await open();
    const crashCh = await crashConn.createChannel();
    await crashCh.prefetch(1);
    const taken: ConsumeMessage[] = [];
    await crashCh.consume(queue, (m) => {
      if (m) taken.push(m);
    });
    ch.sendToQueue(queue, Buffer.from('job-1'), { messageId: 'job-1' });
    await waitFor(() => taken.length === 1, 10_000, 'the crashing worker to take job-1');
    const survivor = await startWorker('survivor', queue, 0, 1);
    ch.sendToQueue(queue, Buffer.from('job-2'));
    await waitFor(() => survivor.processed.length === 1, 10_000, 'job-2 on the survivor');
    await closeQuietly(crashConn); // crash: job-1 goes back to the queue
    await waitFor(() => survivor.processed.length === 2, 10_000, 'job-1 redelivered');
    assert.deepEqual(survivor.processed, ['job-2', 'job-1']);
    assert.equal(survivor.redelivered, 1, 'the requeued task is flagged redelivered');
    assert.equal((await ch.checkQueue(queue)).messageCount, 0);
  });
});
