// Queue features driven by x-arguments and message properties: TTL and expiration,
// dead-lettering (x-death), max-length and overflow, priorities, queue expiry and
// single active consumer. Driven with amqplib.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { GetMessage } from 'amqplib';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import {
  destroyAllSockets,
  closeQuietly,
  connect,
  consumeInto,
  getEventually,
  openChannel,
  openConfirmChannel,
  sleep,
  trackChannel,
  waitForMessageCount,
  type Channel,
  type ChannelModel,
} from '../support/clients.js';

/** Fail a test instead of hanging the run if the broker stops answering. */
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
    out.push(m.content.toString());
  }
}

interface XDeathEntry {
  count: number;
  reason: string;
  queue: string;
  exchange: string;
  'routing-keys': string[];
  time: { '!': string; value: number };
  'original-expiration'?: string;
}

function xDeath(m: GetMessage): XDeathEntry[] {
  const headers = m.properties.headers ?? {};
  assert.ok(Array.isArray(headers['x-death']), 'x-death header must be an array of tables');
  return headers['x-death'] as XDeathEntry[];
}

function assertTimestampNearNow(t: { '!': string; value: number }): void {
  assert.equal(t['!'], 'timestamp', 'x-death time is an AMQP timestamp');
  const now = Math.floor(Date.now() / 1000);
  assert.ok(Math.abs(t.value - now) < 300, `timestamp ${t.value} should be close to now (${now}), in seconds`);
}

describe('message TTL', () => {
  test('x-message-ttl expires messages that stay in the queue too long', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = (await ch.assertQueue('', { exclusive: true, messageTtl: 50 })).queue;
      ch.sendToQueue(q, Buffer.from('short-lived'));
      await waitForMessageCount(ch, q, 0);
      assert.equal(await ch.get(q), false);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('the per-message expiration property expires individual messages', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = (await ch.assertQueue('', { exclusive: true })).queue;
      ch.sendToQueue(q, Buffer.from('expires'), { expiration: '20' });
      ch.sendToQueue(q, Buffer.from('stays'), { expiration: '60000' });
      ch.sendToQueue(q, Buffer.from('forever'));
      await sleep(100);
      await waitForMessageCount(ch, q, 2);
      const a = await ch.get(q, { noAck: true });
      assert.ok(a);
      assert.equal(a.content.toString(), 'stays');
      assert.equal(a.properties.expiration, '60000', 'the expiration property is delivered unchanged');
      const b = await ch.get(q, { noAck: true });
      assert.ok(b);
      assert.equal(b.content.toString(), 'forever');
    } finally {
      await closeQuietly(ch);
    }
  });

  test("expiration '0' on a queue without consumers discards the message", LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = (await ch.assertQueue('', { exclusive: true })).queue;
      ch.sendToQueue(q, Buffer.from('now or never'), { expiration: '0' });
      ch.sendToQueue(q, Buffer.from('marker'));
      await waitForMessageCount(ch, q, 1);
      assert.deepEqual(await drain(ch, q), ['marker']);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('the lower of the queue TTL and the message expiration applies', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = (await ch.assertQueue('', { exclusive: true, messageTtl: 30 })).queue;
      ch.sendToQueue(q, Buffer.from('long expiration, short queue ttl'), { expiration: '60000' });
      await waitForMessageCount(ch, q, 0);
    } finally {
      await closeQuietly(ch);
    }
  });

  for (const [value, detail] of [
    ['abc', 'no_integer'],
    ['-5', '{value_negative,-5}'],
    ['1.5', '{leftover_string,".5"}'],
  ] as const) {
    test(`publishing with expiration '${value}' closes the channel with 406 invalid expiration`, LIMIT, async () => {
      const { ch, closed } = await trackChannel(conn);
      ch.sendToQueue(uniqueName('q.any'), Buffer.from('x'), { expiration: value });
      const err = await closed;
      assert.equal(err?.code, 406);
      assert.equal(
        err!.message,
        `Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - invalid expiration '${value}': ${detail}"`,
      );
    });
  }
});

