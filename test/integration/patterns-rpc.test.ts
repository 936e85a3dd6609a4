// RPC pattern (RabbitMQ tutorial 6) with amqplib: a server-named exclusive reply queue with
// correlation ids, and direct reply-to (amq.rabbitmq.reply-to) including its error cases as
// RabbitMQ 3.10.8 reports them.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import { closeQuietly, connect, expectAmqpError, sleep, waitFor, within } from '../support/clients.js';

let broker: TestBroker;
const connections: ChannelModel[] = [];

async function open(): Promise<ChannelModel> {
  const conn = await connect(broker.url);
  connections.push(conn);
  return conn;
}

before(async () => {
  broker = await startTestBroker();
});

after(async () => {
  for (const c of connections) await closeQuietly(c);
  await broker.close();
});

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** Starts an RPC server computing fib(n) on `queue`; records the reply_to values it saw. */
async function startFibServer(queue: string): Promise<{ ch: Channel; replyTos: string[] }> {
  const conn = await open();
  const ch = await conn.createChannel();
  await ch.assertQueue(queue, { durable: false, autoDelete: true });
  await ch.prefetch(1);
  const replyTos: string[] = [];
  await ch.consume(queue, (msg: ConsumeMessage | null) => {
    if (!msg) return;
    const { replyTo, correlationId } = msg.properties;
    replyTos.push(String(replyTo));
    const n = Number(msg.content.toString());
    ch.sendToQueue(String(replyTo), Buffer.from(String(fib(n))), { correlationId });
    ch.ack(msg);
  });
  return { ch, replyTos };
}

/** A minimal RPC client: call() resolves with the reply whose correlation id matches. */
function rpcClient(ch: Channel, serverQueue: string, replyTo: string) {
  const pending = new Map<string, (body: string) => void>();
  const unmatched: string[] = [];
  let seq = 0;
  return {
    onReply(msg: ConsumeMessage | null): void {
      if (!msg) return;
      const id = String(msg.properties.correlationId);
      const resolve = pending.get(id);
      if (resolve) {
        pending.delete(id);
        resolve(msg.content.toString());
      } else unmatched.push(id);
    },
    call(n: number): Promise<string> {
      const correlationId = `corr-${++seq}-${Math.random().toString(36).slice(2)}`;
      const p = new Promise<string>((resolve) => pending.set(correlationId, resolve));
      ch.sendToQueue(serverQueue, Buffer.from(String(n)), { replyTo, correlationId });
      return within(p, 10_000, `reply to fib(${n})`);
    },
    unmatched,
  };
}

describe('RPC with a reply queue', () => {
  test('concurrent calls are matched to replies by correlation id', async () => {
    const rpcQueue = uniqueName('rpc_queue');
    const server = await startFibServer(rpcQueue);
    const conn = await open();
    const ch = await conn.createChannel();
    const { queue: replyQueue } = await ch.assertQueue('', { exclusive: true });
    assert.match(replyQueue, /^amq\.gen-[A-Za-z0-9_-]{22}$/);
    const client = rpcClient(ch, rpcQueue, replyQueue);
    await ch.consume(replyQueue, (m) => client.onReply(m), { noAck: true });
    const inputs = [0, 1, 2, 10, 15, 20, 7, 3];
    const results = await Promise.all(inputs.map((n) => client.call(n)));
    assert.deepEqual(results, inputs.map((n) => String(fib(n))));
    assert.deepEqual(client.unmatched, []);
    assert.ok(server.replyTos.every((r) => r === replyQueue), 'server saw the reply queue name unchanged');
  });

  test('the exclusive reply queue disappears with the client connection', async () => {
    const conn = await connect(broker.url);
    const ch = await conn.createChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true });
    await closeQuietly(conn);
    const other = await open();
    const och = await other.createChannel();
    och.on('error', () => {});
    await expectAmqpError(och.checkQueue(queue), 404, `NOT_FOUND - no queue '${queue}' in vhost '/'`);
  });
});

