// The three Prometheus endpoints of rabbitmq_prometheus, as generators of text chunks: the
// server writes each chunk and lets the event loop run between them, so a scrape of 10,000 queues
// never blocks the broker for long.
import type { ManagementContext } from '../context.js';
import { detailedObjectFamilies, objectFamilies } from './object-families.js';
import type { ObjectFamily, Scope } from './object-families.js';
import {
  alarmMetrics, connectionChurnMetrics, exchangeBindings, exchangeNames, globalMetrics, identityMetrics, nodeCoarseMetrics,
  nodeMetrics, nodejsMetrics, processStartMetric, totalsMetrics, vhostStatus,
} from './node-families.js';
import type { NodeFamily } from './node-families.js';
import { clusterMetrics } from './cluster-families.js';
import { TextChunks } from './text-format.js';

/** Samples per chunk: small enough that building one takes well under a millisecond. */
const CHUNK_SAMPLES = 500;

export type Exposition = 'aggregated' | 'per-object';

const PREFIX = 'rabbitmq_';

function* nodeFamily(out: TextChunks, f: NodeFamily, ctx: ManagementContext, vhosts: ReadonlySet<string> | null, prefix = PREFIX): Generator<string> {
  for (const m of f.metrics) {
    const name = m.name.startsWith(PREFIX) ? prefix + m.name.slice(PREFIX.length) : m.name;
    out.family(name, m.type, m.help);
    for (const [labels, value] of m.samples(ctx, vhosts)) {
      out.sample(name, labels, value);
      if (out.size >= CHUNK_SAMPLES) yield out.take();
    }
    yield '';
  }
}

/** One family: a sum per metric (aggregated), or one labelled sample per object. */
function* objectFamily(out: TextChunks, f: ObjectFamily<never>, scope: Scope, perObject: boolean, prefix = PREFIX): Generator<string> {
  const objects = f.objects(scope);
  // Label sets are made once per object, a chunk at a time ('' lets the writer yield).
  const labels: string[] = [];
  if (perObject) {
    for (const o of objects) {
      labels.push(f.labels(o));
      if (labels.length % CHUNK_SAMPLES === 0) yield '';
    }
  }
  for (const m of f.metrics) {
    const name = prefix + m.name;
    out.family(name, m.type, m.help);
    if (!perObject) {
      let sum = 0;
      for (const o of objects) sum += m.value(o);
      out.sample(name, '', sum);
      yield '';
      continue;
    }
    for (let i = 0; i < objects.length; i++) {
      out.sample(name, labels[i], m.value(objects[i]));
      if (out.size >= CHUNK_SAMPLES) yield out.take();
    }
  }
}

/** /metrics (sums over objects) or /metrics/per-object (a sample per queue, channel, ...). */
export function* exposition(ctx: ManagementContext, kind: Exposition): Generator<string> {
  const out = new TextChunks();
  const scope: Scope = { ctx, vhosts: null };
  // As in RabbitMQ, the process start time and the alarms are on /metrics only.
  if (kind === 'aggregated') {
    yield* nodeFamily(out, processStartMetric, ctx, null);
    yield* nodeFamily(out, alarmMetrics, ctx, null);
  }
  yield* nodeFamily(out, nodejsMetrics, ctx, null);
  yield* nodeFamily(out, connectionChurnMetrics, ctx, null);
  yield* nodeFamily(out, nodeCoarseMetrics, ctx, null);
  yield* nodeFamily(out, nodeMetrics, ctx, null);
  for (const f of objectFamilies) yield* objectFamily(out, f, scope, kind === 'per-object');
  yield* nodeFamily(out, totalsMetrics, ctx, null);
  yield* nodeFamily(out, identityMetrics, ctx, null);
  yield* nodeFamily(out, globalMetrics, ctx, null);
  // Warren's own families, only on a cluster leader: a single node's /metrics stays RabbitMQ's.
  if (ctx.cluster) yield* nodeFamily(out, clusterMetrics, ctx, null);
  yield out.take();
}

const detailedNodeFamilies = [connectionChurnMetrics, nodeCoarseMetrics, nodeMetrics];
/** Named rabbitmq_cluster_* on the detailed endpoint too. */
const clusterFamilies = [vhostStatus, exchangeNames, exchangeBindings];

/**
 * /metrics/detailed?family=...&vhost=...: only the families asked for (none: identity only),
 * per object, named rabbitmq_detailed_* (rabbitmq_cluster_* for the cluster-wide ones).
 */
export function* detailedExposition(ctx: ManagementContext, families: readonly string[], vhosts: readonly string[]): Generator<string> {
  const out = new TextChunks();
  const wanted = new Set(families);
  const vhostSet = vhosts.length > 0 ? new Set(vhosts) : null;
  const scope: Scope = { ctx, vhosts: vhostSet };
  const emitted = new Set<string>();
  for (const f of detailedObjectFamilies) {
    if (!wanted.has(f.family)) continue;
    // queue_consumer_count and queue_metrics both carry queue_consumers: list it once.
    const metrics = f.metrics.filter((m) => !emitted.has(m.name));
    for (const m of metrics) emitted.add(m.name);
    yield* objectFamily(out, { ...f, metrics }, scope, true, 'rabbitmq_detailed_');
  }
  for (const f of detailedNodeFamilies) if (wanted.has(f.family!)) yield* nodeFamily(out, f, ctx, vhostSet, 'rabbitmq_detailed_');
  for (const f of clusterFamilies) if (wanted.has(f.family!)) yield* nodeFamily(out, f, ctx, vhostSet);
  yield* nodeFamily(out, identityMetrics, ctx, null);
  yield out.take();
}
