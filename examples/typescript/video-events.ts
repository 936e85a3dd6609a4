// An event bus: a video service publishes what happens ('video.uploaded', 'video.watch_started',
// ...) to one topic exchange, without knowing who listens. Each service owns a durable queue bound
// with the event names it needs:
//   recommendation-service  video.watch_started, video.liked
//   notification-service    video.uploaded, video.commented
//   analytics-service       video.#   (everything) -- and it is flaky.
// Analytics retries a failed event once (nack with requeue); an event that fails again is rejected
// without requeue, and its queue's dead-letter exchange moves it to a dead-letter queue (DLQ), with an
// x-death header saying where it came from and why, for a human (or a repair job) to look at.
//
// Run against a running broker (npm start):   node dist/examples/typescript/video-events.js
// Broker URL: AMQP_URL (default amqp://guest:guest@localhost:5672).
import { connect, type ChannelModel, type ConsumeMessage } from 'amqplib';

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672';
const EVENTS_EXCHANGE = 'video.events';
const DEAD_LETTER_EXCHANGE = 'video.events.dead-letter';
const DLQ = 'analytics-service.dead-letters';
const SERVICES: Record<string, string[]> = {
  'recommendation-service': ['video.watch_started', 'video.liked'],
  'notification-service': ['video.uploaded', 'video.commented'],
  'analytics-service': ['video.#'],
};

interface VideoEvent { seq: number; videoId: string; userId?: string | null; title?: string; text?: string }
const EVENTS: Array<[string, VideoEvent]> = [
  ['video.uploaded', { seq: 1, videoId: 'v1', title: 'Cats on keyboards' }],
  ['video.watch_started', { seq: 2, videoId: 'v1', userId: 'u7' }],
  ['video.watch_finished', { seq: 3, videoId: 'v1', userId: 'u7' }],
  ['video.liked', { seq: 4, videoId: 'v1', userId: 'u7' }],
  ['video.watch_started', { seq: 5, videoId: 'v2', userId: 'u9' }], // analytics fails once, then succeeds
  ['video.watch_started', { seq: 6, videoId: 'v3', userId: null }], // analytics can never handle it
  ['video.commented', { seq: 7, videoId: 'v1', userId: 'u9', text: 'purrfect' }],
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const handled: Record<string, number[]> = Object.fromEntries(Object.keys(SERVICES).map((s) => [s, []]));
let analyticsAttempts = 0;
let analyticsRetries = 0;

/** What analytics does with an event; throws when its (simulated) flaky dependency fails. */
function recordAnalytics(event: VideoEvent, redelivered: boolean): void {
  analyticsAttempts++;
  if (event.seq === 5 && !redelivered) throw new Error('analytics database timed out');
  if (event.userId === null) throw new Error('event has no userId');
}

async function startService(name: string): Promise<ChannelModel> {
  const conn = await connect(url);
  const ch = await conn.createChannel();
  await ch.prefetch(10);
  await ch.consume(name, (msg: ConsumeMessage | null) => {
    if (!msg) return;
    const event = JSON.parse(msg.content.toString()) as VideoEvent;
    const key = msg.fields.routingKey;
    if (name !== 'analytics-service') {
      handled[name].push(event.seq);
      console.log(`[${name}] ${key} #${event.seq} (video ${event.videoId})`);
      ch.ack(msg);
      return;
    }
    try {
      recordAnalytics(event, msg.fields.redelivered);
      handled[name].push(event.seq);
      console.log(`[${name}] ${key} #${event.seq} recorded${msg.fields.redelivered ? ' on retry' : ''}`);
      ch.ack(msg);
    } catch (err) {
      // First failure: put it back for one retry. Second failure: reject, so it is dead-lettered.
      const retry = !msg.fields.redelivered;
      if (retry) analyticsRetries++;
      console.log(`[${name}] ${key} #${event.seq} FAILED (${(err as Error).message}) -> ${retry ? 'requeued for a retry' : 'rejected, dead-lettered'}`);
      ch.nack(msg, false, retry);
    }
  });
  return conn;
}

async function main(): Promise<void> {
  const conn = await connect(url);
  const ch = await conn.createChannel();
  // The topology, declared idempotently by whoever starts first (in production: by each service for its own queue).
  await ch.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
  await ch.assertExchange(DEAD_LETTER_EXCHANGE, 'fanout', { durable: true });
  await ch.assertQueue(DLQ, { durable: true });
  await ch.bindQueue(DLQ, DEAD_LETTER_EXCHANGE, '');
  for (const [service, keys] of Object.entries(SERVICES)) {
    const args = service === 'analytics-service' ? { 'x-dead-letter-exchange': DEAD_LETTER_EXCHANGE } : {};
    await ch.assertQueue(service, { durable: true, arguments: args });
    for (const key of keys) await ch.bindQueue(service, EVENTS_EXCHANGE, key);
    console.log(`[${service}] subscribed to ${keys.join(', ')}`);
  }
  const services = [];
  for (const service of Object.keys(SERVICES)) services.push(await startService(service));

  // The video service publishes facts; persistent, so they survive a broker restart in durable queues.
  for (const [key, event] of EVENTS) {
    ch.publish(EVENTS_EXCHANGE, key, Buffer.from(JSON.stringify(event)), { persistent: true, contentType: 'application/json' });
    console.log(`[video-service] published ${key} #${event.seq}`);
  }

  const expected: Record<string, number[]> = {
    'recommendation-service': [2, 4, 5, 6],
    'notification-service': [1, 7],
    'analytics-service': [1, 2, 3, 4, 5, 7],
  };
  const count = () => Object.values(handled).reduce((n, h) => n + h.length, 0);
  const want = Object.values(expected).reduce((n, h) => n + h.length, 0);
  let dead = null;
  const deadline = Date.now() + 15_000;
  while ((count() < want || !dead) && Date.now() < deadline) {
    dead ??= await ch.get(DLQ, { noAck: true }) || null;
    await sleep(20);
  }
  for (const s of services) await s.close();

  for (const [service, seqs] of Object.entries(expected)) {
    const got = [...handled[service]].sort((a, b) => a - b);
    if (got.join(',') !== seqs.join(',')) throw new Error(`${service} handled ${got.join(',')}, expected ${seqs.join(',')}`);
  }
  if (!dead) throw new Error(`nothing arrived in ${DLQ}`);
  const deadEvent = JSON.parse(dead.content.toString()) as VideoEvent;
  const death = dead.properties.headers?.['x-death']?.[0];
  if (!death) throw new Error('the dead letter has no x-death header');
  console.log(`[${DLQ}] #${deadEvent.seq} ${dead.fields.routingKey}: reason=${death.reason}, queue=${death.queue}, exchange=${death.exchange}, count=${death.count}`);
  if (deadEvent.seq !== 6 || death.reason !== 'rejected' || death.queue !== 'analytics-service') throw new Error('unexpected dead letter');

  for (const q of [...Object.keys(SERVICES), DLQ]) await ch.deleteQueue(q);
  await ch.deleteExchange(EVENTS_EXCHANGE);
  await ch.deleteExchange(DEAD_LETTER_EXCHANGE);
  await conn.close();
  console.log(`done: ${EVENTS.length} events delivered to 3 services; analytics made ${analyticsAttempts} attempts, retried ${analyticsRetries} events, dead-lettered 1`);
}

main().catch((err) => {
  console.error('video-events example failed:', err);
  process.exit(1);
});
