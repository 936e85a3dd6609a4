// Message statistics in the management API: message_stats counts, *_details rates and the
// samples history (lengths_age, msg_rates_age, data_rates_age), driven by amqplib traffic and
// compared field by field with what RabbitMQ 3.10.8 returned for the same traffic
// (test/fixtures/http/rabbitmq-3.10.8-stats.json, scripts/record-stats-fixtures.mjs). The broker
// samples every 20 ms (collect_statistics_interval) so no test waits for RabbitMQ's 5 s.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import amqp from 'amqplib';
import type { RunningBroker } from '../../src/index.js';
import { api, assertSameShape, startHttpBroker } from './support.js';

const LIMIT = { timeout: 30_000 };
const rabbit = JSON.parse(readFileSync(new URL('../../../test/fixtures/http/rabbitmq-3.10.8-stats.json', import.meta.url), 'utf8'));
const INTERVAL = 20;

let broker: RunningBroker;
let call: ReturnType<typeof api>;
let conn: Awaited<ReturnType<typeof amqp.connect>>;
let publisher: amqp.ConfirmChannel;

const get = async (path: string) => {
  const r = await call('GET', path);
  assert.equal(r.status, 200, path);
  return r.body;
};

/** Polls `read` until `ok` holds (a few sampling intervals at most in practice). */
async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: last seen ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, INTERVAL));
  }
}

