// Per-object metric families (queues, channels, connections) with RabbitMQ 3.10's names, help
// texts and labels. /metrics sums each metric over the objects, /metrics/per-object and
// /metrics/detailed give one labelled sample per object.
import type { Exchange } from '../../broker/exchange.js';
import type { MessageCounters } from '../../broker/message-stats.js';
import type { Queue } from '../../broker/queue.js';
import type { ChannelView, ConnectionView, ManagementContext } from '../context.js';
import { channelName } from '../controllers/present.js';
import type { MetricType } from './text-format.js';
import { labelSet } from './text-format.js';

/** Which objects a scrape covers: every vhost, or those named by /metrics/detailed?vhost=. */
export interface Scope {
  readonly ctx: ManagementContext;
  readonly vhosts: ReadonlySet<string> | null;
}

export interface ObjectMetric<T> {
  /** The name without the rabbitmq_ prefix (the detailed endpoint uses rabbitmq_detailed_). */
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  value(o: T): number;
}

export interface ObjectFamily<T> {
  /** RabbitMQ's family name, as /metrics/detailed?family= names it. */
  readonly family: string;
  objects(scope: Scope): T[];
  labels(o: T): string;
  readonly metrics: readonly ObjectMetric<T>[];
}

const inScope = (scope: Scope, vhost: string | undefined) => vhost !== undefined && (scope.vhosts === null || scope.vhosts.has(vhost));

function queues(scope: Scope): Queue[] {
  const out: Queue[] = [];
  for (const v of scope.ctx.broker.vhosts.values()) if (inScope(scope, v.name)) for (const q of v.queues.values()) out.push(q);
  return out;
}

interface ChannelRef { readonly c: ConnectionView; readonly ch: ChannelView; readonly channel: string }

/** Open channels of authenticated connections in scope. */
function channels(scope: Scope): ChannelRef[] {
  const out: ChannelRef[] = [];
  for (const c of scope.ctx.connections) {
    if (c.user === null || !inScope(scope, c.vhost?.name)) continue;
    for (const ch of c.channels.values()) out.push({ c, ch, channel: channelName(c, ch) });
  }
  return out;
}

function connections(scope: Scope): ConnectionView[] {
  return [...scope.ctx.connections].filter((c) => c.user !== null && inScope(scope, c.vhost?.name));
}

/** A queue's labels never change: made once, not on every scrape of every queue family. */
const queueLabelCache = new WeakMap<Queue, string>();
function queueLabels(q: Queue): string {
  let s = queueLabelCache.get(q);
  if (s === undefined) queueLabelCache.set(q, (s = labelSet([['vhost', q.vhost], ['queue', q.name]])));
  return s;
}

const gauge = <T>(name: string, help: string, value: (o: T) => number): ObjectMetric<T> => ({ name, type: 'gauge', help, value });
const counter = <T>(name: string, help: string, value: (o: T) => number): ObjectMetric<T> => ({ name, type: 'counter', help, value });

export const queueCoarseMetrics: ObjectFamily<Queue> = {
  family: 'queue_coarse_metrics',
  objects: queues,
  labels: queueLabels,
  metrics: [
    gauge('queue_messages_ready', 'Messages ready to be delivered to consumers', (q) => q.messageCount),
    gauge('queue_messages_unacked', 'Messages delivered to consumers but not yet acknowledged', (q) => q.unackedCount),
    gauge('queue_messages', 'Sum of ready and unacknowledged messages - total queue depth', (q) => q.messageCount + q.unackedCount),
  ],
};

const queueConsumers = gauge<Queue>('queue_consumers', 'Consumers on a queue', (q) => q.consumerCount);

export const queueConsumerCount: ObjectFamily<Queue> = {
  family: 'queue_consumer_count',
  objects: queues,
  labels: queueLabels,
  metrics: [queueConsumers],
};

export const queueMetrics: ObjectFamily<Queue> = {
  family: 'queue_metrics',
  objects: queues,
  labels: queueLabels,
  metrics: [
    queueConsumers,
    gauge('queue_messages_bytes', 'Size in bytes of ready and unacknowledged messages', (q) => q.messages.bytes + q.unackedBytes),
    gauge('queue_messages_ready_bytes', 'Size in bytes of ready messages', (q) => q.messages.bytes),
    gauge('queue_messages_unacked_bytes', 'Size in bytes of all unacknowledged messages', (q) => q.unackedBytes),
  ],
};

const channelLabels = (r: ChannelRef) => labelSet([['channel', r.channel]]);

export const channelMetrics: ObjectFamily<ChannelRef> = {
  family: 'channel_metrics',
  objects: channels,
  labels: channelLabels,
  metrics: [
    gauge('channel_consumers', 'Consumers on a channel', (r) => r.ch.info.consumers.size),
    gauge('channel_messages_unacked', 'Delivered but not yet acknowledged messages', (r) => r.ch.info.unacked),
    gauge('consumer_prefetch', 'Limit of unacknowledged messages for each consumer', (r) => r.ch.info.prefetchCount),
    gauge('channel_prefetch', 'Total limit of unacknowledged messages for all consumers on a channel', (r) => r.ch.info.globalPrefetchCount),
  ],
};

type FlowCounts = { publish: number; confirm: number; returnUnroutable: number; dropUnroutable: number; readonly routed: ReadonlyMap<Queue, { n: number }> };
interface ExchangeFlowRef { readonly r: ChannelRef; readonly exchange: Exchange; readonly flow: FlowCounts }