describe('dead-lettering', () => {
  test('a rejected message is dead-lettered with an x-death entry, x-first-death-* headers and original-expiration', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const dlq = (await ch.assertQueue('', { exclusive: true })).queue;
      const q = (await ch.assertQueue('', { exclusive: true, deadLetterExchange: '', deadLetterRoutingKey: dlq })).queue;
      ch.sendToQueue(q, Buffer.from('doomed'), { headers: { keep: 'me' }, expiration: '60000', messageId: 'm-1' });
      const m = await getEventually(ch, q);
      ch.reject(m, false);
      const d = await getEventually(ch, dlq, { noAck: true });
      assert.equal(d.content.toString(), 'doomed');
      assert.equal(d.fields.exchange, '', 'republished through the dead-letter exchange');
      assert.equal(d.fields.routingKey, dlq, 'x-dead-letter-routing-key replaces the routing key');
      assert.equal(d.fields.redelivered, false);
      assert.equal(d.properties.messageId, 'm-1', 'other properties are kept');
      assert.equal(d.properties.expiration, undefined, 'the expiration property is removed');
      const headers = d.properties.headers!;
      assert.equal(headers.keep, 'me');
      assert.equal(headers['x-first-death-exchange'], '');
      assert.equal(headers['x-first-death-queue'], q);
      assert.equal(headers['x-first-death-reason'], 'rejected');
      const [entry, ...rest] = xDeath(d);
      assert.equal(rest.length, 0);
      assert.equal(entry.count, 1);
      assert.equal(entry.reason, 'rejected');
      assert.equal(entry.queue, q);
      assert.equal(entry.exchange, '');
      assert.deepEqual(entry['routing-keys'], [q]);
      assert.equal(entry['original-expiration'], '60000');
      assertTimestampNearNow(entry.time);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('nack with requeue=false and multiple=true dead-letters every covered message', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const dlq = (await ch.assertQueue('', { exclusive: true })).queue;
      const q = (await ch.assertQueue('', { exclusive: true, deadLetterExchange: '', deadLetterRoutingKey: dlq })).queue;
      for (let i = 0; i < 3; i++) ch.sendToQueue(q, Buffer.from(`m${i}`));
      await waitForMessageCount(ch, q, 3);
      const got: GetMessage[] = [];
      for (let i = 0; i < 3; i++) got.push((await ch.get(q)) as GetMessage);
      ch.nack(got[2], true, false);
      await waitForMessageCount(ch, dlq, 3);
      assert.deepEqual(await drain(ch, dlq), ['m0', 'm1', 'm2']);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a rejected message without a dead-letter exchange is simply dropped', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = (await ch.assertQueue('', { exclusive: true })).queue;
      ch.sendToQueue(q, Buffer.from('dropped'));
      const m = await getEventually(ch, q);
      ch.reject(m, false);
      await waitForMessageCount(ch, q, 0);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('expired messages are dead-lettered with reason expired, keeping their routing keys (including CC) when no dead-letter routing key is set', LIMIT, async () => {
    const ch = await openChannel(conn);
    const dlx = uniqueName('x.dlx');
    try {
      await ch.assertExchange(dlx, 'topic', { durable: false });
      const dlq = (await ch.assertQueue('', { exclusive: true })).queue;
      await ch.bindQueue(dlq, dlx, 'orders.#');
      const src = uniqueName('x.src');
      await ch.assertExchange(src, 'direct', { durable: false });
      const q = (await ch.assertQueue('', { exclusive: true, messageTtl: 20, deadLetterExchange: dlx })).queue;
      await ch.bindQueue(q, src, 'orders.created');
      ch.publish(src, 'orders.created', Buffer.from('late'), { CC: 'orders.cc' });
      const d = await getEventually(ch, dlq, { noAck: true });
      assert.equal(d.fields.exchange, dlx);
      assert.equal(d.fields.routingKey, 'orders.created');
      const [entry] = xDeath(d);
      assert.equal(entry.reason, 'expired');
      assert.equal(entry.queue, q);
      assert.equal(entry.exchange, src);
      assert.deepEqual(entry['routing-keys'], ['orders.created', 'orders.cc']);
      assert.equal(entry['original-expiration'], undefined, 'only set when the message had an expiration property');
      assert.deepEqual(d.properties.headers!.CC, ['orders.cc'], 'the CC header is kept');
      await sleep(50);
      assert.equal(await ch.get(dlq), false, 'one dead-lettered copy, even though the DLX routes two routing keys to the queue');
      await ch.deleteExchange(src);
    } finally {
      await ch.deleteExchange(dlx).catch(() => {});
      await closeQuietly(ch);
    }
  });

  test('messages dropped by x-max-length are dead-lettered with reason maxlen, oldest first', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const dlq = (await ch.assertQueue('', { exclusive: true })).queue;
      const q = (await ch.assertQueue('', { exclusive: true, maxLength: 2, deadLetterExchange: '', deadLetterRoutingKey: dlq })).queue;
      for (const b of ['a', 'b', 'c', 'd']) ch.sendToQueue(q, Buffer.from(b));
      await waitForMessageCount(ch, dlq, 2);
      assert.equal((await ch.checkQueue(q)).messageCount, 2);
      const first = await getEventually(ch, dlq, { noAck: true });
      assert.equal(first.content.toString(), 'a');
      assert.equal(xDeath(first)[0].reason, 'maxlen');
      assert.deepEqual(await drain(ch, dlq), ['b']);
      assert.deepEqual(await drain(ch, q), ['c', 'd']);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('repeated dead-lettering increments x-death counts per (queue, reason), most recent entry first', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q1 = uniqueName('q.dl1');
      const q2 = uniqueName('q.dl2');
      await ch.assertQueue(q1, { exclusive: true, deadLetterExchange: '', deadLetterRoutingKey: q2 });
      // q2 expires messages straight back into q1
      await ch.assertQueue(q2, { exclusive: true, messageTtl: 10, deadLetterExchange: '', deadLetterRoutingKey: q1 });
      ch.sendToQueue(q1, Buffer.from('cycling'));
      for (let i = 0; i < 2; i++) {
        const m = await getEventually(ch, q1);
        ch.reject(m, false);
      }
      const m = await getEventually(ch, q1, { noAck: true });
      const deaths = xDeath(m);
      assert.equal(deaths.length, 2);
      assert.deepEqual(
        deaths.map((d) => [d.queue, d.reason, d.count, d.exchange, d['routing-keys']]),
        [
          [q2, 'expired', 2, '', [q2]],
          [q1, 'rejected', 2, '', [q1]],
        ],
      );
      const h = m.properties.headers!;
      assert.equal(h['x-first-death-queue'], q1);
      assert.equal(h['x-first-death-reason'], 'rejected');
      assert.equal(h['x-first-death-exchange'], '');
    } finally {
      await closeQuietly(ch);
    }
  });
});

describe('max-length and overflow', () => {
  test('x-max-length drops from the head by default', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const q = (await ch.assertQueue('', { exclusive: true, maxLength: 2 })).queue;
      for (const b of ['1', '2', '3', '4']) ch.sendToQueue(q, Buffer.from(b));
      await ch.waitForConfirms();
      assert.deepEqual(await drain(ch, q), ['3', '4']);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('x-max-length 0 keeps nothing', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const q = (await ch.assertQueue('', { exclusive: true, maxLength: 0 })).queue;
      ch.sendToQueue(q, Buffer.from('gone'));
      await ch.waitForConfirms();
      assert.deepEqual(await drain(ch, q), []);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('x-max-length-bytes limits the total body size', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const q = (await ch.assertQueue('', { exclusive: true, arguments: { 'x-max-length-bytes': 10 } })).queue;
      for (const b of ['aaaa', 'bbbb', 'cccc']) ch.sendToQueue(q, Buffer.from(b));
      await ch.waitForConfirms();
      assert.deepEqual(await drain(ch, q), ['bbbb', 'cccc']);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('x-overflow reject-publish refuses new messages and nacks them on a confirm channel', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const q = (await ch.assertQueue('', { exclusive: true, maxLength: 2, overflow: 'reject-publish' })).queue;
      const outcomes: Array<string> = [];
      const publish = (body: string) =>
        new Promise<void>((resolve) => {
          ch.sendToQueue(q, Buffer.from(body), {}, (err) => {
            outcomes.push(`${body}:${err ? 'nack' : 'ack'}`);
            resolve();
          });
        });
      await Promise.all(['1', '2', '3'].map(publish));
      assert.deepEqual(outcomes, ['1:ack', '2:ack', '3:nack']);
      assert.deepEqual(await drain(ch, q), ['1', '2']);
    } finally {
      await closeQuietly(ch);
    }
  });
});

describe('priorities', () => {
  test('a queue with x-max-priority delivers higher priorities first, FIFO within a priority, no priority counting as 0', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const q = (await ch.assertQueue('', { exclusive: true, maxPriority: 10 })).queue;
      ch.sendToQueue(q, Buffer.from('none'));
      ch.sendToQueue(q, Buffer.from('p1'), { priority: 1 });
      ch.sendToQueue(q, Buffer.from('p5a'), { priority: 5 });
      ch.sendToQueue(q, Buffer.from('p0'), { priority: 0 });
      ch.sendToQueue(q, Buffer.from('p9'), { priority: 9 });
      ch.sendToQueue(q, Buffer.from('p5b'), { priority: 5 });
      await ch.waitForConfirms();
      assert.deepEqual(await drain(ch, q), ['p9', 'p5a', 'p5b', 'p1', 'none', 'p0']);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('priorities above x-max-priority are treated as the maximum (and delivered unchanged)', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const q = (await ch.assertQueue('', { exclusive: true, maxPriority: 3 })).queue;
      ch.sendToQueue(q, Buffer.from('p2'), { priority: 2 });
      ch.sendToQueue(q, Buffer.from('p3'), { priority: 3 });
      ch.sendToQueue(q, Buffer.from('p200'), { priority: 200 });
      await ch.waitForConfirms();
      const out: Array<[string, number]> = [];
      for (;;) {
        const m = await ch.get(q, { noAck: true });
        if (!m) break;
        out.push([m.content.toString(), m.properties.priority]);
      }
      assert.deepEqual(out, [
        ['p3', 3],
        ['p200', 200],
        ['p2', 2],
      ]);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a queue without x-max-priority ignores message priorities (FIFO)', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const q = (await ch.assertQueue('', { exclusive: true })).queue;
      ch.sendToQueue(q, Buffer.from('low'), { priority: 1 });
      ch.sendToQueue(q, Buffer.from('high'), { priority: 9 });
      await ch.waitForConfirms();
      assert.deepEqual(await drain(ch, q), ['low', 'high']);
    } finally {
      await closeQuietly(ch);
    }
  });
});

describe('queue expiry and single active consumer', () => {
  test('x-expires deletes a queue that stays unused', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const name = uniqueName('q.expires');
      await ch.assertQueue(name, { durable: false, expires: 100 });
      // Any declare (passive too) counts as use and restarts the expiry timer, so check rarely.
      let gone = false;
      for (let i = 0; i < 15 && !gone; i++) {
        await sleep(300);
        const t = await trackChannel(conn);
        try {
          await t.ch.checkQueue(name);
          await t.ch.close();
        } catch {
          gone = (await t.closed)?.code === 404;
        }
      }
      assert.ok(gone, 'the queue should have expired');
    } finally {
      await closeQuietly(ch);
    }
  });

  test('x-expires does not delete a queue while it has a consumer', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const name = uniqueName('q.expires.used');
      await ch.assertQueue(name, { durable: false, expires: 100 });
      const { consumerTag } = await ch.consume(name, () => {});
      await sleep(300);
      assert.equal((await ch.checkQueue(name)).consumerCount, 1);
      await ch.cancel(consumerTag);
      await ch.deleteQueue(name);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('with x-single-active-consumer only the first consumer receives messages until it goes away', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = (await ch.assertQueue('', { exclusive: true, arguments: { 'x-single-active-consumer': true } })).queue;
      const first = await consumeInto(ch, q, { noAck: true });
      const second = await consumeInto(ch, q, { noAck: true });
      for (let i = 0; i < 4; i++) ch.sendToQueue(q, Buffer.from(`a${i}`));
      await first.inbox.take(4);
      assert.equal(second.inbox.messages.length, 0);
      await ch.cancel(first.consumerTag);
      for (let i = 0; i < 2; i++) ch.sendToQueue(q, Buffer.from(`b${i}`));
      const got = await second.inbox.take(2);
      assert.deepEqual(
        got.map((m) => m.content.toString()),
        ['b0', 'b1'],
      );
      assert.equal(first.inbox.messages.length, 4);
    } finally {
      await closeQuietly(ch);
    }
  });
});
