// The Prometheus endpoint on the metrics port: /metrics, /metrics/per-object and
// /metrics/detailed, parsed by a strict parser of the text format; counters driven by real
// amqplib traffic; metric names, types, help texts and label names compared with what RabbitMQ
// 3.10.8's rabbitmq_prometheus wrote for the same traffic (scripts/record-stats-fixtures.mjs).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import amqp from 'amqplib';
import { startBroker, type RunningBroker } from '../../src/index.js';
import { ExpositionError, parseExposition, sampleValue, type Family } from '../support/prometheus-text.js';

const LIMIT = { timeout: 30_000 };
const fixture = (name: string) => parseExposition(readFileSync(new URL(`../../../test/fixtures/prometheus/${name}`, import.meta.url), 'utf8'));

let broker: RunningBroker;
let conn: Awaited<ReturnType<typeof amqp.connect>>;

async function scrape(path: string): Promise<{ status: number; type: string | null; families: Map<string, Family> }> {
  const r = await fetch(`http://127.0.0.1:${broker.metricsPort}${path}`);
  const text = await r.text();
  return { status: r.status, type: r.headers.get('content-type'), families: parseExposition(text) };
}

before(async () => {
  broker = await startBroker({ port: 0, host: '127.0.0.1', metricsPort: 0, httpPort: 0, logLevel: 'error' });
  conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}`);
  // The same traffic the RabbitMQ fixture was recorded with (a topic exchange into a classic
  // queue with a dead-letter queue and a quorum queue).
  const ch = await conn.createConfirmChannel();
  ch.on('return', () => {});
  await ch.assertExchange('fxs.ex', 'topic');
  await ch.assertQueue('fxs.dlq');
  await ch.assertQueue('fxs.q', { deadLetterExchange: '', deadLetterRoutingKey: 'fxs.dlq' });
  await ch.assertQueue('fxs.qq', { arguments: { 'x-queue-type': 'quorum' } });
  await ch.bindQueue('fxs.q', 'fxs.ex', 'a.#');
  await ch.bindQueue('fxs.qq', 'fxs.ex', 'a.#');
  for (let i = 0; i < 10; i++) ch.publish('fxs.ex', 'a.b', Buffer.from(`m${i}`));
  for (let i = 0; i < 2; i++) ch.publish('fxs.ex', 'nowhere', Buffer.from('returned'), { mandatory: true });
  for (let i = 0; i < 3; i++) ch.publish('fxs.ex', 'nowhere', Buffer.from('dropped'));
  await ch.waitForConfirms();
  const consumer = await conn.createChannel();
  await consumer.prefetch(4);
  const got = await consumer.get('fxs.q', { noAck: false });
  assert.ok(got);
  consumer.ack(got);
  assert.ok(await consumer.get('fxs.q', { noAck: true }));
  assert.equal(await consumer.get('fxs.dlq', { noAck: true }), false);
  let n = 0;
  const settled = new Promise<void>((resolve) => {
    void consumer.consume('fxs.q', (m) => {
      if (!m) return;
      n++;
      if (n === 1) consumer.reject(m, false); // dead-lettered to fxs.dlq
      else if (n === 2) consumer.nack(m, false, true); // requeued: redelivered next
      else if (n < 6) consumer.ack(m);
      if (n === 9) resolve(); // 8 left, one of them twice; the rest stay unacknowledged (prefetch 4)
    }, { consumerTag: 'stats-consumer' });
  });
  const qq = new Promise<void>((resolve) => {
    let k = 0;
    void consumer.consume('fxs.qq', () => {
      if (++k === 10) resolve();
    }, { noAck: true });
  });
  await Promise.all([settled, qq]);
}, LIMIT);

after(async () => {
  await conn.close().catch(() => {});
  await broker.close();
});

describe('the strict text-format parser used here', () => {
  test('parses what RabbitMQ 3.10.8 wrote, and refuses malformed exposition text', () => {
    assert.ok(fixture('metrics.txt').get('rabbitmq_queue_messages_ready'));
    const bad = [
      'no_newline 1',
      'm{a="x} 1\n',
      'm{a="\\x"} 1\n',
      'm{1a="x"} 1\n',
      'm 1 2 3\n',
      'm one\n',
      '# TYPE m counter\nm -1\n',
      '# TYPE m counter\n# TYPE m counter\nm 1\n',
      'm 1\n# TYPE m gauge\n',
      'm 1\nn 1\nm{a="b"} 2\n',
      'm{a="b"} 1\nm{a="b"} 2\n',
      '# TYPE m fancy\nm 1\n',
      '9m 1\n',
    ];
    for (const text of bad) assert.throws(() => parseExposition(text), ExpositionError, JSON.stringify(text));
  });
});

describe('/metrics (aggregated)', () => {
  test('the rabbitmq_global_* counters count the traffic, with RabbitMQ labels', LIMIT, async () => {
    const { status, type, families: f } = await scrape('/metrics');
    assert.equal(status, 200);
    assert.equal(type, 'text/plain; version=0.0.4');
    const amqp091 = { protocol: 'amqp091' };
    const classic = { protocol: 'amqp091', queue_type: 'rabbit_classic_queue' };
    const quorum = { protocol: 'amqp091', queue_type: 'rabbit_quorum_queue' };
    assert.equal(sampleValue(f, 'rabbitmq_global_messages_received_total', amqp091), 15);
    assert.equal(sampleValue(f, 'rabbitmq_global_messages_received_confirm_total', amqp091), 15);
    assert.equal(sampleValue(f, 'rabbitmq_global_messages_routed_total', amqp091), 10);
    assert.equal(sampleValue(f, 'rabbitmq_global_messages_unroutable_returned_total', amqp091), 2);
    assert.equal(sampleValue(f, 'rabbitmq_global_messages_unroutable_dropped_total', amqp091), 3);
    assert.equal(sampleValue(f, 'rabbitmq_global_messages_confirmed_total', amqp091), 15);
    assert.equal(sampleValue(f, 'rabbitmq_global_messages_delivered_get_manual_ack_total', classic), 1);
    assert.equal(sampleValue(f, 'rabbitmq_global_messages_delivered_get_auto_ack_total', classic), 1);
    assert.equal(sampleValue(f, 'rabbitmq_global_messages_get_empty_total', classic), 1);
    assert.equal(sampleValue(f, 'rabbitmq_global_messages_delivered_consume_manual_ack_total', classic), 9);
    assert.equal(sampleValue(f, 'rabbitmq_global_messages_delivered_consume_auto_ack_total', quorum), 10);
    assert.equal(sampleValue(f, 'rabbitmq_global_messages_delivered_total', classic), 11);
    assert.equal(sampleValue(f, 'rabbitmq_global_messages_delivered_total', quorum), 10);
    assert.equal(sampleValue(f, 'rabbitmq_global_messages_redelivered_total', classic), 1);
    assert.equal(sampleValue(f, 'rabbitmq_global_messages_acknowledged_total', classic), 4);
    assert.equal(sampleValue(f, 'rabbitmq_global_messages_dead_lettered_rejected_total',
      { queue_type: 'rabbit_classic_queue', dead_letter_strategy: 'at_most_once' }), 1);
    assert.equal(sampleValue(f, 'rabbitmq_global_consumers', amqp091), 2);
    assert.equal(sampleValue(f, 'rabbitmq_global_publishers', amqp091), 1);
  });

  test('queue, channel and connection figures are summed over the objects, without labels', LIMIT, async () => {
    const { families: f } = await scrape('/metrics');
    // fxs.q: 10 routed - 2 got - 1 dead-lettered - 3 acked = 4 unacked; fxs.dlq: 1; fxs.qq: 0.
    assert.equal(sampleValue(f, 'rabbitmq_queue_messages_ready'), 1);
    assert.equal(sampleValue(f, 'rabbitmq_queue_messages_unacked'), 4);
    assert.equal(sampleValue(f, 'rabbitmq_queue_messages'), 5);
    assert.equal(sampleValue(f, 'rabbitmq_queue_messages_unacked_bytes'), 8); // "m6".."m9"
    assert.equal(sampleValue(f, 'rabbitmq_queue_messages_bytes'), 10);
    assert.equal(sampleValue(f, 'rabbitmq_queue_consumers'), 2);
    assert.equal(sampleValue(f, 'rabbitmq_queues'), 3);
    assert.equal(sampleValue(f, 'rabbitmq_connections'), 1);
    assert.equal(sampleValue(f, 'rabbitmq_channels'), 2);
    assert.equal(sampleValue(f, 'rabbitmq_consumers'), 2);
    assert.equal(sampleValue(f, 'rabbitmq_channel_messages_published_total'), 15);
    assert.equal(sampleValue(f, 'rabbitmq_channel_messages_acked_total'), 4);
    assert.equal(sampleValue(f, 'rabbitmq_queue_messages_published_total'), 20);
    assert.ok(sampleValue(f, 'rabbitmq_connection_incoming_bytes_total') > 0);
    assert.ok(sampleValue(f, 'rabbitmq_connection_outgoing_packets_total') > 0);
    assert.equal(sampleValue(f, 'rabbitmq_connections_opened_total'), 1);
    assert.equal(sampleValue(f, 'rabbitmq_channels_opened_total'), 2);
    assert.equal(sampleValue(f, 'rabbitmq_queues_created_total'), 3);
    for (const f1 of f.values()) if (f1.name.startsWith('rabbitmq_queue_') || f1.name.startsWith('rabbitmq_channel_')) assert.equal(f1.samples.length, 1, f1.name);
  });

  test('node figures: memory, limits, alarms, build and identity', LIMIT, async () => {
    const { families: f } = await scrape('/metrics');
    assert.ok(sampleValue(f, 'rabbitmq_process_resident_memory_bytes') > 1_000_000);
    assert.ok(sampleValue(f, 'rabbitmq_resident_memory_limit_bytes') > sampleValue(f, 'rabbitmq_process_resident_memory_bytes'));
    assert.ok(sampleValue(f, 'rabbitmq_process_open_fds') > 0);
    assert.ok(sampleValue(f, 'rabbitmq_process_max_fds') >= sampleValue(f, 'rabbitmq_process_open_fds'));
    assert.equal(sampleValue(f, 'rabbitmq_disk_space_available_limit_bytes'), 50_000_000);
    assert.equal(sampleValue(f, 'rabbitmq_alarms_memory_used_watermark'), 0);
    assert.equal(sampleValue(f, 'rabbitmq_alarms_free_disk_space_watermark'), 0);
    assert.equal(sampleValue(f, 'rabbitmq_build_info', { rabbitmq_version: '3.10.8' }), 1);
    assert.match(f.get('rabbitmq_identity_info')!.samples[0].labels.rabbitmq_node, /^warren@/);
  });

  test('identity: rabbitmq_cluster follows the cluster name (set_cluster_name), the permanent id does not', LIMIT, async () => {
    const identity = async () => (await scrape('/metrics')).families.get('rabbitmq_identity_info')!.samples[0].labels;
    const before = await identity();
    assert.equal(before.rabbitmq_cluster, before.rabbitmq_node, 'by default the cluster is named after the node, as RabbitMQ');
    const auth = { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}`, 'content-type': 'application/json' };
    const put = (name: string) => fetch(`http://127.0.0.1:${broker.httpPort}/api/cluster-name`, { method: 'PUT', headers: auth, body: JSON.stringify({ name }) });
    assert.equal((await put('metrics-renamed')).status, 204);
    try {
      const after = await identity();
      assert.equal(after.rabbitmq_cluster, 'metrics-renamed');
      assert.equal(after.rabbitmq_cluster_permanent_id, before.rabbitmq_cluster_permanent_id);
    } finally {
      await put(before.rabbitmq_cluster);
    }
  });

  test('names, types, help texts and label names are RabbitMQ 3.10.8 ones', LIMIT, async () => {
    compareWithRabbit((await scrape('/metrics')).families, fixture('metrics.txt'), [
      'rabbitmq_queue_messages_ready', 'rabbitmq_queue_messages_unacked', 'rabbitmq_queue_messages', 'rabbitmq_queue_messages_bytes',
      'rabbitmq_queue_consumers', 'rabbitmq_connections', 'rabbitmq_channels', 'rabbitmq_consumers', 'rabbitmq_queues',
      'rabbitmq_global_messages_received_total', 'rabbitmq_global_messages_routed_total', 'rabbitmq_global_messages_delivered_total',
      'rabbitmq_global_messages_acknowledged_total', 'rabbitmq_global_messages_confirmed_total', 'rabbitmq_global_messages_redelivered_total',
      'rabbitmq_global_messages_dead_lettered_rejected_total', 'rabbitmq_global_messages_unroutable_dropped_total',
      'rabbitmq_global_messages_unroutable_returned_total', 'rabbitmq_process_resident_memory_bytes', 'rabbitmq_process_open_fds',
      'rabbitmq_resident_memory_limit_bytes', 'rabbitmq_disk_space_available_limit_bytes', 'rabbitmq_alarms_memory_used_watermark',
      'rabbitmq_alarms_free_disk_space_watermark', 'rabbitmq_alarms_file_descriptor_limit', 'rabbitmq_build_info', 'rabbitmq_identity_info',
    ]);
  });
});

