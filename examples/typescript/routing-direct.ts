// Routing: a direct exchange delivers a message to the queues bound with exactly its routing key.
// Here log lines are published with their severity as the routing key; the 'error-pager' only binds
// 'error', the 'everything-archive' binds all three severities. One queue may have many bindings.
//
// Run against a running broker (npm start):   node dist/examples/typescript/routing-direct.js
// Broker URL: AMQP_URL (default amqp://guest:guest@localhost:5672).
import { connect } from 'amqplib';

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672';
const exchange = 'routing.logs';
const LOGS: Array<[severity: string, text: string]> = [
  ['info', 'service started'],
  ['warning', 'slow response from payments (2.3 s)'],
  ['error', 'payment 7781 failed: card declined'],
  ['info', 'nightly report sent'],
  ['error', 'database connection lost'],
];
const SUBSCRIBERS: Record<string, string[]> = {
  'error-pager': ['error'],
  'everything-archive': ['info', 'warning', 'error'],
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  console.log(`routing: direct exchange '${exchange}', routing key = severity`);
  const conn = await connect(url);
  const ch = await conn.createChannel();
  await ch.assertExchange(exchange, 'direct', { durable: false });

  const received: Record<string, string[]> = {};
  for (const [name, severities] of Object.entries(SUBSCRIBERS)) {
    received[name] = [];
    const { queue } = await ch.assertQueue('', { exclusive: true });
    for (const severity of severities) await ch.bindQueue(queue, exchange, severity);
    console.log(`[${name}] bound with ${severities.map((s) => `'${s}'`).join(', ')}`);
    await ch.consume(queue, (msg) => {
      if (!msg) return;
      received[name].push(msg.content.toString());
      console.log(`[${name}] ${msg.fields.routingKey}: ${msg.content.toString()}`);
    }, { noAck: true });
  }

  for (const [severity, text] of LOGS) ch.publish(exchange, severity, Buffer.from(text));
  // A severity no queue is bound with: the exchange drops it (publish with mandatory: true to get it back).
  ch.publish(exchange, 'debug', Buffer.from('cache hit ratio 0.93'));

  const expected = Object.fromEntries(Object.entries(SUBSCRIBERS).map(([name, severities]) => [
    name, LOGS.filter(([s]) => severities.includes(s)).map(([, t]) => t),
  ]));
  const deadline = Date.now() + 10_000;
  while (Object.keys(expected).some((n) => received[n].length < expected[n].length) && Date.now() < deadline) await sleep(20);
  await sleep(100); // give a wrongly routed 'debug' line the chance to show up
  await ch.deleteExchange(exchange);
  await conn.close();

  for (const name of Object.keys(expected)) {
    if (received[name].join('|') !== expected[name].join('|')) throw new Error(`${name} received ${JSON.stringify(received[name])}`);
  }
  console.log(`done: error-pager got ${received['error-pager'].length} errors, everything-archive got ${received['everything-archive'].length} lines, 'debug' went nowhere`);
}

main().catch((err) => {
  console.error('routing-direct example failed:', err);
  process.exit(1);
});
