// Publish/subscribe and routing patterns (RabbitMQ tutorials 3-5) with amqplib: fanout to
// several subscribers, direct routing by severity, and topic routing including the edge cases
// of '*' and '#' matching. The topic truth table was recorded against RabbitMQ 3.10.8.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Channel, ChannelModel } from 'amqplib';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import { closeQuietly, connect, consumeInto, sleep, waitFor, type Inbox } from '../support/clients.js';

let broker: TestBroker;
let conn: ChannelModel;
let ch: Channel;

before(async () => {
  broker = await startTestBroker();
  conn = await connect(broker.url);
  ch = await conn.createChannel();
});

after(async () => {
  await closeQuietly(conn);
  await broker.close();
});

/** Gets everything currently in `queue` (after the expected count arrived, plus a short grace period). */
async function drain(queue: string, expected: number): Promise<string[]> {
  const out: string[] = [];
  const deadline = Date.now() + 10_000;
  while (out.length < expected && Date.now() < deadline) {
    const m = await ch.get(queue, { noAck: true });
    if (m) out.push(m.content.toString());
    else await sleep(10);
  }
  await sleep(100);
  for (;;) {
    const m = await ch.get(queue, { noAck: true });
    if (!m) break;
    out.push(m.content.toString());
  }
  return out;
}

async function tempQueue(): Promise<string> {
  return (await ch.assertQueue('', { exclusive: true })).queue;
}

describe('publish/subscribe (fanout)', () => {
  test('three subscribers each receive every message, in order, whatever the routing key', async () => {
    const sub = await connect(broker.url);
    try {
      const exchange = uniqueName('logs');
      await ch.assertExchange(exchange, 'fanout', { durable: false, autoDelete: true });
      const inboxes: Inbox[] = [];
      for (let i = 0; i < 3; i++) {
        const sch = await sub.createChannel();
        const { queue } = await sch.assertQueue('', { exclusive: true });
        await sch.bindQueue(queue, exchange, i === 0 ? '' : `ignored-${i}`);
        inboxes.push((await consumeInto(sch, queue, { noAck: true })).inbox);
      }
      const sent = Array.from({ length: 10 }, (_, i) => `log line ${i}`);
      sent.forEach((body, i) => ch.publish(exchange, i % 2 ? 'some.key' : '', Buffer.from(body)));
      for (const inbox of inboxes) {
        const got = await inbox.take(10, 10_000);
        assert.deepEqual(
          got.map((m) => m.content.toString()),
          sent,
        );
        assert.ok(got.every((m) => m.fields.exchange === exchange));
      }
      await sleep(100);
      for (const inbox of inboxes) assert.equal(inbox.messages.length, 10, 'no duplicates');
    } finally {
      await closeQuietly(sub);
    }
  });

  test('a subscriber that joins late only sees messages published after it bound', async () => {
    const exchange = uniqueName('late');
    await ch.assertExchange(exchange, 'fanout', { durable: false, autoDelete: true });
    const early = await tempQueue();
    await ch.bindQueue(early, exchange, '');
    ch.publish(exchange, '', Buffer.from('before'));
    const late = await tempQueue();
    await ch.bindQueue(late, exchange, '');
    ch.publish(exchange, '', Buffer.from('after'));
    assert.deepEqual(await drain(early, 2), ['before', 'after']);
    assert.deepEqual(await drain(late, 1), ['after']);
  });
});

describe('direct routing', () => {
  test('messages go to the queues bound with their severity; unbound severities are dropped', async () => {
    const exchange = uniqueName('direct_logs');
    await ch.assertExchange(exchange, 'direct', { durable: false, autoDelete: true });
    const errorsOnly = await tempQueue();
    await ch.bindQueue(errorsOnly, exchange, 'error');
    const everything = await tempQueue();
    for (const sev of ['info', 'warning', 'error']) await ch.bindQueue(everything, exchange, sev);
    const sent: Array<[string, string]> = [
      ['info', 'i1'],
      ['error', 'e1'],
      ['warning', 'w1'],
      ['debug', 'd1'],
      ['error', 'e2'],
      ['ERROR', 'E-uppercase'],
      ['info', 'i2'],
    ];
    for (const [sev, body] of sent) ch.publish(exchange, sev, Buffer.from(body));
    assert.deepEqual(await drain(errorsOnly, 2), ['e1', 'e2']);
    assert.deepEqual(await drain(everything, 5), ['i1', 'e1', 'w1', 'e2', 'i2']);
  });

  test('one queue bound twice with the same key receives one copy; two queues with one key both get it', async () => {
    const exchange = uniqueName('direct_multi');
    await ch.assertExchange(exchange, 'direct', { durable: false, autoDelete: true });
    const q1 = await tempQueue();
    const q2 = await tempQueue();
    await ch.bindQueue(q1, exchange, 'k');
    await ch.bindQueue(q1, exchange, 'k'); // idempotent
    await ch.bindQueue(q2, exchange, 'k');
    ch.publish(exchange, 'k', Buffer.from('once'));
    assert.deepEqual(await drain(q1, 1), ['once']);
    assert.deepEqual(await drain(q2, 1), ['once']);
    await ch.unbindQueue(q1, exchange, 'k');
    ch.publish(exchange, 'k', Buffer.from('after-unbind'));
    assert.deepEqual(await drain(q2, 1), ['after-unbind']);
    assert.deepEqual(await drain(q1, 0), []);
  });

  test('the default exchange routes by queue name', async () => {
    const q = await tempQueue();
    ch.publish('', q, Buffer.from('direct-to-queue'));
    ch.publish('', q + '-nope', Buffer.from('lost'));
    assert.deepEqual(await drain(q, 1), ['direct-to-queue']);
  });
});

