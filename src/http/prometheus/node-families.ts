// Node-level metric families: churn, resources, alarms, totals, identity and the
// rabbitmq_global_* counters, with RabbitMQ 3.10's names, help texts and labels.
import { createHash } from 'node:crypto';
import { deadLetterStrategies, deathReasons, queueTypeLabels } from '../../broker/message-stats.js';
import type { GlobalCounters } from '../../broker/message-stats.js';
import type { ManagementContext } from '../context.js';
import { nodeName } from '../context.js';
import { fdLimit, fdUsed } from '../node-resources.js';
import type { MetricType } from './text-format.js';
import { labelSet } from './text-format.js';
import { clusterName } from '../controllers/cluster.js';

export type Sample = readonly [labels: string, value: number];

export interface NodeMetric {
  /** The full name (rabbitmq_... is renamed rabbitmq_detailed_... on the detailed endpoint). */
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** `vhosts`: the vhosts asked for on the detailed endpoint (null: all). */
  samples(ctx: ManagementContext, vhosts: ReadonlySet<string> | null): Sample[];
}

export interface NodeFamily {
  /** RabbitMQ's family name for /metrics/detailed?family=; null: not offered there. */
  readonly family: string | null;
  readonly metrics: readonly NodeMetric[];
}

const one = (value: number | null): Sample[] => (value === null ? [] : [['', value]]);
const metric = (name: string, type: MetricType, help: string, value: (ctx: ManagementContext) => number | null): NodeMetric =>
  ({ name, type, help, samples: (ctx) => one(value(ctx)) });
const counters = (ctx: ManagementContext): GlobalCounters => ctx.broker.counters;

export const connectionChurnMetrics: NodeFamily = {
  family: 'connection_churn_metrics',
  metrics: [
    metric('rabbitmq_connections_opened_total', 'counter', 'Total number of connections opened', (c) => counters(c).connectionsOpened),
    metric('rabbitmq_connections_closed_total', 'counter', 'Total number of connections closed or terminated', (c) => counters(c).connectionsClosed),
    metric('rabbitmq_channels_opened_total', 'counter', 'Total number of channels opened', (c) => counters(c).channelsOpened),
    metric('rabbitmq_channels_closed_total', 'counter', 'Total number of channels closed', (c) => counters(c).channelsClosed),
    metric('rabbitmq_queues_declared_total', 'counter', 'Total number of queues declared', (c) => counters(c).queuesDeclared),
    metric('rabbitmq_queues_created_total', 'counter', 'Total number of queues created', (c) => counters(c).queuesCreated),
    metric('rabbitmq_queues_deleted_total', 'counter', 'Total number of queues deleted', (c) => counters(c).queuesDeleted),
  ],
};

export const nodeCoarseMetrics: NodeFamily = {
  family: 'node_coarse_metrics',
  metrics: [
    metric('rabbitmq_process_open_fds', 'gauge', 'Open file descriptors', () => fdUsed()),
    metric('rabbitmq_process_open_tcp_sockets', 'gauge', 'Open TCP sockets', (c) => c.connections.size),
    metric('rabbitmq_process_resident_memory_bytes', 'gauge', 'Memory used in bytes', (c) => c.alarms.memory.used),
    metric('rabbitmq_disk_space_available_bytes', 'gauge', 'Disk space available in bytes', (c) => (Number.isFinite(c.alarms.diskFree) ? c.alarms.diskFree : null)),
  ],
};

export const nodeMetrics: NodeFamily = {
  family: 'node_metrics',
  metrics: [
    metric('rabbitmq_process_max_fds', 'gauge', 'Open file descriptors limit', () => fdLimit()),
    metric('rabbitmq_resident_memory_limit_bytes', 'gauge', 'Memory high watermark in bytes', (c) => c.alarms.memory.limit),
    metric('rabbitmq_disk_space_available_limit_bytes', 'gauge', 'Free disk space low watermark in bytes', (c) => c.alarms.disk.limit),
    metric('rabbitmq_erlang_uptime_seconds', 'gauge', 'Node uptime', (c) => (Date.now() - c.startedAt) / 1000),
  ],
};

/** On /metrics only, as in RabbitMQ. */
export const processStartMetric: NodeFamily = {
  family: null,
  metrics: [
    metric('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.', () => Math.round(Date.now() / 1000 - process.uptime())),
  ],
};

/** The node's figures that are not RabbitMQ's: the Node.js heap (prom-client's names). */
export const nodejsMetrics: NodeFamily = {
  family: null,
  metrics: [
    metric('nodejs_heap_size_total_bytes', 'gauge', 'Process heap size from Node.js in bytes.', () => process.memoryUsage().heapTotal),
    metric('nodejs_heap_size_used_bytes', 'gauge', 'Process heap size used from Node.js in bytes.', () => process.memoryUsage().heapUsed),
    metric('nodejs_external_memory_bytes', 'gauge', 'Node.js external memory size in bytes.', () => process.memoryUsage().external),
  ],
};

