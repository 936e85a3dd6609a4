// Length limits beyond the basics: reject-publish decides per publish against the ready count,
// without confirms refused messages just vanish, a message refused by one of its queues is
// nacked while the others keep it, priority queues drop their highest priority first, and
// requeued messages count against the limit. Expected values recorded against RabbitMQ 3.10.8.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import {
  closeQuietly,
  connect,
  destroyAllSockets,
  openChannel,
  openConfirmChannel,
  sleep,
  waitForMessageCount,
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
} from '../support/clients.js';

const LIMIT = { timeout: 20_000 };

let broker: TestBroker;
let conn: ChannelModel;

before(async () => {
  broker = await startTestBroker();
  conn = await connect(broker.url);
}, LIMIT);

after(async () => {
  await closeQuietly(conn);
  await broker.close();
  destroyAllSockets();
}, LIMIT);

async function drain(ch: Channel, q: string): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const m = await ch.get(q, { noAck: true });
    if (m === false) return out;
    out.push(m.content.toString() + (m.fields.redelivered ? '*' : ''));
  }
}

/** Publishes one message at a time, waiting for its confirm: "body:ack" or "body:nack". */
async function publishEach(ch: ConfirmChannel, exchange: string, routingKey: string, bodies: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const body of bodies) {
    await new Promise<void>((resolve) => ch.publish(exchange, routingKey, Buffer.from(body), {}, (err) => {
      out.push(`${body}:${err ? 'nack' : 'ack'}`);
      resolve();
    }));
  }
  return out;
}

describe('reject-publish', () => {
  test('each publish is refused while the queue is full and accepted again once there is room', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const q = (await ch.assertQueue('', { exclusive: true, maxLength: 2, overflow: 'reject-publish' })).queue;
      assert.deepEqual(await publishEach(ch, '', q, ['1', '2', '3', '4']), ['1:ack', '2:ack', '3:nack', '4:nack']);
      await ch.get(q, { noAck: true });
      assert.deepEqual(await publishEach(ch, '', q, ['5', '6']), ['5:ack', '6:nack']);
      assert.deepEqual(await drain(ch, q), ['2', '5']);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('without confirms a refused message is dropped silently', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = (await ch.assertQueue('', { exclusive: true, maxLength: 1, overflow: 'reject-publish' })).queue;
      for (const b of ['1', '2', '3']) ch.sendToQueue(q, Buffer.from(b), { mandatory: true } as never);
      await waitForMessageCount(ch, q, 1);
      await sleep(50);
      assert.deepEqual(await drain(ch, q), ['1']);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a message refused by one of its queues is nacked, and the other queues keep it', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    const x = uniqueName('x.fan');
    try {
      await ch.assertExchange(x, 'fanout', { durable: false });
      const full = (await ch.assertQueue('', { exclusive: true, maxLength: 1, overflow: 'reject-publish' })).queue;
      const open = (await ch.assertQueue('', { exclusive: true })).queue;
      await ch.bindQueue(full, x, '');
      await ch.bindQueue(open, x, '');
      assert.deepEqual(await publishEach(ch, x, '', ['1', '2']), ['1:ack', '2:nack']);
      assert.deepEqual(await drain(ch, full), ['1']);
      assert.deepEqual(await drain(ch, open), ['1', '2']);
    } finally {
      await ch.deleteExchange(x).catch(() => {});
      await closeQuietly(ch);
    }
  });
});

describe('drop-head', () => {
  test('a priority queue drops the message it would deliver next: the highest priority', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const dlq = (await ch.assertQueue('', { exclusive: true })).queue;
      const q = (await ch.assertQueue('', {
        exclusive: true, maxPriority: 9, maxLength: 2, deadLetterExchange: '', deadLetterRoutingKey: dlq,
      })).queue;
      for (const [b, priority] of [['p5', 5], ['p1', 1], ['p9', 9], ['p0', 0]] as const) ch.sendToQueue(q, Buffer.from(b), { priority });
      await ch.waitForConfirms();
      await waitForMessageCount(ch, dlq, 2);
      assert.deepEqual(await drain(ch, q), ['p1', 'p0']);
      assert.deepEqual(await drain(ch, dlq), ['p9', 'p5']);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('requeued messages count against the limit: back at the head, they are the ones dropped', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const dlq = (await ch.assertQueue('', { exclusive: true })).queue;
      const q = (await ch.assertQueue('', { exclusive: true, maxLength: 2, deadLetterExchange: '', deadLetterRoutingKey: dlq })).queue;
      ch.sendToQueue(q, Buffer.from('a'));
      ch.sendToQueue(q, Buffer.from('b'));
      await ch.waitForConfirms();
      await ch.get(q);
      const b = await ch.get(q);
      assert.ok(b);
      ch.sendToQueue(q, Buffer.from('c'));
      ch.sendToQueue(q, Buffer.from('d'));
      await ch.waitForConfirms();
      ch.nack(b, true, true);
      await waitForMessageCount(ch, dlq, 2);
      assert.deepEqual(await drain(ch, q), ['c', 'd']);
      assert.deepEqual(await drain(ch, dlq), ['a', 'b']);
    } finally {
      await closeQuietly(ch);
    }
  });
});
