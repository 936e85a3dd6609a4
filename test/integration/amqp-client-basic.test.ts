// The same broker behaviour seen through an independent client implementation,
// @cloudamqp/amqp-client: connection handshake, declare/publish/consume/ack, get, confirms,
// transactions, channel and connection errors, and interoperability with amqplib.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AMQPClient, type AMQPChannel, type AMQPMessage } from '@cloudamqp/amqp-client';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import {
  closeQuietly,
  connect as connectAmqplib,
  destroyAllSockets,
  registerSocket,
  sleep,
  urlWithCredentials,
  urlWithVhost,
  waitFor,
  within,
} from '../support/clients.js';

/** Fail a test instead of hanging the run if the broker stops answering. */
const LIMIT = { timeout: 20_000 };

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker();
}, LIMIT);

after(async () => {
  await broker.close();
  destroyAllSockets();
}, LIMIT);

interface Client {
  client: AMQPClient;
  /** Connection-level errors reported through onerror. */
  errors: Error[];
}

async function open(url = broker.url): Promise<Client> {
  const client = new AMQPClient(url);
  const errors: Error[] = [];
  client.onerror = (e) => errors.push(e);
  await client.connect();
  registerSocket(client.socket);
  return { client, errors };
}

async function closeClient(c: Client | undefined): Promise<void> {
  if (!c || c.client.closed) return;
  try {
    await c.client.close();
  } catch {
    // already closed by the server
  }
}

async function withClient<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = await open();
  try {
    return await fn(c);
  } finally {
    await closeClient(c);
  }
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await within(p, 5000, 'an error');
  } catch (e) {
    return e as Error;
  }
  assert.fail('expected the operation to fail');
}

/** amqp-client makes server-named queues auto-delete by default; these tests want plain exclusive ones. */
async function tempQueue(ch: AMQPChannel): Promise<string> {
  return (await ch.queueDeclare('', { exclusive: true, autoDelete: false, durable: false })).name;
}

async function getEventually(ch: AMQPChannel, queue: string, noAck = true): Promise<AMQPMessage> {
  let m: AMQPMessage | null = null;
  await waitFor(async () => (m = await ch.basicGet(queue, { noAck })) !== null, 5000, `a message on ${queue}`);
  return m!;
}

describe('amqp-client: connection', () => {
  test('connects, negotiates its own frame size and closes', LIMIT, async () => {
    const c = await open();
    assert.equal(c.client.closed, false);
    assert.equal(c.client.channelMax, 2047);
    assert.equal(c.client.frameMax, 8192, 'the client asks for 8192 and the server accepts the smaller value');
    await c.client.close();
    assert.equal(c.client.closed, true);
    assert.deepEqual(c.errors, []);
  });

  test('a wrong password rejects connect() with 403 ACCESS_REFUSED', LIMIT, async () => {
    const client = new AMQPClient(urlWithCredentials(broker.url, 'guest', 'not-the-password'));
    client.onerror = () => {};
    const err = await rejection(client.connect());
    assert.equal(
      err.message,
      'connection closed: ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile. (403)',
    );
  });

  test('an unknown vhost rejects connect() with 530 NOT_ALLOWED - vhost nope not found', LIMIT, async () => {
    const client = new AMQPClient(urlWithVhost(broker.url, 'nope'));
    client.onerror = () => {};
    const err = await rejection(client.connect());
    assert.equal(err.message, 'connection closed: NOT_ALLOWED - vhost nope not found (530)');
  });

  test('channels are numbered from 1 and can be opened and closed repeatedly', LIMIT, async () => {
    await withClient(async ({ client }) => {
      const a = await client.channel();
      const b = await client.channel();
      assert.equal(a.id, 1);
      assert.equal(b.id, 2);
      await a.close();
      const c = await client.channel();
      assert.equal(c.id, 1, 'the freed channel number is reused');
      await c.queueDeclare('', { exclusive: true });
      await b.queueDeclare('', { exclusive: true });
    });
  });
});

