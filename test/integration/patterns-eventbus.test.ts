// Event-bus pattern with amqplib: a 'video-events' topic exchange, service queues subscribing
// with 'video.*', 'video.watch_started' and '#', and a failing analytics handler whose
// nack(requeue=false) dead-letters the event through a 'dlx' fanout exchange into a DLQ.
// Dead-lettering details (x-death and x-first-death-* headers) are as RabbitMQ 3.10.8 sends them.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import { closeQuietly, connect, sleep, waitFor } from '../support/clients.js';

let broker: TestBroker;
let conn: ChannelModel;
let admin: Channel;
const cleanup: Array<() => Promise<unknown>> = [];

before(async () => {
  broker = await startTestBroker();
  conn = await connect(broker.url);
  admin = await conn.createChannel();
});

after(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  await closeQuietly(conn);
  await broker.close();
});

interface Topology {
  exchange: string;
  dlx: string;
  dlq: string;
  recommendations: string;
  notifications: string;
  analytics: string;
}

async function declareTopology(): Promise<Topology> {
  const t: Topology = {
    exchange: uniqueName('video-events'),
    dlx: uniqueName('dlx'),
    dlq: uniqueName('dlq'),
    recommendations: uniqueName('recommendation-service'),
    notifications: uniqueName('notification-service'),
    analytics: uniqueName('analytics-service'),
  };
  await admin.assertExchange(t.exchange, 'topic', { durable: false });
  await admin.assertExchange(t.dlx, 'fanout', { durable: false });
  await admin.assertQueue(t.dlq, { durable: false });
  await admin.bindQueue(t.dlq, t.dlx, '');
  await admin.assertQueue(t.recommendations, { durable: false });
  await admin.assertQueue(t.notifications, { durable: false });
  await admin.assertQueue(t.analytics, { durable: false, arguments: { 'x-dead-letter-exchange': t.dlx } });
  await admin.bindQueue(t.recommendations, t.exchange, 'video.*');
  await admin.bindQueue(t.notifications, t.exchange, 'video.watch_started');
  await admin.bindQueue(t.analytics, t.exchange, '#');
  cleanup.push(async () => {
    for (const q of [t.recommendations, t.notifications, t.analytics, t.dlq]) await admin.deleteQueue(q);
    await admin.deleteExchange(t.exchange);
    await admin.deleteExchange(t.dlx);
  });
  return t;
}

interface Service {
  received: ConsumeMessage[];
  acked: string[];
  nacked: string[];
}

/** A service consumer with manual acks; `fail(msg)` decides which events it nacks without requeue. */
async function startService(queue: string, fail: (m: ConsumeMessage) => boolean = () => false): Promise<Service> {
  const ch = await conn.createChannel();
  await ch.prefetch(10);
  const s: Service = { received: [], acked: [], nacked: [] };
  await ch.consume(queue, (m) => {
    if (!m) return;
    s.received.push(m);
    const id = String(m.properties.messageId);
    if (fail(m)) {
      s.nacked.push(id);
      ch.nack(m, false, false);
    } else {
      s.acked.push(id);
      ch.ack(m);
    }
  });
  return s;
}

const EVENTS: Array<[string, Record<string, unknown>]> = [
  ['video.uploaded', { videoId: 'v1' }],
  ['video.watch_started', { videoId: 'v1', user: 'u1' }],
  ['video.watch_completed', { videoId: 'v1', user: 'u1', corrupt: true }],
  ['user.signed_up', { user: 'u2' }],
  ['video.watch_started', { videoId: 'v2', user: 'u2' }],
  ['video.comment.added', { videoId: 'v2' }], // three words: not matched by video.*
  ['video', { bare: true }], // one word: not matched by video.*
];

function publishAll(t: Topology): string[] {
  return EVENTS.map(([key, payload], i) => {
    const id = `evt-${i}`;
    admin.publish(t.exchange, key, Buffer.from(JSON.stringify(payload)), {
      messageId: id,
      contentType: 'application/json',
      headers: { 'event-type': key },
      timestamp: 1_700_000_000 + i,
    });
    return id;
  });
}

const idsFor = (pred: (key: string) => boolean): string[] =>
  EVENTS.map(([k], i) => (pred(k) ? `evt-${i}` : '')).filter(Boolean);

