// The basic class: publish, get, consume, cancel, ack/nack/reject, qos, recover, returns,
// message properties and bodies. Driven with amqplib.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsumeMessage, GetMessage, Message } from 'amqplib';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import {
  destroyAllSockets,
  closeQuietly,
  connect,
  consumeInto,
  expectAmqpError,
  getEventually,
  Inbox,
  openChannel,
  openConfirmChannel,
  sleep,
  trackChannel,
  waitFor,
  waitForMessageCount,
  withConnection,
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

async function tempQueue(ch: Channel, options: Parameters<Channel['assertQueue']>[1] = {}): Promise<string> {
  return (await ch.assertQueue('', { exclusive: true, ...options })).queue;
}

const bodies = (msgs: Message[]) => msgs.map((m) => m.content.toString());

describe('basic.publish and basic.get', () => {
  test('every basic property round-trips unchanged', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      const timestamp = 1_700_000_000;
      ch.sendToQueue(q, Buffer.from('{"hello":"world"}'), {
        contentType: 'application/json',
        contentEncoding: 'identity',
        headers: { 'x-custom': 'value', n: 42 },
        deliveryMode: 2,
        priority: 7,
        correlationId: 'corr-123',
        replyTo: 'reply.queue',
        expiration: '60000',
        messageId: 'msg-456',
        timestamp,
        type: 'greeting',
        userId: 'guest',
        appId: 'warren-tests',
      });
      const m = await getEventually(ch, q, { noAck: true });
      assert.equal(m.content.toString(), '{"hello":"world"}');
      const p = m.properties;
      assert.equal(p.contentType, 'application/json');
      assert.equal(p.contentEncoding, 'identity');
      assert.deepEqual({ ...p.headers }, { 'x-custom': 'value', n: 42 });
      assert.equal(p.deliveryMode, 2);
      assert.equal(p.priority, 7);
      assert.equal(p.correlationId, 'corr-123');
      assert.equal(p.replyTo, 'reply.queue');
      assert.equal(p.expiration, '60000');
      assert.equal(p.messageId, 'msg-456');
      assert.equal(p.timestamp, timestamp);
      assert.equal(p.type, 'greeting');
      assert.equal(p.userId, 'guest');
      assert.equal(p.appId, 'warren-tests');
      assert.equal(p.clusterId, undefined);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('properties that are not set stay unset', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      ch.sendToQueue(q, Buffer.from('bare'));
      const m = await getEventually(ch, q, { noAck: true });
      const p = m.properties;
      for (const key of [
        'contentType',
        'contentEncoding',
        'deliveryMode',
        'priority',
        'correlationId',
        'replyTo',
        'expiration',
        'messageId',
        'timestamp',
        'type',
        'userId',
        'appId',
        'clusterId',
      ] as const) {
        assert.equal(p[key], undefined, `${key} must be absent`);
      }
    } finally {
      await closeQuietly(ch);
    }
  });

  test('header tables round-trip every AMQP field type, including nested tables and arrays', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      const headers = {
        str: 'text with ünïcödé',
        empty: '',
        t: true,
        f: false,
        byte: -5,
        short: 1000,
        int: 100000,
        long: 2 ** 40,
        negLong: -(2 ** 40),
        double: 3.25,
        ubyte: { '!': 'unsignedbyte', value: 200 },
        ushort: { '!': 'unsignedshort', value: 60000 },
        uint: { '!': 'unsignedint', value: 4000000000 },
        float: { '!': 'float', value: 1.5 },
        ts: { '!': 'timestamp', value: 1700000000 },
        dec: { '!': 'decimal', value: { places: 2, digits: 12345 } },
        nil: null,
        bytes: Buffer.from([0, 1, 2, 254, 255]),
        arr: ['a', 1, true, null, ['nested', 2], { k: 'v' }],
        emptyArr: [],
        table: { inner: { deeper: 'yes', n: -1 }, list: [1, 2, 3] },
        emptyTable: {},
      };
      ch.sendToQueue(q, Buffer.from('typed'), { headers });
      const m = await getEventually(ch, q, { noAck: true });
      const h = m.properties.headers!;
      assert.equal(h.str, 'text with ünïcödé');
      assert.equal(h.empty, '');
      assert.equal(h.t, true);
      assert.equal(h.f, false);
      assert.equal(h.byte, -5);
      assert.equal(h.short, 1000);
      assert.equal(h.int, 100000);
      assert.equal(h.long, 2 ** 40);
      assert.equal(h.negLong, -(2 ** 40));
      assert.equal(h.double, 3.25);
      assert.equal(h.ubyte, 200);
      assert.equal(h.ushort, 60000);
      assert.equal(h.uint, 4000000000);
      assert.equal(h.float, 1.5);
      assert.deepEqual(h.ts, { '!': 'timestamp', value: 1700000000 });
      assert.deepEqual(h.dec, { '!': 'decimal', value: { places: 2, digits: 12345 } });
      assert.equal(h.nil, null);
      assert.deepEqual(Buffer.from(h.bytes), Buffer.from([0, 1, 2, 254, 255]));
      assert.deepEqual(h.arr, ['a', 1, true, null, ['nested', 2], { k: 'v' }]);
      assert.deepEqual(h.emptyArr, []);
      assert.deepEqual(h.table, { inner: { deeper: 'yes', n: -1 }, list: [1, 2, 3] });
      assert.deepEqual(h.emptyTable, {});
    } finally {
      await closeQuietly(ch);
    }
  });

  test('an empty body is delivered as an empty buffer', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      ch.sendToQueue(q, Buffer.alloc(0), { contentType: 'text/plain' });
      const m = await getEventually(ch, q, { noAck: true });
      assert.equal(m.content.length, 0);
      assert.equal(m.properties.contentType, 'text/plain');
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a 1 MiB body (many times frame_max) is reassembled byte for byte, via get and via consume', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      const body = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < body.length; i++) body[i] = (i * 31 + 7) & 0xff;
      ch.sendToQueue(q, body);
      ch.sendToQueue(q, body);
      const viaGet = await getEventually(ch, q, { noAck: true });
      assert.equal(viaGet.content.length, body.length);
      assert.ok(viaGet.content.equals(body));
      const { inbox } = await consumeInto(ch, q, { noAck: true });
      const [viaConsume] = await inbox.take(1);
      assert.ok(viaConsume.content.equals(body));
    } finally {
      await closeQuietly(ch);
    }
  });

  test('1 MiB bodies stay whole through x-max-length-bytes, dead-lettering, a reject and a durable queue', LIMIT, async () => {
    const ch = await openChannel(conn);
    const durable = uniqueName('big.durable');
    try {
      const body = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < body.length; i++) body[i] = (i * 17 + 3) & 0xff;
      const dead = await tempQueue(ch);
      // Room for one 1 MiB body, not two: the second publish drops the first (dead-lettered).
      const src = await tempQueue(ch, { deadLetterExchange: '', deadLetterRoutingKey: dead, maxLength: 10, arguments: { 'x-max-length-bytes': 1.5 * 1024 * 1024 } });
      ch.sendToQueue(src, body, { messageId: 'first' });
      ch.sendToQueue(src, body, { messageId: 'second' });
      const dropped = await getEventually(ch, dead, { noAck: true });
      assert.equal(dropped.properties.messageId, 'first');
      assert.ok(dropped.content.equals(body), 'dead-lettered by max-length-bytes, intact');
      const kept = await getEventually(ch, src, { noAck: false });
      assert.equal(kept.properties.messageId, 'second');
      assert.ok(kept.content.equals(body));
      ch.nack(kept, false, false);
      const rejected = await getEventually(ch, dead, { noAck: true });
      assert.ok(rejected.content.equals(body), 'dead-lettered by a reject, intact');
      await ch.assertQueue(durable, { durable: true });
      ch.sendToQueue(durable, body, { persistent: true });
      const stored = await getEventually(ch, durable, { noAck: true });
      assert.ok(stored.content.equals(body), 'stored and read back, intact');
    } finally {
      await ch.deleteQueue(durable).catch(() => {});
      await closeQuietly(ch);
    }
  });

  test('a body of exactly frame_max - 8 bytes and one byte more both arrive intact', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      const exact = Buffer.alloc(131072 - 8, 1);
      const plusOne = Buffer.alloc(131072 - 7, 2);
      ch.sendToQueue(q, exact);
      ch.sendToQueue(q, plusOne);
      const a = await getEventually(ch, q, { noAck: true });
      const b = await getEventually(ch, q, { noAck: true });
      assert.ok(a.content.equals(exact));
      assert.ok(b.content.equals(plusOne));
    } finally {
      await closeQuietly(ch);
    }
  });

  test('basic.get on an empty queue returns get-empty (false in amqplib)', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      assert.equal(await ch.get(q), false);
      assert.equal(await ch.get(q, { noAck: true }), false);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('get-ok carries the exchange, routing key, redelivered flag and the number of messages remaining', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const q = await tempQueue(ch);
      await ch.bindQueue(q, 'amq.direct', q);
      for (let i = 0; i < 3; i++) ch.publish('amq.direct', q, Buffer.from(`m${i}`));
      await ch.waitForConfirms();
      const first = (await ch.get(q, { noAck: true })) as GetMessage;
      assert.deepEqual(
        { ...first.fields },
        { deliveryTag: 1, redelivered: false, exchange: 'amq.direct', routingKey: q, messageCount: 2 },
      );
      const second = (await ch.get(q, { noAck: true })) as GetMessage;
      assert.equal(second.fields.messageCount, 1);
      assert.equal(second.fields.deliveryTag, 2);
      const third = (await ch.get(q, { noAck: true })) as GetMessage;
      assert.equal(third.fields.messageCount, 0);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('basic.get on a missing queue closes the channel with 404', LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    const q = uniqueName('q.missing');
    const err = await expectAmqpError(ch.get(q), 404, `NOT_FOUND - no queue '${q}' in vhost '/'`);
    assert.equal(err.classId, 60);
    assert.equal(err.methodId, 70);
  });

  test('messages on one queue are delivered in publish order', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      for (let i = 0; i < 500; i++) ch.sendToQueue(q, Buffer.from(String(i)));
      const { inbox } = await consumeInto(ch, q, { noAck: true });
      const got = await inbox.take(500);
      assert.deepEqual(
        bodies(got),
        Array.from({ length: 500 }, (_, i) => String(i)),
      );
    } finally {
      await closeQuietly(ch);
    }
  });

  test('publishing with a user_id other than the authenticated user closes the channel with 406', LIMIT, async () => {
    const { ch, closed } = await trackChannel(conn);
    ch.sendToQueue(uniqueName('q.any'), Buffer.from('x'), { userId: 'bob' });
    const err = await closed;
    assert.equal(err?.code, 406);
    assert.equal(
      err!.message,
      `Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - user_id property set to 'bob' but authenticated user was 'guest'"`,
    );
  });

  test('publishing to the default exchange with an unknown queue name silently drops the message', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      ch.sendToQueue(uniqueName('q.nobody'), Buffer.from('lost'));
      await ch.waitForConfirms();
      const q = await tempQueue(ch);
      assert.ok(q);
    } finally {
      await closeQuietly(ch);
    }
  });
});