describe('amqp-client: messaging', () => {
  test('publish, consume and ack round-trip body and properties', LIMIT, async () => {
    await withClient(async ({ client }) => {
      const ch = await client.channel();
      const q = await tempQueue(ch);
      const ts = new Date(1_700_000_000_000);
      await ch.basicPublish('', q, 'hello', {
        contentType: 'text/plain',
        contentEncoding: 'utf-8',
        headers: { a: 1, s: 'x', b: true, big: 5n, f: 1.5, when: ts, list: [1, 'two'], nested: { n: null } },
        deliveryMode: 2,
        priority: 3,
        correlationId: 'c',
        replyTo: 'r',
        expiration: '60000',
        messageId: 'm',
        timestamp: ts,
        type: 't',
        userId: 'guest',
        appId: 'app',
      });
      const received: AMQPMessage[] = [];
      const consumer = await ch.basicConsume(q, { noAck: false }, async (msg) => {
        received.push(msg);
        await msg.ack();
      });
      await waitFor(() => received.length === 1, 5000, 'a delivery');
      const m = received[0];
      assert.equal(m.bodyString(), 'hello');
      assert.equal(m.consumerTag, consumer.tag);
      assert.match(consumer.tag, /^amq\.ctag-/);
      assert.equal(m.deliveryTag, 1);
      assert.equal(m.redelivered, false);
      assert.equal(m.exchange, '');
      assert.equal(m.routingKey, q);
      assert.deepEqual(m.properties, {
        contentType: 'text/plain',
        contentEncoding: 'utf-8',
        headers: { a: 1, s: 'x', b: true, big: 5, f: 1.5, when: ts, list: [1, 'two'], nested: { n: null } },
        deliveryMode: 2,
        priority: 3,
        correlationId: 'c',
        replyTo: 'r',
        expiration: '60000',
        messageId: 'm',
        timestamp: ts,
        type: 't',
        userId: 'guest',
        appId: 'app',
      });
      await consumer.cancel();
      assert.equal((await ch.queueDeclare(q, { passive: true })).messageCount, 0);
    });
  });

  test('a message published without properties arrives with none, and a null body arrives empty', LIMIT, async () => {
    await withClient(async ({ client }) => {
      const ch = await client.channel();
      const q = await tempQueue(ch);
      await ch.basicPublish('', q, null);
      const m = await getEventually(ch, q);
      assert.deepEqual(m.properties, {});
      assert.equal(m.bodySize, 0);
      assert.equal(m.bodyString(), '');
    });
  });

  test('basicGet returns null on an empty queue, and the remaining message count otherwise', LIMIT, async () => {
    await withClient(async ({ client }) => {
      const ch = await client.channel();
      const q = await tempQueue(ch);
      assert.equal(await ch.basicGet(q), null);
      await ch.confirmSelect();
      await ch.basicPublish('', q, 'one');
      await ch.basicPublish('', q, 'two');
      const m = await ch.basicGet(q, { noAck: false });
      assert.ok(m);
      assert.equal(m.bodyString(), 'one');
      assert.equal(m.messageCount, 1);
      await m.reject(true);
      const again = await ch.basicGet(q);
      assert.ok(again);
      assert.equal(again.bodyString(), 'one');
      assert.equal(again.redelivered, true);
    });
  });

  test('nack with requeue and multiple returns all covered messages; cancelled consumers stop receiving', LIMIT, async () => {
    await withClient(async ({ client }) => {
      const ch = await client.channel();
      const q = await tempQueue(ch);
      for (const b of ['a', 'b', 'c']) await ch.basicPublish('', q, b);
      const received: AMQPMessage[] = [];
      const consumer = await ch.basicConsume(q, { noAck: false }, (msg) => {
        received.push(msg);
      });
      await waitFor(() => received.length === 3, 5000, '3 deliveries');
      await consumer.cancel();
      await received[2].nack(true, true);
      await waitFor(async () => (await ch.queueDeclare(q, { passive: true })).messageCount === 3, 5000, 'requeue');
      const bodies: string[] = [];
      for (let i = 0; i < 3; i++) bodies.push((await ch.basicGet(q))!.bodyString()!);
      assert.deepEqual(bodies, ['a', 'b', 'c']);
      assert.equal(received.length, 3);
    });
  });

  test('a generator consumer yields messages in order', LIMIT, async () => {
    await withClient(async ({ client }) => {
      const ch = await client.channel();
      const q = await tempQueue(ch);
      for (let i = 0; i < 5; i++) await ch.basicPublish('', q, String(i));
      const consumer = await ch.basicConsume(q, { noAck: true });
      const got: string[] = [];
      for await (const msg of consumer.messages) {
        got.push(msg.bodyString()!);
        if (got.length === 5) break;
      }
      assert.deepEqual(got, ['0', '1', '2', '3', '4']);
    });
  });

  test('basicQos limits unacknowledged deliveries per consumer', LIMIT, async () => {
    await withClient(async ({ client }) => {
      const ch = await client.channel();
      const q = await tempQueue(ch);
      for (let i = 0; i < 5; i++) await ch.basicPublish('', q, String(i));
      await ch.basicQos(2);
      const received: AMQPMessage[] = [];
      await ch.basicConsume(q, { noAck: false }, (msg) => {
        received.push(msg);
      });
      await waitFor(() => received.length === 2, 5000, '2 deliveries');
      await sleep(100);
      assert.equal(received.length, 2);
      await received[0].ack();
      await waitFor(() => received.length === 3, 5000, 'a third delivery');
    });
  });

  test('exchanges and bindings work through amqp-client', LIMIT, async () => {
    await withClient(async ({ client }) => {
      const ch = await client.channel();
      const x = uniqueName('x.ac');
      await ch.exchangeDeclare(x, 'topic', { durable: false });
      const q = await tempQueue(ch);
      await ch.queueBind(q, x, 'logs.*');
      await ch.basicPublish(x, 'logs.error', 'boom');
      await ch.basicPublish(x, 'metrics.cpu', 'ignored');
      const m = await getEventually(ch, q);
      assert.equal(m.bodyString(), 'boom');
      assert.equal(m.exchange, x);
      assert.equal(m.routingKey, 'logs.error');
      await ch.queueUnbind(q, x, 'logs.*');
      await ch.exchangeDelete(x);
    });
  });

  test('a server-sent basic.cancel (queue deleted) closes the consumer', LIMIT, async () => {
    await withClient(async ({ client }) => {
      const ch = await client.channel();
      const name = uniqueName('q.ac.cancel');
      await ch.queueDeclare(name, { durable: false });
      const consumer = await ch.basicConsume(name, { noAck: true }, () => {});
      const other = await client.channel();
      await other.queueDelete(name);
      const err = await rejection(consumer.wait(5000));
      assert.equal(err.message, 'Consumer cancelled by the server');
    });
  });

  test('an unroutable mandatory publish comes back through onReturn with 312 NO_ROUTE', LIMIT, async () => {
    await withClient(async ({ client }) => {
      const ch = await client.channel();
      const returned: AMQPMessage[] = [];
      ch.onReturn = (msg) => returned.push(msg);
      const key = uniqueName('nobody');
      await ch.basicPublish('amq.direct', key, 'bounce', {}, true);
      await waitFor(() => returned.length === 1, 5000, 'basic.return');
      assert.equal(returned[0].replyCode, 312);
      assert.equal(returned[0].replyText, 'NO_ROUTE');
      assert.equal(returned[0].exchange, 'amq.direct');
      assert.equal(returned[0].routingKey, key);
      assert.equal(returned[0].bodyString(), 'bounce');
    });
  });

  test('direct reply-to works with amqp-client', LIMIT, async () => {
    await withClient(async ({ client }) => {
      const requester = await client.channel();
      const responder = await client.channel();
      const service = await tempQueue(responder);
      await responder.basicConsume(service, { noAck: true }, async (msg) => {
        await responder.basicPublish('', msg.properties.replyTo!, `re: ${msg.bodyString()}`, {
          correlationId: msg.properties.correlationId,
        });
      });
      const replies: AMQPMessage[] = [];
      await requester.basicConsume('amq.rabbitmq.reply-to', { noAck: true }, (msg) => {
        replies.push(msg);
      });
      await requester.basicPublish('', service, 'question', { replyTo: 'amq.rabbitmq.reply-to', correlationId: '42' });
      await waitFor(() => replies.length === 1, 5000, 'the reply');
      assert.equal(replies[0].bodyString(), 're: question');
      assert.equal(replies[0].properties.correlationId, '42');
      assert.match(replies[0].routingKey, /^amq\.rabbitmq\.reply-to\./);
    });
  });
});