describe('/metrics/per-object', () => {
  test('one sample per queue, channel and connection, labelled as RabbitMQ labels them', LIMIT, async () => {
    const { families: f } = await scrape('/metrics/per-object');
    assert.equal(sampleValue(f, 'rabbitmq_queue_messages_unacked', { vhost: '/', queue: 'fxs.q' }), 4);
    assert.equal(sampleValue(f, 'rabbitmq_queue_messages_ready', { vhost: '/', queue: 'fxs.dlq' }), 1);
    assert.equal(sampleValue(f, 'rabbitmq_queue_consumers', { queue: 'fxs.qq' }), 1);
    assert.equal(sampleValue(f, 'rabbitmq_channel_messages_published_total', { vhost: '/', exchange: 'fxs.ex' }), 15);
    assert.equal(sampleValue(f, 'rabbitmq_channel_messages_unroutable_returned_total', { exchange: 'fxs.ex' }), 2);
    assert.equal(sampleValue(f, 'rabbitmq_channel_messages_delivered_ack_total', { queue: 'fxs.q' }), 9);
    assert.equal(sampleValue(f, 'rabbitmq_channel_messages_delivered_total', { queue: 'fxs.qq' }), 10);
    assert.equal(sampleValue(f, 'rabbitmq_channel_get_empty_total', { queue: 'fxs.dlq' }), 1);
    assert.equal(sampleValue(f, 'rabbitmq_queue_messages_published_total', { queue: 'fxs.qq', exchange: 'fxs.ex' }), 10);
    assert.equal(f.get('rabbitmq_connection_incoming_bytes_total')!.samples.length, 1);
    compareWithRabbit(f, fixture('metrics-per-object.txt'), [
      'rabbitmq_queue_messages_ready', 'rabbitmq_queue_consumers', 'rabbitmq_channel_messages_published_total',
      'rabbitmq_channel_messages_acked_total', 'rabbitmq_connection_incoming_bytes_total', 'rabbitmq_queue_messages_published_total',
    ]);
  });
});