before(async () => {
  broker = await startHttpBroker({ statsInterval: INTERVAL });
  call = api(broker);
  conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}`);
  publisher = await conn.createConfirmChannel();
  publisher.on('return', () => {});
  await publisher.assertExchange('ms.ex', 'topic');
  await publisher.assertQueue('ms.dlq');
  await publisher.assertQueue('ms.q', { deadLetterExchange: '', deadLetterRoutingKey: 'ms.dlq' });
  await publisher.bindQueue('ms.q', 'ms.ex', 'a.#');
  for (let i = 0; i < 20; i++) publisher.publish('ms.ex', 'a.b', Buffer.from(`m${i}`));
  for (let i = 0; i < 2; i++) publisher.publish('ms.ex', 'none', Buffer.from('r'), { mandatory: true });
  for (let i = 0; i < 3; i++) publisher.publish('ms.ex', 'none', Buffer.from('d'));
  await publisher.waitForConfirms();

  // 1 get with ack, 1 get without, 1 get on an empty queue; a consumer rejects one message
  // (dead-lettered), requeues one (redelivered) and acks the rest: 18 acks with the get.
  const ch = await conn.createChannel();
  const got = await ch.get('ms.q');
  assert.ok(got);
  ch.ack(got);
  assert.ok(await ch.get('ms.q', { noAck: true }));
  assert.equal(await ch.get('ms.dlq', { noAck: true }), false);
  let n = 0;
  await new Promise<void>((resolve) => {
    void ch.consume('ms.q', (m) => {
      if (!m) return;
      n++;
      if (n === 1) ch.reject(m, false);
      else if (n === 2) ch.nack(m, false, true);
      else ch.ack(m);
      if (n === 19) resolve(); // 18 messages, one delivered twice
    });
  });
}, LIMIT);

after(async () => {
  await conn.close().catch(() => {});
  await broker.close();
});

describe('message_stats counts', () => {
  test('a queue counts publishes, deliveries, gets, redeliveries and acks as RabbitMQ does', LIMIT, async () => {
    const q = await eventually(() => get('/api/queues/%2F/ms.q'), (x) => x.message_stats?.ack === 18, 'acks on ms.q');
    const s = q.message_stats;
    assert.deepEqual(
      { publish: s.publish, deliver: s.deliver, deliver_no_ack: s.deliver_no_ack, get: s.get, get_no_ack: s.get_no_ack, get_empty: s.get_empty, redeliver: s.redeliver, ack: s.ack, deliver_get: s.deliver_get },
      { publish: 20, deliver: 19, deliver_no_ack: 0, get: 1, get_no_ack: 1, get_empty: 0, redeliver: 1, ack: 18, deliver_get: 21 },
    );
    assert.deepEqual(Object.keys(s).sort(), Object.keys(rabbit.queue.message_stats).sort());
    assertSameShape(q, rabbit.queue, ['message_stats', 'messages_details', 'messages_ready_details', 'messages_unacknowledged_details', 'message_bytes_unacknowledged'], 'queue');
    // The dead-letter queue: one get on it while empty; dead-lettering is not a publish (as in RabbitMQ).
    const dlq = await get('/api/queues/%2F/ms.dlq');
    assert.equal(dlq.messages, 1);
    assert.equal(dlq.message_stats.get_empty, 1);
    assert.equal(dlq.message_stats.publish, undefined);
    assert.deepEqual(Object.keys(dlq.message_stats).sort(), Object.keys(rabbit.queues.find((x: { name: string }) => x.name === 'fxs.dlq').message_stats).sort());
  });

  test('an exchange counts publish_in and publish_out; the default exchange has no message_stats until used', LIMIT, async () => {
    const e = await get('/api/exchanges/%2F/ms.ex');
    assert.equal(e.message_stats.publish_in, 25);
    assert.equal(e.message_stats.publish_out, 20);
    assertSameShape(e, rabbit.exchange, ['message_stats'], 'exchange');
    const listed = (await get('/api/exchanges/%2F')).find((x: { name: string }) => x.name === 'amq.topic');
    assert.equal(listed.message_stats, undefined);
  });

  test('the vhost and the overview add everything up; the overview has queue_totals and churn_rates', LIMIT, async () => {
    const v = await get('/api/vhosts/%2F');
    const s = v.message_stats;
    assert.deepEqual(
      { publish: s.publish, confirm: s.confirm, return_unroutable: s.return_unroutable, drop_unroutable: s.drop_unroutable, get_empty: s.get_empty, deliver_get: s.deliver_get, ack: s.ack },
      { publish: 25, confirm: 25, return_unroutable: 2, drop_unroutable: 3, get_empty: 1, deliver_get: 21, ack: 18 },
    );
    assert.ok(v.recv_oct > 0 && v.send_oct > 0);
    assertSameShape(v, rabbit.vhost, ['message_stats', 'messages_details', 'recv_oct', 'recv_oct_details', 'send_oct', 'send_oct_details'], 'vhost');
    const o = await get('/api/overview');
    assert.equal(o.rates_mode, 'basic');
    assert.equal(o.message_stats.publish, 25);
    assert.equal(o.queue_totals.messages, 1);
    assertSameShape(o, rabbit.overview, ['message_stats', 'queue_totals', 'churn_rates', 'object_totals'], 'overview');
    for (const k of Object.keys(o.message_stats)) assert.ok(k in rabbit.overview.message_stats, `overview message_stats.${k}`);
    assert.deepEqual(Object.keys(o.churn_rates).sort(), Object.keys(rabbit.overview.churn_rates).sort());
    assert.equal(o.churn_rates.queue_created, 2);
    assert.equal(o.churn_rates.connection_created, 1);
  });

  test('a publish through the HTTP API counts as RabbitMQ 3.10.8 counts it: a confirmed, mandatory publish', LIMIT, async () => {
    // Recorded on the reference: one routed and one unroutable POST .../publish gave the queue
    // publish 1, the exchange publish_in 2 / publish_out 1, and the node publish, confirm and
    // return_unroutable one more each per message.
    const vh = 'ms.http';
    const setup = async (method: string, path: string, body?: unknown) => assert.ok((await call(method, path, body)).status < 300, `${method} ${path}`);
    await setup('PUT', `/api/vhosts/${vh}`);
    await setup('PUT', `/api/permissions/${vh}/guest`, { configure: '.*', write: '.*', read: '.*' });
    await setup('PUT', `/api/queues/${vh}/hp.q`, { durable: false });
    await setup('PUT', `/api/exchanges/${vh}/hp.x`, { type: 'direct' });
    await setup('POST', `/api/bindings/${vh}/e/hp.x/q/hp.q`, { routing_key: 'k' });
    for (const [key, routed] of [['k', true], ['nowhere', false]] as const) {
      const r = await call('POST', `/api/exchanges/${vh}/hp.x/publish`, { properties: {}, routing_key: key, payload: 'x', payload_encoding: 'string' });
      assert.deepEqual(r.body, { routed });
    }
    const q = await eventually(() => get(`/api/queues/${vh}/hp.q`), (x) => x.message_stats?.publish === 1, 'queue publish');
    assert.equal(q.message_stats.publish, 1);
    const e = await get(`/api/exchanges/${vh}/hp.x`);
    assert.deepEqual([e.message_stats.publish_in, e.message_stats.publish_out], [2, 1]);
    const s = (await get(`/api/vhosts/${vh}`)).message_stats;
    assert.deepEqual(
      { publish: s.publish, confirm: s.confirm, return_unroutable: s.return_unroutable, drop_unroutable: s.drop_unroutable ?? 0 },
      { publish: 2, confirm: 2, return_unroutable: 1, drop_unroutable: 0 },
    );
    assert.equal((await call('DELETE', `/api/vhosts/${vh}`)).status, 204);
  });

  test('channels count their own traffic; connections show octet rates and packet counts', LIMIT, async () => {
    const channels = await get('/api/channels');
    const pub = channels.find((c: { confirm: boolean }) => c.confirm);
    assert.deepEqual(
      { publish: pub.message_stats.publish, confirm: pub.message_stats.confirm, return_unroutable: pub.message_stats.return_unroutable, drop_unroutable: pub.message_stats.drop_unroutable },
      { publish: 25, confirm: 25, return_unroutable: 2, drop_unroutable: 3 },
    );
    const cons = channels.find((c: { confirm: boolean }) => !c.confirm);
    assert.equal(cons.message_stats.ack, 18);
    assert.equal(cons.message_stats.publish, undefined);
    assertSameShape(pub, rabbit.channels[0], ['message_stats'], 'publishing channel');
    assertSameShape(cons, rabbit.channels[1], ['message_stats'], 'consuming channel');
    const [c] = await get('/api/connections');
    assert.ok(c.recv_cnt > 0 && c.send_cnt > 0);
    assertSameShape(c, rabbit.connections[0], ['recv_oct', 'recv_oct_details', 'send_oct', 'send_oct_details', 'recv_cnt', 'send_cnt'], 'connection');
  });
});

describe('rates and history', () => {
  test('rates become non-zero while messages flow, for the queue, the exchange, the vhost and the overview', LIMIT, async () => {
    let flowing = true;
    const flow = (async () => {
      while (flowing) {
        publisher.publish('ms.ex', 'a.c', Buffer.from('flow'));
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    try {
      await eventually(() => get('/api/queues/%2F/ms.q'), (q) => q.message_stats.publish_details.rate > 0 && q.messages_details.rate !== undefined, 'queue publish rate');
      await eventually(() => get('/api/exchanges/%2F/ms.ex'), (e) => e.message_stats.publish_in_details.rate > 0, 'exchange publish_in rate');
      await eventually(() => get('/api/vhosts/%2F'), (v) => v.message_stats.publish_details.rate > 0 && v.recv_oct_details.rate > 0, 'vhost rates');
      await eventually(() => get('/api/overview'), (o) => o.message_stats.publish_details.rate > 0 && o.queue_totals.messages_details.rate !== 0, 'overview rates');
      await eventually(() => get('/api/connections'), (cs) => cs[0].recv_oct_details.rate > 0, 'connection recv rate');
    } finally {
      flowing = false;
      await flow;
      await publisher.waitForConfirms();
    }
    // Once nothing moves, the rates go back to zero.
    await eventually(() => get('/api/queues/%2F/ms.q'), (q) => q.message_stats.publish_details.rate === 0, 'queue publish rate back to 0');
  });

  test('*_age and *_incr give RabbitMQ samples arrays: newest first, aligned timestamps, avg and avg_rate', LIMIT, async () => {
    // Published before, and sampled since: the newest samples hold the counts.
    await new Promise((r) => setTimeout(r, 1100));
    const q = await get('/api/queues/%2F/ms.q?lengths_age=3&lengths_incr=1&msg_rates_age=3&msg_rates_incr=1');
    const d = q.message_stats.publish_details;
    assert.deepEqual(Object.keys(d).sort(), Object.keys(rabbit.queue_history.message_stats.publish_details).sort());
    assert.equal(d.samples.length, 4);
    for (const s of d.samples) assert.deepEqual(Object.keys(s).sort(), ['sample', 'timestamp']);
    for (let i = 0; i < 4; i++) assert.equal(d.samples[i].timestamp % 1000, 0);
    for (let i = 1; i < 4; i++) assert.equal(d.samples[i - 1].timestamp - d.samples[i].timestamp, 1000);
    assert.ok(Date.now() - d.samples[0].timestamp < 2000);
    for (let i = 1; i < 4; i++) assert.ok(d.samples[i - 1].sample >= d.samples[i].sample, 'a counter never goes down');
    assert.equal(d.samples[0].sample, q.message_stats.publish);
    assert.equal(d.avg, d.samples.reduce((a: number, s: { sample: number }) => a + s.sample, 0) / 4);
    assert.equal(d.avg_rate, (d.samples[0].sample - d.samples[3].sample) / 3);
    assert.equal(q.messages_details.samples.length, 4);
    assert.equal(q.messages_details.samples[0].sample, q.messages);
    assertSameShape(q, rabbit.queue_history, ['message_stats', 'messages_details'], 'queue with history');
    const o = await get('/api/overview?lengths_age=60&lengths_incr=5&msg_rates_age=60&msg_rates_incr=5');
    assert.equal(o.queue_totals.messages_details.samples.length, 13);
    assert.equal(o.message_stats.publish_details.samples.length, 13);
    assert.equal(o.churn_rates.queue_created_details.samples.length, 13);
    assertSameShape(o, rabbit.overview_history, ['message_stats', 'queue_totals', 'churn_rates'], 'overview with history');
    const v = await get('/api/vhosts/%2F?data_rates_age=2&data_rates_incr=1');
    assert.equal(v.recv_oct_details.samples.length, 3);
    assert.equal(v.messages_details.samples, undefined);
    // Without both *_age and *_incr there is no history; a range of more than 1000 samples is ignored.
    assert.equal((await get('/api/queues/%2F/ms.q?msg_rates_age=60')).message_stats.publish_details.samples, undefined);
    assert.equal((await get('/api/queues/%2F/ms.q?msg_rates_age=100000&msg_rates_incr=1')).message_stats.publish_details.samples, undefined);
  });
});