describe('amqp-client: confirms and transactions', () => {
  test('with confirmSelect, basicPublish resolves with increasing delivery tags once confirmed', LIMIT, async () => {
    await withClient(async ({ client }) => {
      const ch = await client.channel();
      const q = await tempQueue(ch);
      await ch.confirmSelect();
      const tags = await Promise.all(Array.from({ length: 20 }, (_, i) => ch.basicPublish('', q, `m${i}`)));
      assert.deepEqual(
        tags,
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      assert.equal((await ch.queueDeclare(q, { passive: true })).messageCount, 20);
    });
  });

  test('tx commit delivers and tx rollback discards', LIMIT, async () => {
    await withClient(async ({ client }) => {
      const ch = await client.channel();
      const q = await tempQueue(ch);
      await ch.txSelect();
      await ch.basicPublish('', q, 'committed');
      await ch.txCommit();
      await ch.basicPublish('', q, 'rolled back');
      await ch.txRollback();
      await ch.txCommit();
      assert.equal((await ch.queueDeclare(q, { passive: true })).messageCount, 1);
      assert.equal((await ch.basicGet(q))!.bodyString(), 'committed');
    });
  });

  test('tx.commit on a non-transactional channel closes it with 406', LIMIT, async () => {
    await withClient(async ({ client }) => {
      const ch = await client.channel();
      const err = await rejection(ch.txCommit());
      assert.equal(err.message, 'channel 1 closed: PRECONDITION_FAILED - channel is not transactional (406)');
      assert.equal(ch.closed, true);
    });
  });

  test('confirm.select after tx.select closes the channel with 406', LIMIT, async () => {
    await withClient(async ({ client }) => {
      const ch = await client.channel();
      await ch.txSelect();
      const err = await rejection(ch.confirmSelect());
      assert.equal(err.message, 'channel 1 closed: PRECONDITION_FAILED - cannot switch from tx to confirm mode (406)');
    });
  });

  test('tx.select after confirm.select closes the channel with 406', LIMIT, async () => {
    await withClient(async ({ client }) => {
      const ch = await client.channel();
      await ch.confirmSelect();
      const err = await rejection(ch.txSelect());
      assert.equal(err.message, 'channel 1 closed: PRECONDITION_FAILED - cannot switch from confirm to tx mode (406)');
    });
  });
});

describe('amqp-client: errors', () => {
  test('a channel error rejects the operation, closes only that channel, and the connection stays usable', LIMIT, async () => {
    await withClient(async ({ client, errors }) => {
      const ch = await client.channel();
      const name = uniqueName('q.missing');
      const err = await rejection(ch.queueDeclare(name, { passive: true }));
      assert.equal(err.message, `channel 1 closed: NOT_FOUND - no queue '${name}' in vhost '/' (404)`);
      assert.equal(ch.closed, true);
      const ch2 = await client.channel();
      await ch2.queueDeclare('', { exclusive: true });
      assert.equal(client.closed, false);
      // amqp-client forwards channel errors to the connection's onerror; none is a connection close.
      assert.ok(errors.every((e) => !/connection closed/.test(e.message)));
    });
  });

  test('redeclaring an exchange with another type fails with 406 and the RabbitMQ text', LIMIT, async () => {
    await withClient(async ({ client }) => {
      const ch = await client.channel();
      const x = uniqueName('x.ac.type');
      await ch.exchangeDeclare(x, 'direct', { durable: false });
      const ch2 = await client.channel();
      const err = await rejection(ch2.exchangeDeclare(x, 'topic', { durable: false }));
      assert.equal(
        err.message,
        `channel 2 closed: PRECONDITION_FAILED - inequivalent arg 'type' for exchange '${x}' in vhost '/': received 'topic' but current is 'direct' (406)`,
      );
      await ch.exchangeDelete(x);
    });
  });

  test('queue delete if-empty on a non-empty queue fails with 406', LIMIT, async () => {
    await withClient(async ({ client }) => {
      const ch = await client.channel();
      const name = uniqueName('q.ac.full');
      await ch.queueDeclare(name, { durable: false });
      await ch.confirmSelect();
      await ch.basicPublish('', name, 'x');
      const ch2 = await client.channel();
      const err = await rejection(ch2.queueDelete(name, { ifEmpty: true }));
      assert.equal(err.message, `channel 2 closed: PRECONDITION_FAILED - queue '${name}' in vhost '/' not empty (406)`);
      assert.deepEqual(await ch.queueDelete(name), { messageCount: 1 });
    });
  });

  test('channel.flow active=true is acknowledged with active=true', LIMIT, async () => {
    await withClient(async ({ client }) => {
      const ch = await client.channel();
      assert.equal(await ch.basicFlow(true), true);
      await ch.queueDeclare('', { exclusive: true });
    });
  });

  test('channel.flow active=false closes the connection with 540 NOT_IMPLEMENTED - active=false', LIMIT, async () => {
    const c = await open();
    try {
      const ch = await c.client.channel();
      const err = await rejection(ch.basicFlow(false));
      assert.equal(err.message, 'connection closed: NOT_IMPLEMENTED - active=false (540)');
      assert.ok(c.errors.some((e) => e.message === 'connection closed: NOT_IMPLEMENTED - active=false (540)'));
    } finally {
      await closeClient(c);
    }
  });

  test('basic.qos with a non-zero prefetch_size closes the connection with 540 NOT_IMPLEMENTED', LIMIT, async () => {
    const c = await open();
    try {
      const ch = await c.client.channel();
      const err = await rejection(ch.basicQos(1, 1000));
      assert.equal(err.message, 'connection closed: NOT_IMPLEMENTED - prefetch_size!=0 (1000) (540)');
    } finally {
      await closeClient(c);
    }
  });

  test('basic.recover with requeue=false closes the connection with 540 NOT_IMPLEMENTED - requeue=false', LIMIT, async () => {
    const c = await open();
    try {
      const ch = await c.client.channel();
      const err = await rejection(ch.basicRecover(false));
      assert.equal(err.message, 'connection closed: NOT_IMPLEMENTED - requeue=false (540)');
    } finally {
      await closeClient(c);
    }
  });

  test('basic.recover with requeue=true redelivers unacknowledged messages', LIMIT, async () => {
    await withClient(async ({ client }) => {
      const ch = await client.channel();
      const q = await tempQueue(ch);
      await ch.basicPublish('', q, 'again');
      const received: AMQPMessage[] = [];
      await ch.basicConsume(q, { noAck: false }, (msg) => {
        received.push(msg);
      });
      await waitFor(() => received.length === 1, 5000, 'first delivery');
      await ch.basicRecover(true);
      await waitFor(() => received.length === 2, 5000, 'redelivery');
      assert.equal(received[1].redelivered, true);
      assert.equal(received[1].bodyString(), 'again');
    });
  });

  test('publishing with immediate=true closes the connection with 540 NOT_IMPLEMENTED - immediate=true', LIMIT, async () => {
    const c = await open();
    try {
      const ch = await c.client.channel();
      await ch.basicPublish('', uniqueName('q.any'), 'x', {}, false, true);
      await waitFor(() => c.client.closed, 5000, 'the connection to close');
      assert.ok(
        c.errors.some((e) => e.message === 'connection closed: NOT_IMPLEMENTED - immediate=true (540)'),
        c.errors.map((e) => e.message).join('; '),
      );
    } finally {
      await closeClient(c);
    }
  });
});

describe('interoperability with amqplib', () => {
  test('typed headers published by amqplib are decoded identically by amqp-client', LIMIT, async () => {
    const ac = await open();
    const al = await connectAmqplib(broker.url);
    try {
      const ch = await ac.client.channel();
      const q = await tempQueue(ch);
      const pub = await al.createChannel();
      pub.sendToQueue(q, Buffer.from('from amqplib'), {
        headers: {
          s: 'str',
          i: 100000,
          neg: -2,
          l: 2 ** 40,
          d: 2.5,
          t: true,
          ts: { '!': 'timestamp', value: 1_700_000_000 },
          dec: { '!': 'decimal', value: { places: 2, digits: 314 } },
          arr: [1, 'a', [false]],
          tbl: { k: { kk: 'v' } },
          bin: Buffer.from([1, 2, 3]),
          v: null,
        },
        messageId: 'interop',
      });
      const m = await getEventually(ch, q);
      const h = m.properties.headers!;
      assert.equal(m.bodyString(), 'from amqplib');
      assert.equal(m.properties.messageId, 'interop');
      assert.equal(h.s, 'str');
      assert.equal(h.i, 100000);
      assert.equal(h.neg, -2);
      assert.equal(Number(h.l), 2 ** 40);
      assert.equal(h.d, 2.5);
      assert.equal(h.t, true);
      assert.deepEqual(h.ts, new Date(1_700_000_000_000));
      assert.equal(h.dec, 3.14);
      assert.deepEqual(h.arr, [1, 'a', [false]]);
      assert.deepEqual(h.tbl, { k: { kk: 'v' } });
      assert.deepEqual([...(h.bin as Uint8Array)], [1, 2, 3]);
      assert.equal(h.v, null);
    } finally {
      await closeQuietly(al);
      await closeClient(ac);
    }
  });

  test('a large message published by amqp-client (frame_max 8192) is read intact by amqplib (frame_max 131072)', LIMIT, async () => {
    const ac = await open();
    const al = await connectAmqplib(broker.url);
    try {
      const ch = await ac.client.channel();
      const body = new Uint8Array(300_000);
      for (let i = 0; i < body.length; i++) body[i] = i % 251;
      await ch.confirmSelect();
      // Exclusive queues are usable only by the declaring connection, so hand over via a shared queue.
      const shared = uniqueName('q.interop');
      await ch.queueDeclare(shared, { durable: false });
      await ch.basicPublish('', shared, body);
      const reader = await al.createChannel();
      const got = await reader.get(shared, { noAck: true });
      assert.ok(got);
      assert.ok(Buffer.from(body).equals(got.content));
      await reader.deleteQueue(shared);
    } finally {
      await closeQuietly(al);
      await closeClient(ac);
    }
  });
});