describe('/metrics/detailed', () => {
  test('only the families asked for, for the vhosts asked for, named rabbitmq_detailed_*', LIMIT, async () => {
    // A second vhost whose queue must not appear when only '/' is asked for.
    const other = await otherVhostQueue();
    const { families: f } = await scrape('/metrics/detailed?family=queue_coarse_metrics&family=queue_consumer_count&vhost=%2F');
    assert.deepEqual([...f.keys()].sort(), [
      'rabbitmq_build_info', 'rabbitmq_detailed_queue_consumers', 'rabbitmq_detailed_queue_messages',
      'rabbitmq_detailed_queue_messages_ready', 'rabbitmq_detailed_queue_messages_unacked', 'rabbitmq_identity_info',
    ]);
    assert.deepEqual(f.get('rabbitmq_detailed_queue_messages_ready')!.samples.map((s) => s.labels.queue).sort(), ['fxs.dlq', 'fxs.q', 'fxs.qq']);
    assert.equal(sampleValue(f, 'rabbitmq_detailed_queue_messages', { queue: 'fxs.q' }), 4);
    const all = await scrape('/metrics/detailed?family=queue_coarse_metrics');
    assert.equal(sampleValue(all.families, 'rabbitmq_detailed_queue_messages_ready', { vhost: other, queue: 'other.q' }), 0);
    const none = await scrape('/metrics/detailed');
    assert.deepEqual([...none.families.keys()].sort(), ['rabbitmq_build_info', 'rabbitmq_identity_info']);
  });

  test('every family RabbitMQ offers that Warren has, with RabbitMQ names and labels', LIMIT, async () => {
    const families = [
      'connection_coarse_metrics', 'connection_metrics', 'channel_metrics', 'channel_exchange_metrics', 'channel_queue_metrics',
      'channel_queue_exchange_metrics', 'queue_consumer_count', 'queue_coarse_metrics', 'queue_metrics', 'node_coarse_metrics',
      'node_metrics', 'connection_churn_metrics', 'vhost_status', 'exchange_names', 'exchange_bindings',
    ];
    const { families: f } = await scrape(`/metrics/detailed?vhost=%2F&${families.map((x) => `family=${x}`).join('&')}`);
    assert.equal(sampleValue(f, 'rabbitmq_cluster_exchange_bindings', { vhost: '/', exchange: 'fxs.ex', type: 'topic' }), 2);
    assert.equal(sampleValue(f, 'rabbitmq_cluster_vhost_status', { vhost: '/' }), 1);
    assert.equal(sampleValue(f, 'rabbitmq_detailed_channel_messages_confirmed_total', { exchange: 'fxs.ex' }), 15);
    assert.equal(sampleValue(f, 'rabbitmq_detailed_connections_opened_total'), 1);
    compareWithRabbit(f, fixture('metrics-detailed.txt'), [
      'rabbitmq_detailed_queue_messages_ready', 'rabbitmq_detailed_queue_consumers', 'rabbitmq_detailed_channel_messages_published_total',
      'rabbitmq_detailed_connection_incoming_bytes_total', 'rabbitmq_detailed_process_resident_memory_bytes',
      'rabbitmq_cluster_exchange_name', 'rabbitmq_cluster_vhost_status',
    ]);
  });
});