export const channelExchangeMetrics: ObjectFamily<ExchangeFlowRef> = {
  family: 'channel_exchange_metrics',
  objects: (scope) => channels(scope).flatMap((r) => [...r.ch.stats.exchanges].map(([exchange, flow]) => ({ r, exchange, flow }))),
  labels: (x) => labelSet([['channel', x.r.channel], ['vhost', x.exchange.vhost], ['exchange', x.exchange.name]]),
  metrics: [
    counter('channel_messages_published_total', 'Total number of messages published into an exchange on a channel', (x) => x.flow.publish),
    counter('channel_messages_confirmed_total', 'Total number of messages published into an exchange and confirmed on the channel', (x) => x.flow.confirm),
    counter('channel_messages_unroutable_returned_total', 'Total number of messages published as mandatory into an exchange and returned to the publisher as unroutable', (x) => x.flow.returnUnroutable),
    counter('channel_messages_unroutable_dropped_total', 'Total number of messages published as non-mandatory into an exchange and dropped as unroutable', (x) => x.flow.dropUnroutable),
  ],
};

interface ChannelQueueRef { readonly r: ChannelRef; readonly q: Queue; readonly n: MessageCounters }

export const channelQueueMetrics: ObjectFamily<ChannelQueueRef> = {
  family: 'channel_queue_metrics',
  objects: (scope) => channels(scope).flatMap((r) => [...r.ch.stats.queues].filter(([q]) => !q.deleted).map(([q, n]) => ({ r, q, n }))),
  labels: (x) => labelSet([['channel', x.r.channel], ['vhost', x.q.vhost], ['queue', x.q.name]]),
  metrics: [
    counter('channel_get_ack_total', 'Total number of messages fetched with basic.get in manual acknowledgement mode', (x) => x.n.get),
    counter('channel_get_total', 'Total number of messages fetched with basic.get in automatic acknowledgement mode', (x) => x.n.getNoAck),
    counter('channel_messages_delivered_ack_total', 'Total number of messages delivered to consumers in manual acknowledgement mode', (x) => x.n.deliver),
    counter('channel_messages_delivered_total', 'Total number of messages delivered to consumers in automatic acknowledgement mode', (x) => x.n.deliverNoAck),
    counter('channel_messages_redelivered_total', 'Total number of messages redelivered to consumers', (x) => x.n.redeliver),
    counter('channel_messages_acked_total', 'Total number of messages acknowledged by consumers', (x) => x.n.ack),
    counter('channel_get_empty_total', 'Total number of times basic.get operations fetched no message', (x) => x.n.getEmpty),
  ],
};

interface QueueExchangeRef { readonly r: ChannelRef; readonly exchange: Exchange; readonly q: Queue; readonly n: number }

export const channelQueueExchangeMetrics: ObjectFamily<QueueExchangeRef> = {
  family: 'channel_queue_exchange_metrics',
  objects: (scope) => {
    const out: QueueExchangeRef[] = [];
    for (const r of channels(scope)) {
      for (const [exchange, flow] of r.ch.stats.exchanges) for (const [q, c] of flow.routed) if (!q.deleted) out.push({ r, exchange, q, n: c.n });
    }
    return out;
  },
  labels: (x) => labelSet([['channel', x.r.channel], ['queue_vhost', x.q.vhost], ['queue', x.q.name], ['exchange_vhost', x.exchange.vhost], ['exchange', x.exchange.name]]),
  metrics: [counter('queue_messages_published_total', 'Total number of messages published to queues', (x) => x.n)],
};

// RabbitMQ 3.10 labels connection metrics "channel" (with the connection's process id).
const connectionLabels = (c: ConnectionView) => labelSet([['channel', c.name]]);

export const connectionCoarseMetrics: ObjectFamily<ConnectionView> = {
  family: 'connection_coarse_metrics',
  objects: connections,
  labels: connectionLabels,
  metrics: [
    counter('connection_incoming_bytes_total', 'Total number of bytes received on a connection', (c) => c.socket.bytesRead),
    counter('connection_outgoing_bytes_total', 'Total number of bytes sent on a connection', (c) => c.socket.bytesWritten),
  ],
};

export const connectionMetrics: ObjectFamily<ConnectionView> = {
  family: 'connection_metrics',
  objects: connections,
  labels: connectionLabels,
  metrics: [
    counter('connection_incoming_packets_total', 'Total number of packets received on a connection', (c) => c.recvCnt),
    counter('connection_outgoing_packets_total', 'Total number of packets sent on a connection', (c) => c.sendCnt),
    gauge('connection_channels', 'Channels on a connection', (c) => c.channels.size),
  ],
};

/** In the order RabbitMQ's /metrics and /metrics/per-object list them. */
export const objectFamilies: readonly ObjectFamily<never>[] = [
  queueCoarseMetrics, queueMetrics, channelMetrics, channelExchangeMetrics, channelQueueMetrics,
  connectionCoarseMetrics, connectionMetrics, channelQueueExchangeMetrics,
] as unknown as ObjectFamily<never>[];

/** Families /metrics/detailed accepts (queue_consumer_count is only there). */
export const detailedObjectFamilies: readonly ObjectFamily<never>[] = [
  connectionCoarseMetrics, connectionMetrics, channelMetrics, channelExchangeMetrics, channelQueueMetrics,
  channelQueueExchangeMetrics, queueConsumerCount, queueCoarseMetrics, queueMetrics,
] as unknown as ObjectFamily<never>[];