describe('mandatory and basic.return', () => {
  test('an unroutable mandatory message is returned with 312 NO_ROUTE and its properties and body', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const x = uniqueName('x.ret');
      await ch.assertExchange(x, 'direct', { durable: false });
      const returned: Message[] = [];
      ch.on('return', (m: Message) => returned.push(m));
      ch.publish(x, 'nowhere', Buffer.from('come back'), { mandatory: true, messageId: 'r-1', headers: { h: 'v' } });
      await waitFor(() => returned.length === 1, 5000, 'basic.return');
      const r = returned[0];
      assert.deepEqual({ ...r.fields }, { replyCode: 312, replyText: 'NO_ROUTE', exchange: x, routingKey: 'nowhere' });
      assert.equal(r.content.toString(), 'come back');
      assert.equal(r.properties.messageId, 'r-1');
      assert.equal(r.properties.headers!.h, 'v');
      await ch.deleteExchange(x);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a mandatory message to a missing queue through the default exchange is returned', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const returned: Message[] = [];
      ch.on('return', (m: Message) => returned.push(m));
      const q = uniqueName('q.nobody');
      ch.sendToQueue(q, Buffer.from('x'), { mandatory: true });
      await waitFor(() => returned.length === 1, 5000, 'basic.return');
      assert.equal(returned[0].fields.exchange, '');
      assert.equal(returned[0].fields.routingKey, q);
      assert.equal((returned[0].fields as unknown as { replyCode: number }).replyCode, 312);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a routable mandatory message is not returned and an unroutable non-mandatory one is dropped silently', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      let returns = 0;
      ch.on('return', () => returns++);
      const q = await tempQueue(ch);
      ch.sendToQueue(q, Buffer.from('routable'), { mandatory: true });
      ch.publish('amq.direct', uniqueName('unbound'), Buffer.from('dropped'));
      await ch.waitForConfirms();
      await sleep(50);
      assert.equal(returns, 0);
      assert.equal((await ch.checkQueue(q)).messageCount, 1);
    } finally {
      await closeQuietly(ch);
    }
  });
});

