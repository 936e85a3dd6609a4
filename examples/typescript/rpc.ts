// RPC: a client sends a request to a server's queue and waits for the answer. The request carries
// `replyTo` (where to answer) and `correlationId` (which request an answer belongs to, so many calls
// can be in flight at once). Two ways to receive the answers are shown:
//   1. a private reply queue per client (exclusive, server-named);
//   2. direct reply-to: the pseudo-queue 'amq.rabbitmq.reply-to', no queue is declared at all
//      (consume from it with noAck before publishing, on the same channel).
//
// Run against a running broker (npm start):   node dist/examples/typescript/rpc.js
// Broker URL: AMQP_URL (default amqp://guest:guest@localhost:5672).
import { randomUUID } from 'node:crypto';
import { connect, type Channel, type ChannelModel } from 'amqplib';

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672';
const requestQueue = 'rpc.fibonacci';

function fibonacci(n: number): number {
  let [a, b] = [0, 1];
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}

/** The server: takes requests one at a time, answers to replyTo with the request's correlationId. */
async function startServer(): Promise<ChannelModel> {
  const conn = await connect(url);
  const ch = await conn.createChannel();
  await ch.assertQueue(requestQueue, { durable: false });
  await ch.prefetch(1);
  await ch.consume(requestQueue, (msg) => {
    if (!msg) return;
    const n = Number(msg.content.toString());
    console.log(`[server] fibonacci(${n}) requested (correlationId ${msg.properties.correlationId.slice(0, 8)}...)`);
    // Reply through the default exchange: the routing key is the reply queue's name.
    ch.publish('', msg.properties.replyTo, Buffer.from(String(fibonacci(n))), { correlationId: msg.properties.correlationId });
    ch.ack(msg);
  });
  return conn;
}

/** A client: `call(n)` resolves with the answer whose correlationId matches the request's. */
class RpcClient {
  private readonly pending = new Map<string, (answer: string) => void>();

  private constructor(private readonly ch: Channel, private readonly replyTo: string) {}

  static async open(conn: ChannelModel, directReplyTo: boolean): Promise<RpcClient> {
    const ch = await conn.createChannel();
    // Either the direct reply-to pseudo-queue, or a private queue the broker names for us.
    const replyTo = directReplyTo ? 'amq.rabbitmq.reply-to' : (await ch.assertQueue('', { exclusive: true })).queue;
    const client = new RpcClient(ch, replyTo);
    await ch.consume(replyTo, (msg) => {
      if (!msg) return;
      const resolve = client.pending.get(msg.properties.correlationId);
      if (!resolve) return; // a late answer to a request we gave up on: ignore it
      client.pending.delete(msg.properties.correlationId);
      resolve(msg.content.toString());
    }, { noAck: true }); // direct reply-to requires noAck
    return client;
  }

  call(n: number, timeoutMs = 10_000): Promise<number> {
    const correlationId = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new Error(`no answer to fibonacci(${n}) within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(correlationId, (answer) => {
        clearTimeout(timer);
        resolve(Number(answer));
      });
      this.ch.sendToQueue(requestQueue, Buffer.from(String(n)), { correlationId, replyTo: this.replyTo });
    });
  }
}

async function demo(conn: ChannelModel, directReplyTo: boolean): Promise<void> {
  const client = await RpcClient.open(conn, directReplyTo);
  const inputs = [10, 20, 30, 40];
  // All four calls are in flight at once; correlation ids pair each answer with its call.
  const answers = await Promise.all(inputs.map((n) => client.call(n)));
  inputs.forEach((n, i) => {
    if (answers[i] !== fibonacci(n)) throw new Error(`fibonacci(${n}) answered ${answers[i]}`);
    console.log(`[client] fibonacci(${n}) = ${answers[i]}`);
  });
}

async function main(): Promise<void> {
  const server = await startServer();
  const conn = await connect(url);

  console.log(`1. RPC with a private reply queue, requests on '${requestQueue}'`);
  await demo(conn, false);
  console.log(`2. RPC with direct reply-to (amq.rabbitmq.reply-to)`);
  await demo(conn, true);

  await conn.close();
  const ch = await server.createChannel();
  await ch.deleteQueue(requestQueue);
  await server.close();
  console.log('done: 8 calls answered correctly (4 over a reply queue, 4 over direct reply-to)');
}

main().catch((err) => {
  console.error('rpc example failed:', err);
  process.exit(1);
});
