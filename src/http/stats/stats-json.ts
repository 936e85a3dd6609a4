// The rate fields of the management API's objects, named and shaped as RabbitMQ 3.10 returns
// them: message_stats {publish, publish_details: {rate}, ...}, messages_details, recv_oct_details,
// queue_totals, churn_rates; with lengths_age/lengths_incr, msg_rates_age/msg_rates_incr or
// data_rates_age/data_rates_incr, each *_details also has avg, avg_rate and samples.
import type { Exchange } from '../../broker/exchange.js';
import { MessageCounters } from '../../broker/message-stats.js';
import type { GlobalCounters } from '../../broker/message-stats.js';
import type { Queue } from '../../broker/queue.js';
import type { VHost } from '../../broker/vhost.js';
import type { ChannelView, ConnectionView } from '../context.js';
import { churnLayout, COUNTERS, LENGTHS, type CounterName, type Range, type Ring, type StatsSampler } from './sampler.js';

/** What one request asked to see: the sampler and the history ranges of its query. */
export interface StatsView {
  readonly sampler: StatsSampler;
  readonly lengths: Range | null;
  readonly msgRates: Range | null;
  readonly dataRates: Range | null;
}

/** Samples a chart may ask for at most (age/incr), so a query cannot make huge answers. */
const MAX_SAMPLES = 1000;

function range(query: URLSearchParams, what: string): Range | null {
  const age = Number(query.get(`${what}_age`));
  const incr = Number(query.get(`${what}_incr`));
  if (!(age > 0) || !(incr > 0) || age / incr > MAX_SAMPLES) return null;
  return { ageMs: age * 1000, incrMs: incr * 1000 };
}

export function statsView(sampler: StatsSampler, query: URLSearchParams): StatsView {
  return { sampler, lengths: range(query, 'lengths'), msgRates: range(query, 'msg_rates'), dataRates: range(query, 'data_rates') };
}

type Details = { rate: number } | { rate: number; avg: number; avg_rate: number; samples: { sample: number; timestamp: number }[] };

function details(view: StatsView, rings: readonly (Ring | undefined)[], fields: readonly number[], r: Range | null): Details {
  const present = rings.filter((x): x is Ring => x !== undefined);
  const rate = view.sampler.rate(present, fields);
  if (r === null) return { rate };
  return { rate, ...view.sampler.history(present, fields, r) };
}

/** message_stats keys and the counters each adds up. */
const keys: Record<string, readonly CounterName[]> = {
  publish: ['publish'],
  confirm: ['confirm'],
  return_unroutable: ['returnUnroutable'],
  drop_unroutable: ['dropUnroutable'],
  ack: ['ack'],
  deliver: ['deliver'],
  deliver_get: ['deliver', 'deliverNoAck', 'get', 'getNoAck'],
  deliver_no_ack: ['deliverNoAck'],
  get: ['get'],
  get_empty: ['getEmpty'],
  get_no_ack: ['getNoAck'],
  redeliver: ['redeliver'],
};
const publishing = ['publish', 'confirm', 'return_unroutable', 'drop_unroutable'];
const consuming = ['ack', 'deliver', 'deliver_get', 'deliver_no_ack', 'get', 'get_empty', 'get_no_ack', 'redeliver'];

/**
 * message_stats of counters laid out at `offset` in the rings. RabbitMQ lists a group of figures
 * (publishing, consuming) once the object has seen such traffic; `always` lists every key.
 */
function messageStats(view: StatsView, counters: MessageCounters, rings: readonly (Ring | undefined)[], offset: number, groups: string[][], always = false): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const group of groups) {
    if (!always && group.every((k) => keys[k].every((c) => counters[c] === 0))) continue;
    for (const k of group) {
      let value = 0;
      for (const c of keys[k]) value += counters[c];
      out[k] = value;
      out[`${k}_details`] = details(view, rings, keys[k].map((c) => offset + COUNTERS.indexOf(c)), view.msgRates);
    }
  }
  return Object.keys(out).length > 0 || always ? out : undefined;
}