describe('basic.consume and basic.cancel', () => {
  test("a server-generated consumer tag looks like 'amq.ctag-' followed by 22 url-safe base64 characters", LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      const a = await ch.consume(q, () => {});
      const b = await ch.consume(q, () => {});
      assert.match(a.consumerTag, /^amq\.ctag-[A-Za-z0-9_-]{22}$/);
      assert.notEqual(a.consumerTag, b.consumerTag);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a client-chosen consumer tag is echoed and used in deliveries', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      const tag = uniqueName('my-consumer');
      const inbox = new Inbox();
      const ok = await ch.consume(q, inbox.onMessage, { consumerTag: tag, noAck: true });
      assert.equal(ok.consumerTag, tag);
      ch.sendToQueue(q, Buffer.from('x'));
      const [m] = await inbox.take(1);
      assert.equal(m.fields.consumerTag, tag);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('reusing a consumer tag on the same channel closes the connection with 530 NOT_ALLOWED', LIMIT, async () => {
    const c = await connect(broker.url);
    let connErr: (Error & { code?: number }) | undefined;
    c.on('error', (e: Error) => {
      connErr = e;
    });
    try {
      const { ch } = await trackChannel(c);
      const q = await tempQueue(ch);
      const tag = uniqueName('dup');
      await ch.consume(q, () => {}, { consumerTag: tag });
      await assert.rejects(ch.consume(q, () => {}, { consumerTag: tag }));
      await waitFor(() => connErr !== undefined, 5000, 'connection error');
      assert.equal(connErr!.code, 530);
      assert.equal(
        connErr!.message,
        `Connection closed: 530 (NOT-ALLOWED) with message "NOT_ALLOWED - attempt to reuse consumer tag '${tag}'"`,
      );
    } finally {
      await closeQuietly(c);
    }
  });

  test('deliveries carry consumer tag, per-channel delivery tags starting at 1, exchange, routing key and redelivered=false', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      await ch.bindQueue(q, 'amq.topic', 'a.#');
      const { inbox, consumerTag } = await consumeInto(ch, q);
      ch.publish('amq.topic', 'a.b', Buffer.from('1'));
      ch.publish('amq.topic', 'a.c', Buffer.from('2'));
      const [m1, m2] = await inbox.take(2);
      assert.deepEqual({ ...m1.fields }, { consumerTag, deliveryTag: 1, redelivered: false, exchange: 'amq.topic', routingKey: 'a.b' });
      assert.deepEqual({ ...m2.fields }, { consumerTag, deliveryTag: 2, redelivered: false, exchange: 'amq.topic', routingKey: 'a.c' });
      ch.ack(m2, true);
      await ch.unbindQueue(q, 'amq.topic', 'a.#');
    } finally {
      await closeQuietly(ch);
    }
  });

  test('basic.get and consumers on the same channel share one delivery tag sequence', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q1 = await tempQueue(ch);
      const q2 = await tempQueue(ch);
      ch.sendToQueue(q1, Buffer.from('got'));
      const g = await getEventually(ch, q1);
      assert.equal(g.fields.deliveryTag, 1);
      const { inbox } = await consumeInto(ch, q2);
      ch.sendToQueue(q2, Buffer.from('consumed'));
      const [c] = await inbox.take(1);
      assert.equal(c.fields.deliveryTag, 2);
      ch.ack(c, true);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('after basic.cancel no further messages are delivered to that consumer', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      const { inbox, consumerTag } = await consumeInto(ch, q, { noAck: true });
      ch.sendToQueue(q, Buffer.from('before'));
      await inbox.take(1);
      const ok = await ch.cancel(consumerTag);
      assert.equal(ok.consumerTag, consumerTag);
      ch.sendToQueue(q, Buffer.from('after'));
      await waitForMessageCount(ch, q, 1);
      assert.equal(inbox.messages.length, 1);
      assert.equal((await ch.checkQueue(q)).consumerCount, 0);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('cancelling an unknown consumer tag succeeds', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const tag = uniqueName('nobody');
      const ok = await ch.cancel(tag);
      assert.equal(ok.consumerTag, tag);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('consuming from a missing queue closes the channel with 404', LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    const q = uniqueName('q.missing');
    const err = await expectAmqpError(ch.consume(q, () => {}), 404, `NOT_FOUND - no queue '${q}' in vhost '/'`);
    assert.equal(err.classId, 60);
    assert.equal(err.methodId, 20);
  });

  test('messages already in the queue are delivered when a consumer starts', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      for (let i = 0; i < 3; i++) ch.sendToQueue(q, Buffer.from(`m${i}`));
      await waitForMessageCount(ch, q, 3);
      const { inbox } = await consumeInto(ch, q, { noAck: true });
      assert.deepEqual(bodies(await inbox.take(3)), ['m0', 'm1', 'm2']);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('an exclusive consumer blocks other consumers with 403, and cannot start while others consume', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      const { consumerTag } = await ch.consume(q, () => {}, { exclusive: true });
      const { ch: ch2 } = await trackChannel(conn);
      await expectAmqpError(ch2.consume(q, () => {}), 403, `ACCESS_REFUSED - queue '${q}' in vhost '/' in exclusive use`);
      await ch.cancel(consumerTag);
      await ch.consume(q, () => {});
      const { ch: ch3 } = await trackChannel(conn);
      await expectAmqpError(
        ch3.consume(q, () => {}, { exclusive: true }),
        403,
        `ACCESS_REFUSED - queue '${q}' in vhost '/' in exclusive use`,
      );
    } finally {
      await closeQuietly(ch);
    }
  });

  test('deleting a queue sends basic.cancel to its consumers (amqplib delivers null)', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const name = uniqueName('q.deleted');
      await ch.assertQueue(name, { durable: false });
      const cancels: string[] = [];
      ch.on('cancel', (f: { consumerTag: string }) => cancels.push(f.consumerTag));
      const { inbox, consumerTag } = await consumeInto(ch, name);
      await withConnection(broker.url, async (c) => {
        const other = await openChannel(c);
        await other.deleteQueue(name);
      });
      await inbox.waitCancelled();
      assert.deepEqual(cancels, [consumerTag]);
      // The channel stays open.
      await tempQueue(ch);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a noAck consumer removes messages on delivery', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      const { inbox, consumerTag } = await consumeInto(ch, q, { noAck: true });
      for (let i = 0; i < 5; i++) ch.sendToQueue(q, Buffer.from(String(i)));
      await inbox.take(5);
      await ch.cancel(consumerTag);
      assert.equal((await ch.checkQueue(q)).messageCount, 0);
    } finally {
      await closeQuietly(ch);
    }
  });
});