describe('RPC with direct reply-to', () => {
  test('amq.rabbitmq.reply-to: replies arrive on the pseudo-queue consumer', async () => {
    const rpcQueue = uniqueName('rpc_direct');
    const server = await startFibServer(rpcQueue);
    const conn = await open();
    const ch = await conn.createChannel();
    const client = rpcClient(ch, rpcQueue, 'amq.rabbitmq.reply-to');
    const replies: ConsumeMessage[] = [];
    // Must consume in no-ack mode *before* publishing with reply_to on the same channel.
    const { consumerTag } = await ch.consume(
      'amq.rabbitmq.reply-to',
      (m) => {
        if (m) replies.push(m);
        client.onReply(m);
      },
      { noAck: true },
    );
    const inputs = [5, 6, 12];
    const results = await Promise.all(inputs.map((n) => client.call(n)));
    assert.deepEqual(results, inputs.map((n) => String(fib(n))));
    // The server sees a per-channel generated address, not the pseudo-queue name.
    assert.equal(server.replyTos.length, 3);
    for (const r of server.replyTos) assert.ok(r.startsWith('amq.rabbitmq.reply-to.'), r);
    assert.equal(new Set(server.replyTos).size, 1, 'same reply address for all calls on one channel');
    for (const m of replies) {
      assert.equal(m.fields.consumerTag, consumerTag);
      assert.equal(m.fields.exchange, '');
      assert.equal(m.fields.routingKey, server.replyTos[0]);
      assert.equal(m.fields.redelivered, false);
    }
  });

  test('consuming amq.rabbitmq.reply-to with acks is refused', async () => {
    const ch = await (await open()).createChannel();
    ch.on('error', () => {});
    await expectAmqpError(
      ch.consume('amq.rabbitmq.reply-to', () => {}, { noAck: false }),
      406,
      'PRECONDITION_FAILED - reply consumer cannot acknowledge',
    );
  });

  test('a second reply-to consumer on the same channel is refused', async () => {
    const ch = await (await open()).createChannel();
    ch.on('error', () => {});
    await ch.consume('amq.rabbitmq.reply-to', () => {}, { noAck: true });
    await expectAmqpError(
      ch.consume('amq.rabbitmq.reply-to', () => {}, { noAck: true }),
      406,
      'PRECONDITION_FAILED - reply consumer already set',
    );
  });

  test('publishing with reply_to=amq.rabbitmq.reply-to without a reply consumer closes the channel', async () => {
    const ch = await (await open()).createChannel();
    ch.on('error', () => {});
    const q = (await ch.assertQueue('', { exclusive: true })).queue;
    ch.sendToQueue(q, Buffer.from('x'), { replyTo: 'amq.rabbitmq.reply-to' });
    await expectAmqpError(ch.checkQueue(q), 406, 'PRECONDITION_FAILED - fast reply consumer does not exist');
  });

  test('a reply to an unknown reply-to address is unroutable (returned when mandatory)', async () => {
    const ch = await (await open()).createChannel();
    const returned: Array<{ replyCode: number; replyText: string; routingKey: string }> = [];
    ch.on('return', (m: ConsumeMessage) => returned.push(m.fields as unknown as (typeof returned)[number]));
    ch.sendToQueue('amq.rabbitmq.reply-to.bogus', Buffer.from('lost'));
    ch.sendToQueue('amq.rabbitmq.reply-to.bogus', Buffer.from('lost'), { mandatory: true });
    await waitFor(() => returned.length === 1, 10_000, 'basic.return');
    await sleep(100);
    assert.equal(returned.length, 1);
    assert.equal(returned[0]!.replyCode, 312);
    assert.equal(returned[0]!.replyText, 'NO_ROUTE');
    assert.equal(returned[0]!.routingKey, 'amq.rabbitmq.reply-to.bogus');
  });
});
