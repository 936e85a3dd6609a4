// Topics: a topic exchange matches dot-separated routing keys against binding patterns, where '*'
// stands for exactly one word and '#' for zero or more words. Routing keys here are
// '<entity>.<event>.<region>'; each subscriber binds the patterns it cares about.
//
// Run against a running broker (npm start):   node dist/examples/typescript/topics.js
// Broker URL: AMQP_URL (default amqp://guest:guest@localhost:5672).
import { connect } from 'amqplib';

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672';
const exchange = 'topics.shop';
const EVENTS = ['order.created.eu', 'order.shipped.us', 'payment.failed.eu', 'payment.settled.us', 'order', 'stock.low.eu.warehouse-2'];
// Subscriber -> binding patterns, and which of EVENTS it must receive.
const SUBSCRIBERS: Record<string, { patterns: string[]; expects: string[] }> = {
  'eu-dashboard': { patterns: ['*.*.eu'], expects: ['order.created.eu', 'payment.failed.eu'] },
  'order-service': { patterns: ['order.#'], expects: ['order.created.eu', 'order.shipped.us', 'order'] }, // '#' matches zero words too
  'fraud-watch': { patterns: ['payment.failed.*'], expects: ['payment.failed.eu'] },
  'eu-everything': { patterns: ['#.eu.#'], expects: ['order.created.eu', 'payment.failed.eu', 'stock.low.eu.warehouse-2'] },
  audit: { patterns: ['#'], expects: EVENTS },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  console.log(`topics: topic exchange '${exchange}', routing keys '<entity>.<event>.<region>'`);
  const conn = await connect(url);
  const ch = await conn.createChannel();
  await ch.assertExchange(exchange, 'topic', { durable: false });

  const received: Record<string, string[]> = {};
  for (const [name, { patterns }] of Object.entries(SUBSCRIBERS)) {
    received[name] = [];
    const { queue } = await ch.assertQueue('', { exclusive: true });
    for (const pattern of patterns) await ch.bindQueue(queue, exchange, pattern);
    await ch.consume(queue, (msg) => {
      if (msg) received[name].push(msg.fields.routingKey);
    }, { noAck: true });
  }

  for (const key of EVENTS) ch.publish(exchange, key, Buffer.from(JSON.stringify({ event: key })));

  const done = () => Object.entries(SUBSCRIBERS).every(([name, s]) => received[name].length >= s.expects.length);
  const deadline = Date.now() + 10_000;
  while (!done() && Date.now() < deadline) await sleep(20);
  await sleep(100); // give a wrongly routed event the chance to show up
  await ch.deleteExchange(exchange);
  await conn.close();

  let ok = true;
  for (const [name, { patterns, expects }] of Object.entries(SUBSCRIBERS)) {
    const match = received[name].join(',') === expects.join(',');
    ok &&= match;
    console.log(`[${name}] ${patterns.join(' ')} -> ${received[name].join(', ') || '(nothing)'}${match ? '' : '   <-- UNEXPECTED'}`);
  }
  if (!ok) throw new Error('some subscribers received unexpected events');
  console.log(`done: ${EVENTS.length} events routed to ${Object.keys(SUBSCRIBERS).length} subscribers exactly as their patterns say`);
}

main().catch((err) => {
  console.error('topics example failed:', err);
  process.exit(1);
});
