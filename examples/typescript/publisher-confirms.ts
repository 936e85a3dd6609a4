// Publisher confirms, done right. In confirm mode the broker answers every publish with an ack (it
// has taken responsibility for the message: for a persistent message in a durable queue, it is on
// disk) or a nack (it could not: here, the queue is full). A publisher that must not lose messages:
//   - publishes in batches and waits for the confirms of a batch before sending the next one
//     (a few hundred in flight is fast; waiting after every message is slow);
//   - remembers every message until it is confirmed, and republishes the nacked ones (after a pause);
//   - honours back-pressure: publish() returning false means "wait for 'drain'";
//   - publishes with mandatory: true to hear about messages that no queue took (an unroutable message
//     is returned, and then acked: a confirm alone does not mean it was queued).
// (If the connection drops, every message not yet confirmed must be republished on a new one, which
// may duplicate a few: consumers of such a stream should be idempotent.)
//
// The demo queue holds at most 100 messages and refuses more (x-overflow reject-publish), and its
// consumer starts late, so the first round is partly nacked and the publisher has to retry.
//
// Run against a running broker (npm start):   node dist/examples/typescript/publisher-confirms.js
// Broker URL: AMQP_URL (default amqp://guest:guest@localhost:5672).
import { once } from 'node:events';
import { connect, type ConfirmChannel } from 'amqplib';

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672';
const queue = 'confirms.orders';
const MESSAGES = 300;
const BATCH = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Publishes one message; resolves true when acked, false when nacked. */
function publishConfirmed(ch: ConfirmChannel, routingKey: string, body: Buffer): { sent: boolean; confirmed: Promise<boolean> } {
  let sent = true;
  const confirmed = new Promise<boolean>((resolve) => {
    sent = ch.publish('', routingKey, body, { persistent: true, mandatory: true }, (err) => resolve(err == null));
  });
  return { sent, confirmed };
}

/** Publishes `ids` in batches; returns the ids the broker nacked. */
async function publishRound(ch: ConfirmChannel, ids: number[]): Promise<number[]> {
  const nacked: number[] = [];
  for (let i = 0; i < ids.length; i += BATCH) {
    const batch = ids.slice(i, i + BATCH);
    const confirms: Promise<void>[] = [];
    for (const id of batch) {
      const { sent, confirmed } = publishConfirmed(ch, queue, Buffer.from(JSON.stringify({ orderId: id })));
      confirms.push(confirmed.then((ok) => { if (!ok) nacked.push(id); }));
      if (!sent) await once(ch, 'drain'); // the socket buffer is full: let it empty first
    }
    await Promise.all(confirms); // every message of the batch is now either acked or nacked
  }
  return nacked.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  console.log(`publisher confirms: ${MESSAGES} persistent messages in batches of ${BATCH} to '${queue}' (max-length 100, overflow reject-publish)`);
  const conn = await connect(url);
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue(queue, { durable: true, arguments: { 'x-max-length': 100, 'x-overflow': 'reject-publish' } });
  const returned: string[] = [];
  ch.on('return', (msg) => returned.push(msg.fields.routingKey)); // mandatory messages no queue took

  // The consumer (normally another process) records every order it gets.
  const received = new Map<number, number>();
  const consumerConn = await connect(url);
  const consumerCh = await consumerConn.createChannel();
  await consumerCh.prefetch(50);
  const startConsumer = () => consumerCh.consume(queue, (msg) => {
    if (!msg) return;
    const { orderId } = JSON.parse(msg.content.toString()) as { orderId: number };
    received.set(orderId, (received.get(orderId) ?? 0) + 1);
    consumerCh.ack(msg);
  });

  let pending = Array.from({ length: MESSAGES }, (_, i) => i + 1);
  let round = 0;
  while (pending.length > 0) {
    round++;
    if (round > 20) throw new Error(`${pending.length} messages still nacked after 20 rounds`);
    const nacked = await publishRound(ch, pending);
    console.log(`round ${round}: ${pending.length} published, ${pending.length - nacked.length} confirmed, ${nacked.length} nacked${nacked.length ? ' (queue full) -> republishing them' : ''}`);
    if (round === 1) {
      await startConsumer();
      console.log('[consumer] started');
    }
    if (nacked.length > 0) await sleep(50 * round); // back off before retrying
    pending = nacked;
  }

  // A confirm is not a delivery guarantee for unroutable messages: mandatory makes the broker return them.
  const lost = publishConfirmed(ch, 'no-such-queue', Buffer.from('nobody listens'));
  const ackedAnyway = await lost.confirmed;
  console.log(`unroutable message with mandatory: ${returned.includes('no-such-queue') ? 'returned' : 'NOT returned'}, then ${ackedAnyway ? 'acked' : 'nacked'}`);

  const deadline = Date.now() + 15_000;
  while (received.size < MESSAGES && Date.now() < deadline) await sleep(20);
  await consumerConn.close();
  await ch.deleteQueue(queue);
  await conn.close();

  const duplicates = [...received.values()].filter((n) => n > 1).length;
  if (received.size !== MESSAGES || duplicates > 0) throw new Error(`consumed ${received.size} distinct orders, ${duplicates} duplicated`);
  if (round < 2) throw new Error('expected the first round to be partly nacked');
  if (!returned.includes('no-such-queue')) throw new Error('the unroutable message was not returned');
  console.log(`done: ${MESSAGES} of ${MESSAGES} messages confirmed after ${round} rounds, each consumed exactly once`);
}

main().catch((err) => {
  console.error('publisher-confirms example failed:', err);
  process.exit(1);
});
