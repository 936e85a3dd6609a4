// Records what RabbitMQ 3.10.8 reports about message traffic: the management API's message_stats,
// *_details and samples (test/fixtures/http/rabbitmq-3.10.8-stats.json) and the Prometheus plugin's
// text output (test/fixtures/prometheus/*.txt), so the tests can check Warren uses the same field
// names, metric names, HELP/TYPE lines and labels.
//
// Needs a RabbitMQ started with scripts/start-rabbitmq.sh 5673 and the rabbitmq_prometheus plugin
// enabled. To keep the plugin off Warren's default port 15692, load it with another port first:
//   rabbitmqctl -n ref5673@localhost eval 'application:load(rabbitmq_prometheus),
//     application:set_env(rabbitmq_prometheus, tcp_config, [{port, 21092}]).'
//   RABBITMQ_ENABLED_PLUGINS_FILE=/tmp/rabbitmq-ref-5673/enabled_plugins \
//     rabbitmq-plugins -n ref5673@localhost enable rabbitmq_prometheus
// Usage: RABBITMQ_PROMETHEUS=http://127.0.0.1:21092 node scripts/record-stats-fixtures.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import amqp from 'amqplib';

const base = process.env.RABBITMQ_HTTP ?? 'http://127.0.0.1:15673';
const prometheus = process.env.RABBITMQ_PROMETHEUS ?? 'http://127.0.0.1:15692';
const amqpUrl = process.env.RABBITMQ_AMQP ?? 'amqp://guest:guest@127.0.0.1:5673';
const auth = 'Basic ' + Buffer.from('guest:guest').toString('base64');
const vh = 'warren-stats-fixture';
const v = encodeURIComponent(vh);
const api = async (method, path, body) => {
  const r = await fetch(base + path, { method, headers: { authorization: auth, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

await api('DELETE', `/api/vhosts/${v}`);
await api('PUT', `/api/vhosts/${v}`, {});
await api('PUT', `/api/permissions/${v}/guest`, { configure: '.*', write: '.*', read: '.*' });
await api('PUT', `/api/exchanges/${v}/fxs.ex`, { type: 'topic', durable: true });
await api('PUT', `/api/queues/${v}/fxs.dlq`, { durable: true });
await api('PUT', `/api/queues/${v}/fxs.q`, { durable: true, arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'fxs.dlq' } });
await api('PUT', `/api/queues/${v}/fxs.qq`, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
await api('POST', `/api/bindings/${v}/e/fxs.ex/q/fxs.q`, { routing_key: 'a.#' });
await api('POST', `/api/bindings/${v}/e/fxs.ex/q/fxs.qq`, { routing_key: 'a.#' });

// Traffic of every kind the counters distinguish.
const conn = await amqp.connect(`${amqpUrl}/${v}`, { clientProperties: { connection_name: 'stats-fixture' } });
const pub = await conn.createConfirmChannel();
pub.on('return', () => {});
for (let i = 0; i < 10; i++) pub.publish('fxs.ex', 'a.b', Buffer.from(`m${i}`));
for (let i = 0; i < 2; i++) pub.publish('fxs.ex', 'nowhere', Buffer.from('returned'), { mandatory: true });
for (let i = 0; i < 3; i++) pub.publish('fxs.ex', 'nowhere', Buffer.from('dropped'));
await pub.waitForConfirms();
const ch = await conn.createChannel();
await ch.prefetch(4);
const got = await ch.get('fxs.q', { noAck: false });
ch.ack(got);
await ch.get('fxs.q', { noAck: true });
await ch.get('fxs.dlq', { noAck: true }); // empty
let n = 0;
await ch.consume('fxs.q', (m) => {
  n++;
  if (n === 1) ch.reject(m, false); // dead-lettered to fxs.dlq
  else if (n === 2) ch.nack(m, false, true); // redelivered
  else if (n < 6) ch.ack(m);
}, { consumerTag: 'stats-fixture-consumer' });
await ch.consume('fxs.qq', () => {}, { noAck: true });
// Samples are taken every 5 s (collect_statistics_interval); wait for a few so rates appear.
await sleep(12000);
for (let i = 0; i < 10; i++) pub.publish('fxs.ex', 'a.c', Buffer.from(`late${i}`));
await pub.waitForConfirms();
await sleep(6000);

const out = {};
const history = 'lengths_age=60&lengths_incr=5&msg_rates_age=60&msg_rates_incr=5&data_rates_age=60&data_rates_incr=5';
for (const [name, path] of [
  ['overview', '/api/overview'], ['queue', `/api/queues/${v}/fxs.q`], ['queues', `/api/queues/${v}`],
  ['exchange', `/api/exchanges/${v}/fxs.ex`], ['exchanges', `/api/exchanges/${v}`], ['vhost', `/api/vhosts/${v}`],
  ['connections', `/api/vhosts/${v}/connections`], ['channels', `/api/vhosts/${v}/channels`],
]) {
  out[name] = (await api('GET', path)).body;
  out[`${name}_history`] = (await api('GET', `${path}?${history}`)).body;
}
out.connection = (await api('GET', `/api/connections/${encodeURIComponent(out.connections[0].name)}`)).body;
out.channel = (await api('GET', `/api/channels/${encodeURIComponent(out.channels.find((c) => c.consumer_count > 0).name)}`)).body;
out.exchange_default = (await api('GET', `/api/exchanges/${v}/amq.default`)).body;

// Prometheus: other users' objects share the reference node, so keep our vhost's samples only
// (channel and connection samples carry no vhost label: a few of each are enough for the names).
const scrape = async (path) => (await fetch(prometheus + path)).text();
const ours = (text) => {
  const seen = new Map();
  return text.split('\n').filter((line) => {
    if (line.startsWith('#') || line === '') return true;
    const vhost = /[{,]vhost="([^"]*)"/.exec(line)?.[1] ?? /queue_vhost="([^"]*)"/.exec(line)?.[1];
    if (vhost !== undefined) return vhost === vh;
    if (!line.includes('channel="')) return true;
    const name = line.slice(0, line.search(/[ {]/));
    seen.set(name, (seen.get(name) ?? 0) + 1);
    return seen.get(name) <= 3;
  }).join('\n');
};
const dir = new URL('../test/fixtures/prometheus/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL('metrics.txt', dir), await scrape('/metrics'));
writeFileSync(new URL('metrics-per-object.txt', dir), ours(await scrape('/metrics/per-object')));
const families = [
  'connection_coarse_metrics', 'connection_metrics', 'channel_metrics', 'channel_exchange_metrics', 'channel_process_metrics',
  'channel_queue_metrics', 'channel_queue_exchange_metrics', 'queue_consumer_count', 'queue_coarse_metrics', 'queue_metrics',
  'node_persister_metrics', 'node_coarse_metrics', 'node_metrics', 'ra_metrics', 'connection_churn_metrics',
  'auth_attempt_metrics', 'auth_attempt_detailed_metrics', 'vhost_status', 'exchange_names', 'exchange_bindings',
];
writeFileSync(new URL('metrics-detailed.txt', dir), ours(await scrape(`/metrics/detailed?vhost=${v}&${families.map((f) => `family=${f}`).join('&')}`)));

await conn.close();
await api('DELETE', `/api/vhosts/${v}`);
writeFileSync(new URL('../test/fixtures/http/rabbitmq-3.10.8-stats.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
console.log('recorded', Object.keys(out).length, 'responses and 3 scrapes');
process.exit(0);