/** messages, messages_ready, messages_unacknowledged rates (lengths at 0, 1, 2 of the rings). */
function lengthDetails(view: StatsView, rings: readonly (Ring | undefined)[]) {
  return {
    messages_details: details(view, rings, [LENGTHS.indexOf('messages')], view.lengths),
    messages_ready_details: details(view, rings, [LENGTHS.indexOf('ready')], view.lengths),
    messages_unacknowledged_details: details(view, rings, [LENGTHS.indexOf('unacked')], view.lengths),
  };
}

export function queueStats(view: StatsView, q: Queue) {
  const ring = [view.sampler.queueRing(q)];
  const stats = messageStats(view, view.sampler.since(q, q.stats), ring, LENGTHS.length, [['publish'], consuming]);
  return { ...(stats ? { message_stats: stats } : {}), ...lengthDetails(view, ring) };
}

export function exchangeStats(view: StatsView, e: Exchange) {
  const s = view.sampler.since(e, e.stats);
  if (s.publishIn === 0 && s.publishOut === 0) return {};
  const ring = [view.sampler.exchangeRing(e)];
  return {
    message_stats: {
      publish_in: s.publishIn,
      publish_in_details: details(view, ring, [0], view.msgRates),
      publish_out: s.publishOut,
      publish_out_details: details(view, ring, [1], view.msgRates),
    },
  };
}

const vhostCounters = LENGTHS.length;
const vhostOctets = LENGTHS.length + COUNTERS.length;

export function vhostStats(view: StatsView, v: VHost) {
  const ring = [view.sampler.vhostRing(v)];
  const stats = messageStats(view, view.sampler.since(v, v.stats), ring, vhostCounters, [publishing, consuming]);
  const traffic = view.sampler.vhostTraffic(v);
  return {
    ...(stats ? { message_stats: stats } : {}),
    ...lengthDetails(view, ring),
    recv_oct: traffic.recvOct,
    recv_oct_details: details(view, ring, [vhostOctets], view.dataRates),
    send_oct: traffic.sendOct,
    send_oct_details: details(view, ring, [vhostOctets + 1], view.dataRates),
  };
}

/** /api/overview: message_stats and queue_totals over the vhosts the caller sees; churn_rates. */
export function overviewStats(view: StatsView, vhosts: readonly VHost[], counters: GlobalCounters) {
  const sum = new MessageCounters();
  let ready = 0;
  let unacked = 0;
  for (const v of vhosts) {
    sum.add(view.sampler.since(v, v.stats));
    for (const q of v.queues.values()) {
      ready += q.messageCount;
      unacked += q.unackedCount;
    }
  }
  const rings = vhosts.map((v) => view.sampler.vhostRing(v));
  const churnRing = [view.sampler.churn];
  const churn = (key: string, field: (typeof churnLayout)[number], value: number) =>
    ({ [key]: value, [`${key}_details`]: details(view, churnRing, [churnLayout.indexOf(field)], view.lengths) });
  return {
    message_stats: messageStats(view, sum, rings, vhostCounters, [publishing, consuming], true)!,
    churn_rates: {
      ...churn('channel_closed', 'channelsClosed', counters.channelsClosed),
      ...churn('channel_created', 'channelsOpened', counters.channelsOpened),
      ...churn('connection_closed', 'connectionsClosed', counters.connectionsClosed),
      ...churn('connection_created', 'connectionsOpened', counters.connectionsOpened),
      ...churn('queue_created', 'queuesCreated', counters.queuesCreated),
      ...churn('queue_declared', 'queuesDeclared', counters.queuesDeclared),
      ...churn('queue_deleted', 'queuesDeleted', counters.queuesDeleted),
    },
    queue_totals: {
      messages: ready + unacked,
      messages_ready: ready,
      messages_unacknowledged: unacked,
      ...lengthDetails(view, rings),
    },
  };
}

export function channelStats(view: StatsView, ch: ChannelView) {
  const stats = messageStats(view, view.sampler.since(ch, ch.stats.totals()), [view.sampler.channelRing(ch)], 0, [publishing, consuming]);
  return stats ? { message_stats: stats } : {};
}

export function connectionStats(view: StatsView, c: ConnectionView) {
  const ring = [view.sampler.connectionRing(c)];
  return {
    recv_cnt: c.recvCnt,
    recv_oct_details: details(view, ring, [0], view.dataRates),
    send_cnt: c.sendCnt,
    send_oct_details: details(view, ring, [1], view.dataRates),
  };
}