describe('topic routing', () => {
  test('tutorial example: *.orange.*, *.*.rabbit, lazy.#', async () => {
    const exchange = uniqueName('topic_logs');
    await ch.assertExchange(exchange, 'topic', { durable: false, autoDelete: true });
    const q1 = await tempQueue();
    const q2 = await tempQueue();
    await ch.bindQueue(q1, exchange, '*.orange.*');
    await ch.bindQueue(q2, exchange, '*.*.rabbit');
    await ch.bindQueue(q2, exchange, 'lazy.#');
    const keys = [
      'quick.orange.rabbit',
      'lazy.orange.elephant',
      'quick.orange.fox',
      'lazy.brown.fox',
      'lazy.pink.rabbit', // matches both of q2's bindings: delivered once
      'quick.brown.fox',
      'orange',
      'quick.orange.male.rabbit',
      'lazy.orange.male.rabbit',
    ];
    for (const k of keys) ch.publish(exchange, k, Buffer.from(k));
    assert.deepEqual(await drain(q1, 3), ['quick.orange.rabbit', 'lazy.orange.elephant', 'quick.orange.fox']);
    assert.deepEqual(await drain(q2, 5), [
      'quick.orange.rabbit',
      'lazy.orange.elephant',
      'lazy.brown.fox',
      'lazy.pink.rabbit',
      'lazy.orange.male.rabbit',
    ]);
  });

  // binding pattern -> routing keys (from KEYS) that it matches, as observed on RabbitMQ 3.10.8.
  const KEYS = ['', 'a', 'b', 'a.b', 'a.x.b', 'a.x.y.b', 'a.b.c', 'a..b', 'a.', '.a', '.', '..', 'x.a.y', 'A.b', 'ab', 'a.b.c.b', 'a.b.x.c', 'a.b.b'];
  const TABLE: Record<string, string[]> = {
    '#': KEYS, // matches everything, including the empty key (zero words)
    '#.#': KEYS,
    '*': ['a', 'b', 'ab'], // exactly one word: not '' (zero words), not 'a.' (two words)
    '*.*': ['a.b', 'a.', '.a', '.', 'A.b'], // empty words count as words
    '#.*': KEYS.filter((k) => k !== ''), // at least one word
    '*.#': KEYS.filter((k) => k !== ''),
    'a.#': ['a', 'a.b', 'a.x.b', 'a.x.y.b', 'a.b.c', 'a..b', 'a.', 'a.b.c.b', 'a.b.x.c', 'a.b.b'], // '#' matches zero words
    'a.#.#': ['a', 'a.b', 'a.x.b', 'a.x.y.b', 'a.b.c', 'a..b', 'a.', 'a.b.c.b', 'a.b.x.c', 'a.b.b'],
    'a.#.b': ['a.b', 'a.x.b', 'a.x.y.b', 'a..b', 'a.b.c.b', 'a.b.b'],
    '#.b': ['b', 'a.b', 'a.x.b', 'a.x.y.b', 'a..b', 'A.b', 'a.b.c.b', 'a.b.b'],
    '#.#.b': ['b', 'a.b', 'a.x.b', 'a.x.y.b', 'a..b', 'A.b', 'a.b.c.b', 'a.b.b'],
    '#.a.#': ['a', 'a.b', 'a.x.b', 'a.x.y.b', 'a.b.c', 'a..b', 'a.', '.a', 'x.a.y', 'a.b.c.b', 'a.b.x.c', 'a.b.b'],
    'a.*': ['a.b', 'a.'], // '*' matches an empty word
    '*.b': ['a.b', 'A.b'], // case-sensitive
    'a.*.b': ['a.x.b', 'a..b', 'a.b.b'],
    'a.b.#.c': ['a.b.c', 'a.b.x.c'],
    '': [''], // the empty binding key only matches the empty routing key
    a: ['a'],
    'a..b': ['a..b'], // literal empty words
    'a.': ['a.'],
    '.a': ['.a'],
    '.': ['.'],
  };

  test('wildcard truth table (zero-word #, empty words, empty key, case sensitivity)', async () => {
    const exchange = uniqueName('topic_table');
    await ch.assertExchange(exchange, 'topic', { durable: false, autoDelete: true });
    const queues: Record<string, string> = {};
    for (const pattern of Object.keys(TABLE)) {
      queues[pattern] = await tempQueue();
      await ch.bindQueue(queues[pattern]!, exchange, pattern);
    }
    for (const key of KEYS) ch.publish(exchange, key, Buffer.from(key));
    const mismatches: string[] = [];
    for (const [pattern, expected] of Object.entries(TABLE)) {
      const got = await drain(queues[pattern]!, expected.length);
      if (JSON.stringify(got) !== JSON.stringify(expected)) {
        mismatches.push(`pattern ${JSON.stringify(pattern)}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
      }
    }
    assert.deepEqual(mismatches, []);
  });

  test('unbinding one of two overlapping patterns keeps the other', async () => {
    const exchange = uniqueName('topic_unbind');
    await ch.assertExchange(exchange, 'topic', { durable: false, autoDelete: false });
    const q = await tempQueue();
    await ch.bindQueue(q, exchange, 'stock.#');
    await ch.bindQueue(q, exchange, '*.usd.*');
    ch.publish(exchange, 'stock.usd.nyse', Buffer.from('1'));
    await ch.unbindQueue(q, exchange, 'stock.#');
    ch.publish(exchange, 'stock.usd.nyse', Buffer.from('2'));
    ch.publish(exchange, 'stock.eur', Buffer.from('3'));
    await ch.unbindQueue(q, exchange, '*.usd.*');
    ch.publish(exchange, 'stock.usd.nyse', Buffer.from('4'));
    assert.deepEqual(await drain(q, 2), ['1', '2']);
    await ch.deleteExchange(exchange);
  });

  test('an auto-delete exchange is deleted when its last binding is removed', async () => {
    const exchange = uniqueName('topic_autodelete');
    const own = await conn.createChannel();
    own.on('error', () => {});
    await own.assertExchange(exchange, 'topic', { durable: false, autoDelete: true });
    const q = (await own.assertQueue('', { exclusive: true })).queue;
    await own.bindQueue(q, exchange, 'x.#');
    await own.bindQueue(q, exchange, 'y.#');
    await own.unbindQueue(q, exchange, 'x.#');
    await own.checkExchange(exchange); // still one binding left
    await own.unbindQueue(q, exchange, 'y.#');
    await assert.rejects(own.checkExchange(exchange), (err: Error & { code?: number }) => {
      assert.equal(err.code, 404);
      assert.ok(err.message.includes(`"NOT_FOUND - no exchange '${exchange}' in vhost '/'"`), err.message);
      return true;
    });
  });

  test('exchange-to-exchange binding forwards along topic patterns', async () => {
    const upstream = uniqueName('topic_up');
    const downstream = uniqueName('topic_down');
    await ch.assertExchange(upstream, 'topic', { durable: false, autoDelete: false });
    await ch.assertExchange(downstream, 'fanout', { durable: false, autoDelete: false });
    try {
      await ch.bindExchange(downstream, upstream, 'orders.#');
      const q = await tempQueue();
      await ch.bindQueue(q, downstream, '');
      for (const k of ['orders.created', 'orders', 'users.created', 'orders.eu.created']) ch.publish(upstream, k, Buffer.from(k));
      assert.deepEqual(await drain(q, 3), ['orders.created', 'orders', 'orders.eu.created']);
    } finally {
      await ch.deleteExchange(upstream);
      await ch.deleteExchange(downstream);
    }
  });
});

test('consumer sees exchange and routing key of the publish', async () => {
  const exchange = uniqueName('fields');
  await ch.assertExchange(exchange, 'topic', { durable: false, autoDelete: true });
  const q = await tempQueue();
  await ch.bindQueue(q, exchange, 'a.*');
  const { inbox, consumerTag } = await consumeInto(ch, q, { noAck: true });
  ch.publish(exchange, 'a.b', Buffer.from('x'));
  const [m] = await inbox.take(1, 10_000);
  assert.equal(m!.fields.exchange, exchange);
  assert.equal(m!.fields.routingKey, 'a.b');
  assert.equal(m!.fields.consumerTag, consumerTag);
  await ch.cancel(consumerTag);
  await waitFor(async () => (await ch.checkQueue(q)).consumerCount === 0, 5000, 'consumer cancelled');
});
