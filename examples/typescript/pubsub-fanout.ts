// Publish/subscribe: a fanout exchange copies every message to every queue bound to it. Each
// subscriber declares its own private queue (server-named, exclusive: deleted when it disconnects)
// and binds it to the exchange, so every subscriber sees every message, and a subscriber that is
// not running simply misses them.
//
// Run against a running broker (npm start):   node dist/examples/typescript/pubsub-fanout.js
// Broker URL: AMQP_URL (default amqp://guest:guest@localhost:5672).
import { connect, type ChannelModel } from 'amqplib';

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672';
const exchange = 'pubsub.logs';
const MESSAGES = ['user 42 logged in', 'disk /var at 91%', 'backup finished', 'user 42 logged out'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A subscriber: a private queue bound to the fanout exchange (the binding key is ignored). */
async function subscribe(name: string, received: string[]): Promise<ChannelModel> {
  const conn = await connect(url);
  const ch = await conn.createChannel();
  await ch.assertExchange(exchange, 'fanout', { durable: false });
  const { queue } = await ch.assertQueue('', { exclusive: true }); // '' = let the broker name it
  await ch.bindQueue(queue, exchange, '');
  await ch.consume(queue, (msg) => {
    if (!msg) return;
    received.push(msg.content.toString());
    console.log(`[${name}] got '${msg.content.toString()}' (queue ${queue})`);
  }, { noAck: true });
  return conn;
}

async function main(): Promise<void> {
  console.log(`pub/sub: fanout exchange '${exchange}', 3 subscribers, ${MESSAGES.length} messages`);
  const subscribers = ['console-logger', 'file-archiver', 'alerting'];
  const received = new Map(subscribers.map((s) => [s, [] as string[]]));
  const conns = [];
  for (const s of subscribers) conns.push(await subscribe(s, received.get(s)!));

  const publisher = await connect(url);
  const ch = await publisher.createChannel();
  await ch.assertExchange(exchange, 'fanout', { durable: false });
  for (const text of MESSAGES) {
    ch.publish(exchange, '', Buffer.from(text)); // the routing key does not matter for fanout
    console.log(`[publisher] sent '${text}'`);
  }

  const deadline = Date.now() + 10_000;
  while ([...received.values()].some((r) => r.length < MESSAGES.length) && Date.now() < deadline) await sleep(20);
  for (const c of conns) await c.close();
  await ch.deleteExchange(exchange);
  await publisher.close();

  for (const [s, got] of received) {
    if (got.join('|') !== MESSAGES.join('|')) throw new Error(`${s} received ${JSON.stringify(got)}`);
  }
  console.log(`done: each of the ${subscribers.length} subscribers received all ${MESSAGES.length} messages, in order`);
}

main().catch((err) => {
  console.error('pubsub-fanout example failed:', err);
  process.exit(1);
});