describe('acknowledgements', () => {
  test('ack removes the message; multiple=true acks everything up to the tag', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      for (let i = 0; i < 4; i++) ch.sendToQueue(q, Buffer.from(`m${i}`));
      const { inbox, consumerTag } = await consumeInto(ch, q);
      const msgs = await inbox.take(4);
      ch.ack(msgs[2], true); // acks m0..m2
      ch.ack(msgs[3]);
      await ch.cancel(consumerTag);
      await ch.recover();
      await sleep(50);
      assert.equal((await ch.checkQueue(q)).messageCount, 0);
      assert.equal(await ch.get(q), false);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('reject with requeue puts the message back at the head of the queue with redelivered=true', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      for (const b of ['first', 'second', 'third']) ch.sendToQueue(q, Buffer.from(b));
      await waitForMessageCount(ch, q, 3);
      const m = (await ch.get(q)) as GetMessage;
      assert.equal(m.content.toString(), 'first');
      ch.reject(m, true);
      const again = await getEventually(ch, q);
      assert.equal(again.content.toString(), 'first');
      assert.equal(again.fields.redelivered, true);
      ch.ack(again);
      const next = (await ch.get(q)) as GetMessage;
      assert.equal(next.content.toString(), 'second');
      assert.equal(next.fields.redelivered, false);
      ch.ack(next);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('reject without requeue discards the message', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      ch.sendToQueue(q, Buffer.from('bad'));
      const m = await getEventually(ch, q);
      ch.reject(m, false);
      await waitForMessageCount(ch, q, 0);
      assert.equal(await ch.get(q), false);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('nack with multiple=true and requeue=true returns all covered messages in their original order', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      for (let i = 0; i < 4; i++) ch.sendToQueue(q, Buffer.from(`m${i}`));
      const { inbox, consumerTag } = await consumeInto(ch, q);
      const msgs = await inbox.take(4);
      await ch.cancel(consumerTag);
      ch.ack(msgs[3]); // m3 done
      ch.nack(msgs[2], true, true); // m0..m2 back
      await waitForMessageCount(ch, q, 3);
      const out: Array<[string, boolean]> = [];
      for (let i = 0; i < 3; i++) {
        const m = (await ch.get(q, { noAck: true })) as GetMessage;
        out.push([m.content.toString(), m.fields.redelivered]);
      }
      assert.deepEqual(out, [
        ['m0', true],
        ['m1', true],
        ['m2', true],
      ]);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a requeued message is redelivered to a consumer before newer messages', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      await ch.prefetch(1);
      for (const b of ['a', 'b', 'c']) ch.sendToQueue(q, Buffer.from(b));
      const { inbox } = await consumeInto(ch, q);
      const [first] = await inbox.take(1);
      assert.equal(first.content.toString(), 'a');
      ch.nack(first, false, true);
      const [, second] = await inbox.take(2);
      assert.equal(second.content.toString(), 'a');
      assert.equal(second.fields.redelivered, true);
      assert.equal(second.fields.deliveryTag, 2, 'a redelivery gets a new delivery tag');
      ch.ack(second);
      const [, , third] = await inbox.take(3);
      assert.equal(third.content.toString(), 'b');
      assert.equal(third.fields.redelivered, false);
      ch.ack(third);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('acking an unknown delivery tag closes the channel with 406 PRECONDITION_FAILED - unknown delivery tag', LIMIT, async () => {
    const { ch, closed } = await trackChannel(conn);
    ch.ack({ fields: { deliveryTag: 42 } } as unknown as Message);
    const err = await closed;
    assert.equal(err?.code, 406);
    assert.equal(err!.message, 'Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - unknown delivery tag 42"');
    assert.equal(err!.classId, 60);
    assert.equal(err!.methodId, 80);
  });

  test('acking the same delivery twice closes the channel with 406 unknown delivery tag', LIMIT, async () => {
    const { ch, closed } = await trackChannel(conn);
    const q = await tempQueue(ch);
    ch.sendToQueue(q, Buffer.from('x'));
    const m = await getEventually(ch, q);
    ch.ack(m);
    ch.ack(m);
    const err = await closed;
    assert.equal(err?.code, 406);
    assert.match(err!.message, /"PRECONDITION_FAILED - unknown delivery tag 1"$/);
  });

  test('nack and reject of unknown delivery tags, and multiple-ack beyond the last tag, fail with 406 unknown delivery tag', LIMIT, async () => {
    for (const op of [
      (ch: Channel) => ch.nack({ fields: { deliveryTag: 7 } } as unknown as Message, false, true),
      (ch: Channel) => ch.reject({ fields: { deliveryTag: 7 } } as unknown as Message, false),
      (ch: Channel) => ch.ack({ fields: { deliveryTag: 7 } } as unknown as Message, true),
    ]) {
      const { ch, closed } = await trackChannel(conn);
      op(ch);
      const err = await closed;
      assert.equal(err?.code, 406);
      assert.match(err!.message, /"PRECONDITION_FAILED - unknown delivery tag 7"$/);
    }
  });

  test('acking a delivery received with noAck fails with 406 unknown delivery tag', LIMIT, async () => {
    const { ch, closed } = await trackChannel(conn);
    const q = await tempQueue(ch);
    ch.sendToQueue(q, Buffer.from('x'));
    const m = await getEventually(ch, q, { noAck: true });
    ch.ack(m);
    const err = await closed;
    assert.equal(err?.code, 406);
    assert.match(err!.message, /"PRECONDITION_FAILED - unknown delivery tag 1"$/);
  });

  test('ack with delivery tag 0 and multiple=true (ackAll) acks all outstanding deliveries, and is fine when none are outstanding', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      ch.ackAll();
      const q = await tempQueue(ch);
      for (let i = 0; i < 3; i++) ch.sendToQueue(q, Buffer.from(`m${i}`));
      await waitForMessageCount(ch, q, 3);
      for (let i = 0; i < 3; i++) assert.ok(await ch.get(q));
      ch.ackAll();
      await ch.recover();
      await sleep(50);
      assert.equal(await ch.get(q), false);
      ch.nackAll(true);
      await tempQueue(ch);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('unacknowledged messages are requeued (redelivered=true, original order) when their channel closes', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      for (const b of ['a', 'b', 'c']) ch.sendToQueue(q, Buffer.from(b));
      const consumerCh = await openChannel(conn);
      const { inbox } = await consumeInto(consumerCh, q);
      const msgs = await inbox.take(3);
      consumerCh.ack(msgs[1]);
      await consumerCh.close();
      await waitForMessageCount(ch, q, 2);
      const a = (await ch.get(q, { noAck: true })) as GetMessage;
      const c = (await ch.get(q, { noAck: true })) as GetMessage;
      assert.deepEqual([a.content.toString(), a.fields.redelivered], ['a', true]);
      assert.deepEqual([c.content.toString(), c.fields.redelivered], ['c', true]);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('unacknowledged messages are requeued when their connection closes', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = uniqueName('q.requeue-on-close');
      await ch.assertQueue(q, { durable: false });
      ch.sendToQueue(q, Buffer.from('held'));
      await waitForMessageCount(ch, q, 1);
      await withConnection(broker.url, async (c) => {
        const other = await openChannel(c);
        assert.ok(await other.get(q));
        assert.equal((await other.checkQueue(q)).messageCount, 0);
      });
      await waitForMessageCount(ch, q, 1);
      const m = (await ch.get(q, { noAck: true })) as GetMessage;
      assert.equal(m.fields.redelivered, true);
      await ch.deleteQueue(q);
    } finally {
      await closeQuietly(ch);
    }
  });
});

describe('basic.qos', () => {
  test('prefetch 1 distributes messages round-robin between two consumers as they ack', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      await ch.prefetch(1);
      const seen: Record<string, string[]> = { A: [], B: [] };
      const handler = (name: 'A' | 'B') => (m: ConsumeMessage | null) => {
        if (!m) return;
        seen[name].push(m.content.toString());
        ch.ack(m);
      };
      await ch.consume(q, handler('A'), { consumerTag: uniqueName('A') });
      await ch.consume(q, handler('B'), { consumerTag: uniqueName('B') });
      for (let i = 0; i < 10; i++) ch.sendToQueue(q, Buffer.from(String(i)));
      await waitFor(() => seen.A.length + seen.B.length === 10, 5000, 'all 10 messages');
      assert.equal(seen.A.length, 5);
      assert.equal(seen.B.length, 5);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('without qos, consumers round-robin as well', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      const a = await consumeInto(ch, q, { noAck: true });
      const b = await consumeInto(ch, q, { noAck: true });
      for (let i = 0; i < 10; i++) ch.sendToQueue(q, Buffer.from(String(i)));
      await waitFor(() => a.inbox.messages.length + b.inbox.messages.length === 10, 5000, 'all 10 messages');
      assert.deepEqual(bodies(a.inbox.messages), ['0', '2', '4', '6', '8']);
      assert.deepEqual(bodies(b.inbox.messages), ['1', '3', '5', '7', '9']);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a per-consumer prefetch limits each consumer separately and acking releases the next message', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q1 = await tempQueue(ch);
      const q2 = await tempQueue(ch);
      for (let i = 0; i < 10; i++) {
        ch.sendToQueue(q1, Buffer.from(`a${i}`));
        ch.sendToQueue(q2, Buffer.from(`b${i}`));
      }
      await waitForMessageCount(ch, q1, 10);
      await waitForMessageCount(ch, q2, 10);
      await ch.prefetch(2); // global=false: applies to consumers started afterwards, each on its own
      const a = await consumeInto(ch, q1);
      const b = await consumeInto(ch, q2);
      await a.inbox.take(2);
      await b.inbox.take(2);
      await sleep(100);
      assert.equal(a.inbox.messages.length, 2);
      assert.equal(b.inbox.messages.length, 2);
      ch.ack(a.inbox.messages[0]);
      await a.inbox.take(3);
      await sleep(100);
      assert.equal(a.inbox.messages.length, 3);
      assert.equal(b.inbox.messages.length, 2);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a global prefetch is shared by all consumers on the channel', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q1 = await tempQueue(ch);
      const q2 = await tempQueue(ch);
      for (let i = 0; i < 10; i++) {
        ch.sendToQueue(q1, Buffer.from(`a${i}`));
        ch.sendToQueue(q2, Buffer.from(`b${i}`));
      }
      await waitForMessageCount(ch, q1, 10);
      await waitForMessageCount(ch, q2, 10);
      await ch.prefetch(3, true);
      const a = await consumeInto(ch, q1);
      const b = await consumeInto(ch, q2);
      await waitFor(() => a.inbox.messages.length + b.inbox.messages.length === 3, 5000, '3 deliveries in total');
      await sleep(100);
      assert.equal(a.inbox.messages.length + b.inbox.messages.length, 3);
      const any = [...a.inbox.messages, ...b.inbox.messages][0];
      ch.ack(any);
      await waitFor(() => a.inbox.messages.length + b.inbox.messages.length === 4, 5000, 'one more delivery');
      await sleep(100);
      assert.equal(a.inbox.messages.length + b.inbox.messages.length, 4);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('with both a global and a per-consumer prefetch the stricter limit applies', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q1 = await tempQueue(ch);
      const q2 = await tempQueue(ch);
      for (let i = 0; i < 10; i++) {
        ch.sendToQueue(q1, Buffer.from(`a${i}`));
        ch.sendToQueue(q2, Buffer.from(`b${i}`));
      }
      await waitForMessageCount(ch, q1, 10);
      await waitForMessageCount(ch, q2, 10);
      await ch.prefetch(3, true);
      await ch.prefetch(1, false);
      const a = await consumeInto(ch, q1);
      const b = await consumeInto(ch, q2);
      await a.inbox.take(1);
      await b.inbox.take(1);
      await sleep(100);
      assert.equal(a.inbox.messages.length, 1);
      assert.equal(b.inbox.messages.length, 1);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('prefetch does not limit basic.get', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      await ch.prefetch(1, true);
      for (let i = 0; i < 3; i++) ch.sendToQueue(q, Buffer.from(String(i)));
      await waitForMessageCount(ch, q, 3);
      for (let i = 0; i < 3; i++) assert.ok(await ch.get(q));
    } finally {
      await closeQuietly(ch);
    }
  });

  test('prefetch 0 means unlimited', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      await ch.prefetch(0);
      for (let i = 0; i < 50; i++) ch.sendToQueue(q, Buffer.from(String(i)));
      const { inbox } = await consumeInto(ch, q);
      await inbox.take(50);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('raising the prefetch of a running consumer lets more messages through', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      for (let i = 0; i < 5; i++) ch.sendToQueue(q, Buffer.from(String(i)));
      await waitForMessageCount(ch, q, 5);
      await ch.prefetch(1);
      const { inbox } = await consumeInto(ch, q);
      await inbox.take(1);
      await ch.prefetch(3);
      // The per-consumer limit of an existing consumer is not changed by a later basic.qos
      // in RabbitMQ; acking still releases one message at a time.
      ch.ack(inbox.messages[0]);
      await inbox.take(2);
      await sleep(100);
      assert.equal(inbox.messages.length, 2);
    } finally {
      await closeQuietly(ch);
    }
  });
});

describe('basic.recover', () => {
  test('recover redelivers all unacknowledged messages with redelivered=true', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      for (const b of ['x', 'y']) ch.sendToQueue(q, Buffer.from(b));
      const { inbox } = await consumeInto(ch, q);
      const first = await inbox.take(2);
      assert.deepEqual(
        first.map((m) => m.fields.redelivered),
        [false, false],
      );
      await ch.recover();
      const all = await inbox.take(4);
      const again = all.slice(2);
      assert.deepEqual(bodies(again), ['x', 'y']);
      assert.deepEqual(
        again.map((m) => m.fields.redelivered),
        [true, true],
      );
      assert.deepEqual(
        again.map((m) => m.fields.deliveryTag),
        [3, 4],
      );
      ch.ack(again[1], true);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('recover requeues unacknowledged basic.get messages', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      ch.sendToQueue(q, Buffer.from('got'));
      await getEventually(ch, q);
      assert.equal((await ch.checkQueue(q)).messageCount, 0);
      await ch.recover();
      await waitForMessageCount(ch, q, 1);
      const m = (await ch.get(q, { noAck: true })) as GetMessage;
      assert.equal(m.fields.redelivered, true);
    } finally {
      await closeQuietly(ch);
    }
  });
});

describe('consumer priorities', () => {
  test('the consumer with the highest x-priority gets messages while it has prefetch capacity', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      await ch.prefetch(2);
      const low = await consumeInto(ch, q, { priority: 1 });
      const high = await consumeInto(ch, q, { priority: 10 });
      const none = await consumeInto(ch, q);
      for (let i = 0; i < 5; i++) ch.sendToQueue(q, Buffer.from(String(i)));
      await waitFor(
        () => low.inbox.messages.length + high.inbox.messages.length + none.inbox.messages.length === 5,
        5000,
        '5 deliveries',
      );
      assert.deepEqual(bodies(high.inbox.messages), ['0', '1']);
      assert.deepEqual(bodies(low.inbox.messages), ['2', '3']);
      assert.deepEqual(bodies(none.inbox.messages), ['4'], 'no x-priority means priority 0');
    } finally {
      await closeQuietly(ch);
    }
  });

  test('without prefetch limits the highest-priority consumer receives everything', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      const low = await consumeInto(ch, q, { noAck: true, arguments: { 'x-priority': -5 } });
      const high = await consumeInto(ch, q, { noAck: true, arguments: { 'x-priority': 5 } });
      for (let i = 0; i < 6; i++) ch.sendToQueue(q, Buffer.from(String(i)));
      await high.inbox.take(6);
      assert.equal(low.inbox.messages.length, 0);
    } finally {
      await closeQuietly(ch);
    }
  });
});