describe('event bus', () => {
  test('services receive exactly the events matching their bindings', async () => {
    const t = await declareTopology();
    const recs = await startService(t.recommendations);
    const notes = await startService(t.notifications);
    const analytics = await startService(t.analytics);
    publishAll(t);
    const expectRecs = idsFor((k) => /^video\.[^.]*$/.test(k));
    const expectNotes = idsFor((k) => k === 'video.watch_started');
    const expectAnalytics = idsFor(() => true);
    await waitFor(
      () =>
        recs.received.length >= expectRecs.length &&
        notes.received.length >= expectNotes.length &&
        analytics.received.length >= expectAnalytics.length,
      10_000,
      'all services to receive their events',
    );
    await sleep(200);
    assert.deepEqual(recs.acked, expectRecs);
    assert.deepEqual(notes.acked, expectNotes);
    assert.deepEqual(analytics.acked, expectAnalytics);
    const sample = analytics.received[0]!;
    assert.equal(sample.fields.exchange, t.exchange);
    assert.equal(sample.fields.routingKey, 'video.uploaded');
    assert.equal(sample.properties.contentType, 'application/json');
    assert.deepEqual(sample.properties.headers, { 'event-type': 'video.uploaded' });
    assert.deepEqual(JSON.parse(sample.content.toString()), { videoId: 'v1' });
  });

  test('a failing analytics handler nacks without requeue: the event lands in the DLQ and leaves the queue', async () => {
    const t = await declareTopology();
    const isCorrupt = (m: ConsumeMessage) => JSON.parse(m.content.toString()).corrupt === true;
    const analytics = await startService(t.analytics, isCorrupt);
    publishAll(t);
    await waitFor(() => analytics.received.length >= EVENTS.length, 10_000, 'analytics to see every event');
    await sleep(300); // a requeued event would come back now
    assert.equal(analytics.received.length, EVENTS.length, 'the nacked event must not be redelivered');
    assert.deepEqual(analytics.nacked, ['evt-2']);
    assert.ok(analytics.received.every((m) => !m.fields.redelivered));
    const q = await admin.checkQueue(t.analytics);
    assert.equal(q.messageCount, 0, 'analytics queue is empty (nothing requeued)');

    let dead: Awaited<ReturnType<Channel['get']>> = false;
    await waitFor(
      async () => {
        dead = await admin.get(t.dlq, { noAck: true });
        return dead !== false;
      },
      10_000,
      'the dead-lettered event in the DLQ',
    );
    const d = dead as unknown as ConsumeMessage;
    assert.equal(d.content.toString(), JSON.stringify({ videoId: 'v1', user: 'u1', corrupt: true }));
    assert.equal(d.fields.exchange, t.dlx, 'delivered via the dead-letter exchange');
    assert.equal(d.fields.routingKey, 'video.watch_completed', 'original routing key is kept');
    assert.equal(d.properties.messageId, 'evt-2');
    assert.equal(d.properties.contentType, 'application/json');
    const headers = d.properties.headers as Record<string, unknown>;
    assert.equal(headers['event-type'], 'video.watch_completed', 'original headers are kept');
    assert.equal(headers['x-first-death-reason'], 'rejected');
    assert.equal(headers['x-first-death-queue'], t.analytics);
    assert.equal(headers['x-first-death-exchange'], t.exchange);
    const deaths = headers['x-death'] as Array<Record<string, unknown>>;
    assert.ok(Array.isArray(deaths) && deaths.length === 1, `x-death: ${JSON.stringify(deaths)}`);
    const death = deaths[0]!;
    assert.equal(death['count'], 1);
    assert.equal(death['reason'], 'rejected');
    assert.equal(death['queue'], t.analytics);
    assert.equal(death['exchange'], t.exchange);
    assert.deepEqual(death['routing-keys'], ['video.watch_completed']);
    assert.ok(death['time'], 'x-death time is set');
    assert.equal(await admin.get(t.dlq), false, 'exactly one dead letter');
  });

  test('reject(requeue=false) dead-letters too; nack(requeue=true) does not', async () => {
    const t = await declareTopology();
    admin.publish(t.exchange, 'video.a', Buffer.from('rejected'), { messageId: 'r', expiration: '60000' });
    admin.publish(t.exchange, 'video.b', Buffer.from('requeued'), { messageId: 'q' });
    const ch = await conn.createChannel();
    const got: ConsumeMessage[] = [];
    await waitFor(
      async () => {
        const m = await ch.get(t.analytics);
        if (m) got.push(m as unknown as ConsumeMessage);
        return got.length === 2;
      },
      10_000,
      'two events in analytics',
    );
    ch.reject(got[0]!, false);
    ch.nack(got[1]!, false, true);
    let again: Awaited<ReturnType<Channel['get']>> = false;
    await waitFor(
      async () => {
        again = await ch.get(t.analytics, { noAck: true });
        return again !== false;
      },
      10_000,
      'the requeued event',
    );
    const a = again as unknown as ConsumeMessage;
    assert.equal(a.content.toString(), 'requeued');
    assert.equal(a.fields.redelivered, true);
    let dead: Awaited<ReturnType<Channel['get']>> = false;
    await waitFor(
      async () => {
        dead = await ch.get(t.dlq, { noAck: true });
        return dead !== false;
      },
      10_000,
      'the rejected event in the DLQ',
    );
    const d = dead as unknown as ConsumeMessage;
    assert.equal(d.content.toString(), 'rejected');
    // The per-message TTL is removed on dead-lettering and remembered in x-death.
    assert.equal(d.properties.expiration, undefined);
    const death = (d.properties.headers as Record<string, unknown>)['x-death'] as Array<Record<string, unknown>>;
    assert.equal(death[0]!['original-expiration'], '60000');
    assert.equal(death[0]!['reason'], 'rejected');
    await sleep(100);
    assert.equal(await ch.get(t.dlq), false, 'the requeued event was not dead-lettered');
    await ch.close();
  });
});