export const alarmMetrics: NodeFamily = {
  family: null,
  metrics: [
    metric('rabbitmq_alarms_file_descriptor_limit', 'untyped', 'is 1 if file descriptor limit alarm is in effect', () => 0),
    metric('rabbitmq_alarms_free_disk_space_watermark', 'untyped', 'is 1 if free disk space watermark alarm is in effect', (c) => (c.alarms.has('disk') ? 1 : 0)),
    metric('rabbitmq_alarms_memory_used_watermark', 'untyped', 'is 1 if VM memory watermark alarm is in effect', (c) => (c.alarms.has('memory') ? 1 : 0)),
  ],
};

function consumers(ctx: ManagementContext): number {
  let n = 0;
  for (const v of ctx.broker.vhosts.values()) for (const q of v.queues.values()) n += q.consumerCount;
  return n;
}

function openChannels(ctx: ManagementContext): number {
  let n = 0;
  for (const c of ctx.connections) if (c.user !== null) n += c.channels.size;
  return n;
}

/** Channels that have published (RabbitMQ's publishers). */
function publishers(ctx: ManagementContext): number {
  let n = 0;
  for (const c of ctx.connections) for (const ch of c.channels.values()) if (ch.stats.exchanges.size > 0) n++;
  return n;
}

export const totalsMetrics: NodeFamily = {
  family: null,
  metrics: [
    metric('rabbitmq_connections', 'gauge', 'Connections currently open', (c) => [...c.connections].filter((x) => x.user !== null).length),
    metric('rabbitmq_channels', 'gauge', 'Channels currently open', openChannels),
    metric('rabbitmq_consumers', 'gauge', 'Consumers currently connected', consumers),
    metric('rabbitmq_queues', 'gauge', 'Queues available', (c) => {
      let n = 0;
      for (const v of c.broker.vhosts.values()) n += v.queues.size;
      return n;
    }),
  ],
};

/**
 * RabbitMQ generates a cluster id once, shared by every node and kept when the cluster is renamed;
 * Warren derives one from the cluster mode's cluster name (the same on every node), or a single
 * node's name. Computed at each scrape: a cluster node learns its names after this module loads.
 */
const clusterId = (name: string) => `warren-cluster-id-${createHash('sha256').update(name).digest('base64url').slice(0, 22)}`;

/** Always present, also on the detailed endpoint (without the detailed prefix). */
export const identityMetrics: NodeFamily = {
  family: null,
  metrics: [
    {
      name: 'rabbitmq_build_info', type: 'untyped', help: 'RabbitMQ & Erlang/OTP version info',
      samples: (ctx) => [[labelSet([
        ['rabbitmq_version', '3.10.8'], ['prometheus_plugin_version', ctx.version],
        ['prometheus_client_version', ctx.version], ['erlang_version', `Node.js ${process.version}`],
      ]), 1]],
    },
    {
      name: 'rabbitmq_identity_info', type: 'untyped', help: 'RabbitMQ node & cluster identity info',
      samples: (ctx) => {
        const cluster = clusterName(ctx);
        const permanent = clusterId(ctx.cluster?.clusterName ?? nodeName);
        return [[labelSet([['rabbitmq_node', nodeName], ['rabbitmq_cluster', cluster], ['rabbitmq_cluster_permanent_id', permanent]]), 1]];
      },
    },
  ],
};

const protocol = labelSet([['protocol', 'amqp091']]);
const byType = (values: (g: GlobalCounters) => readonly number[]) => (ctx: ManagementContext): Sample[] =>
  queueTypeLabels.map((t, i) => [labelSet([['protocol', 'amqp091'], ['queue_type', t]]), values(counters(ctx))[i]] as const);
const global = (name: string, help: string, samples: (ctx: ManagementContext) => Sample[]): NodeMetric =>
  ({ name: `rabbitmq_global_${name}`, type: 'counter', help, samples });
const sum = (...arrays: readonly (readonly number[])[]) => arrays[0].map((_, i) => arrays.reduce((s, a) => s + a[i], 0));

/** The (queue type, strategy) pairs RabbitMQ 3.10 reports for each dead-letter reason. */
const deadLetterCombos: Record<string, [type: number, strategy: number][]> = {
  rejected: [[0, 1], [0, 0], [1, 2], [1, 1], [1, 0]],
  expired: [[0, 1], [0, 0], [1, 2], [1, 1], [1, 0]],
  maxlen: [[0, 1], [0, 0], [1, 1], [1, 0]],
  delivery_limit: [[1, 2], [1, 1], [1, 0]],
};
const deadLetterHelp: Record<string, string> = {
  delivery_limit: 'Total number of messages dead-lettered due to delivery-limit exceeded',
  expired: 'Total number of messages dead-lettered due to message TTL exceeded',
  maxlen: 'Total number of messages dead-lettered due to overflow drop-head or reject-publish-dlx',
  rejected: 'Total number of messages dead-lettered due to basic.reject or basic.nack',
};
const deadLettered = (reason: string): NodeMetric => global(`messages_dead_lettered_${reason}_total`, deadLetterHelp[reason], (ctx) =>
  deadLetterCombos[reason].map(([t, s]) => [
    labelSet([['queue_type', queueTypeLabels[t]], ['dead_letter_strategy', deadLetterStrategies[s]]]),
    counters(ctx).deadLettered[deathReasons.indexOf(reason as never)][t][s],
  ] as const));