describe('CC and BCC', () => {
  test('CC and BCC headers add routing keys; BCC is stripped before delivery, CC is kept', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const x = uniqueName('x.cc');
      await ch.assertExchange(x, 'direct', { durable: false });
      const [main, cc, bcc, other] = [await tempQueue(ch), await tempQueue(ch), await tempQueue(ch), await tempQueue(ch)];
      await ch.bindQueue(main, x, 'main');
      await ch.bindQueue(cc, x, 'cc-key');
      await ch.bindQueue(bcc, x, 'bcc-key');
      await ch.bindQueue(other, x, 'other');
      ch.publish(x, 'main', Buffer.from('copied'), { CC: ['cc-key'], BCC: 'bcc-key', headers: { keep: 1 } });
      await ch.waitForConfirms();
      for (const q of [main, cc, bcc]) {
        const m = (await ch.get(q, { noAck: true })) as GetMessage;
        assert.ok(m, `queue ${q} should have a copy`);
        assert.equal(m.fields.routingKey, 'main', 'the delivered routing key is the original one');
        assert.deepEqual(m.properties.headers!.CC, ['cc-key']);
        assert.equal('BCC' in m.properties.headers!, false, 'BCC must be removed');
        assert.equal(m.properties.headers!.keep, 1);
        assert.equal(await ch.get(q), false, 'exactly one copy per queue');
      }
      assert.equal(await ch.get(other), false);
      await ch.deleteExchange(x);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a queue matched by both the routing key and a CC key receives a single copy', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const q = await tempQueue(ch);
      ch.sendToQueue(q, Buffer.from('once'), { CC: [q] });
      await ch.waitForConfirms();
      assert.ok(await ch.get(q, { noAck: true }));
      assert.equal(await ch.get(q), false);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('CC and BCC keys count as routes for mandatory publishes', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      let returned = 0;
      ch.on('return', () => returned++);
      const q = await tempQueue(ch);
      ch.publish('amq.direct', uniqueName('unbound'), Buffer.from('cc only'), { mandatory: true, CC: q });
      await ch.bindQueue(q, 'amq.direct', q);
      ch.publish('amq.direct', uniqueName('unbound'), Buffer.from('cc only'), { mandatory: true, BCC: q });
      await ch.waitForConfirms();
      await sleep(50);
      assert.equal(returned, 1, 'the first publish had no route at all (the CC key was not bound yet)');
      const m = (await ch.get(q, { noAck: true })) as GetMessage;
      assert.ok(m);
      assert.equal('BCC' in m.properties.headers!, false);
      await ch.unbindQueue(q, 'amq.direct', q);
    } finally {
      await closeQuietly(ch);
    }
  });
});