/** A queue 'other.q' in a second vhost, made through the management API. */
async function otherVhostQueue(): Promise<string> {
  const vhost = 'metrics-other';
  const headers = { authorization: 'Basic ' + Buffer.from('guest:guest').toString('base64'), 'content-type': 'application/json' };
  const put = async (path: string) => assert.equal((await fetch(`http://127.0.0.1:${broker.httpPort}${path}`, { method: 'PUT', headers, body: '{}' })).status, 201);
  await put(`/api/vhosts/${vhost}`);
  await put(`/api/queues/${vhost}/other.q`);
  return vhost;
}

/**
 * Warren's families are RabbitMQ's: each rabbitmq_* family (Warren adds only Node.js process
 * figures) exists in RabbitMQ's output with the same TYPE and HELP, and Warren's samples carry the
 * label names RabbitMQ's samples of it carry. `required` must all be there.
 */
function compareWithRabbit(warren: Map<string, Family>, rabbit: Map<string, Family>, required: string[]): void {
  for (const name of required) assert.ok(warren.has(name), `Warren lacks ${name}`);
  for (const f of warren.values()) {
    if (f.name.startsWith('nodejs_')) continue;
    const r = rabbit.get(f.name);
    assert.ok(r, `${f.name} is not a RabbitMQ 3.10.8 metric`);
    assert.equal(f.type, r.type, `${f.name}: type`);
    assert.equal(f.help, r.help, `${f.name}: help`);
    if (r.samples.length === 0) continue;
    const rabbitLabels = new Set(r.samples.map((s) => Object.keys(s.labels).join(',')));
    for (const s of f.samples) assert.ok(rabbitLabels.has(Object.keys(s.labels).join(',')), `${f.name}: labels ${Object.keys(s.labels)} not in ${[...rabbitLabels]}`);
  }
}