/** rabbitmq_global_*: node-wide counters that never go down (in the order RabbitMQ lists them). */
export const globalMetrics: NodeFamily = {
  family: null,
  metrics: [
    { name: 'rabbitmq_global_consumers', type: 'gauge', help: 'Current number of consumers', samples: (ctx) => [[protocol, consumers(ctx)]] },
    global('messages_acknowledged_total', 'Total number of messages acknowledged by consumers', byType((g) => g.acknowledged)),
    global('messages_confirmed_total', 'Total number of messages confirmed to publishers', (ctx) => [[protocol, counters(ctx).confirmed]]),
    global('messages_dead_lettered_confirmed_total', 'Total number of messages dead-lettered and confirmed by target queues',
      () => [[labelSet([['queue_type', 'rabbit_quorum_queue'], ['dead_letter_strategy', 'at_least_once']]), 0]]),
    deadLettered('delivery_limit'),
    deadLettered('expired'),
    deadLettered('maxlen'),
    deadLettered('rejected'),
    global('messages_delivered_consume_auto_ack_total', 'Total number of messages delivered to consumers using basic.consume with automatic acknowledgment', byType((g) => g.deliveredConsumeAutoAck)),
    global('messages_delivered_consume_manual_ack_total', 'Total number of messages delivered to consumers using basic.consume with manual acknowledgment', byType((g) => g.deliveredConsumeManualAck)),
    global('messages_delivered_get_auto_ack_total', 'Total number of messages delivered to consumers using basic.get with automatic acknowledgment', byType((g) => g.deliveredGetAutoAck)),
    global('messages_delivered_get_manual_ack_total', 'Total number of messages delivered to consumers using basic.get with manual acknowledgment', byType((g) => g.deliveredGetManualAck)),
    global('messages_delivered_total', 'Total number of messages delivered to consumers',
      byType((g) => sum(g.deliveredConsumeAutoAck, g.deliveredConsumeManualAck, g.deliveredGetAutoAck, g.deliveredGetManualAck))),
    global('messages_get_empty_total', 'Total number of times basic.get operations fetched no message', byType((g) => g.getEmpty)),
    global('messages_received_confirm_total', 'Total number of messages received from publishers expecting confirmations', (ctx) => [[protocol, counters(ctx).receivedConfirm]]),
    global('messages_received_total', 'Total number of messages received from publishers', (ctx) => [[protocol, counters(ctx).received]]),
    global('messages_redelivered_total', 'Total number of messages redelivered to consumers', byType((g) => g.redelivered)),
    global('messages_routed_total', 'Total number of messages routed to queues or streams', (ctx) => [[protocol, counters(ctx).routed]]),
    global('messages_unroutable_dropped_total', 'Total number of messages published as non-mandatory into an exchange and dropped as unroutable', (ctx) => [[protocol, counters(ctx).unroutableDropped]]),
    global('messages_unroutable_returned_total', 'Total number of messages published as mandatory into an exchange and returned to the publisher as unroutable', (ctx) => [[protocol, counters(ctx).unroutableReturned]]),
    { name: 'rabbitmq_global_publishers', type: 'gauge', help: 'Current number of publishers', samples: (ctx) => [[protocol, publishers(ctx)]] },
  ],
};

/** Detailed-only families describing the vhosts and exchanges (rabbitmq_cluster_*, cluster-wide). */
export const vhostStatus: NodeFamily = {
  family: 'vhost_status',
  metrics: [{
    name: 'rabbitmq_cluster_vhost_status', type: 'gauge', help: 'Whether a given vhost is running',
    samples: (ctx, vhosts) => [...ctx.broker.vhosts.keys()].filter((v) => vhosts === null || vhosts.has(v)).map((v) => [labelSet([['vhost', v]]), 1] as const),
  }],
};

const exchangeSamples = (value: (bindings: number) => number) => (ctx: ManagementContext, vhosts: ReadonlySet<string> | null): Sample[] => {
  const out: Sample[] = [];
  for (const v of ctx.broker.vhosts.values()) {
    if (vhosts !== null && !vhosts.has(v.name)) continue;
    for (const e of v.exchanges.values()) {
      if (e.name === '') continue;
      out.push([labelSet([['vhost', v.name], ['exchange', e.name], ['type', e.type]]), value(e.bindings.size)]);
    }
  }
  return out;
};

export const exchangeNames: NodeFamily = {
  family: 'exchange_names',
  metrics: [{
    name: 'rabbitmq_cluster_exchange_name', type: 'gauge',
    help: 'Enumerates exchanges without any additional info. This value is cluster-wide. A cheaper alternative to `exchange_bindings`',
    samples: exchangeSamples(() => 1),
  }],
};

export const exchangeBindings: NodeFamily = {
  family: 'exchange_bindings',
  metrics: [{
    name: 'rabbitmq_cluster_exchange_bindings', type: 'gauge', help: 'Number of bindings for an exchange. This value is cluster-wide.',
    samples: exchangeSamples((n) => n),
  }],
};
