import { cpus } from 'node:os';
import type { ListenerInfo, ManagementContext } from '../context.js';
import { nodeName } from '../context.js';
import type { Router } from '../router.js';
import { canSeeVhost } from '../auth.js';
import { httpErrors } from '../errors.js';
import { fdUsed } from '../node-resources.js';
import { overviewStats, statsView } from '../stats/stats-json.js';
import { clusterName } from './cluster.js';
import { memoryBreakdown } from './node-memory.js';

const exchangeTypes = [
  ['direct', 'AMQP direct exchange, as per the AMQP specification'],
  ['fanout', 'AMQP fanout exchange, as per the AMQP specification'],
  ['headers', 'AMQP headers exchange, as per the AMQP specification'],
  ['topic', 'AMQP topic exchange, as per the AMQP specification'],
].map(([name, description]) => ({ name, description, enabled: true }));

/** A listener's protocol as RabbitMQ names it in /api/overview and the health checks. */
export const rabbitProtocol = (l: ListenerInfo): string => (l.protocol === 'prometheus' ? 'http/prometheus' : l.protocol);

export function listenersJson(ctx: ManagementContext) {
  return ctx.listeners.map((l) => ({ node: nodeName, protocol: rabbitProtocol(l), ip_address: l.host, port: l.port, socket_opts: {} }));
}

/** /api/overview, /api/nodes: the broker and its (single) node. */
export function registerOverview(router: Router, ctx: ManagementContext): void {
  router.add('GET', '/api/overview', 'management', (req) => {
    let queues = 0, exchanges = 0, consumers = 0;
    const seen = [...ctx.broker.vhosts.values()].filter((v) => canSeeVhost(ctx.users, req.user, v.name));
    for (const v of seen) {
      exchanges += v.exchanges.size;
      for (const q of v.queues.values()) {
        queues++;
        consumers += q.consumerCount;
      }
    }
    let connections = 0, channels = 0;
    for (const c of ctx.connections) {
      if (c.user === null) continue;
      connections++;
      channels += c.channels.size;
    }
    const http = ctx.listeners.find((l) => l.protocol === 'http');
    return {
      status: 200,
      body: {
        management_version: ctx.version,
        rates_mode: 'basic',
        exchange_types: exchangeTypes,
        product_version: ctx.version,
        product_name: 'Warren',
        rabbitmq_version: '3.10.8',
        cluster_name: clusterName(ctx),
        erlang_version: `Node.js ${process.version}`,
        erlang_full_version: `Node.js ${process.version} (${process.platform}/${process.arch})`,
        disable_stats: false,
        enable_queue_totals: false,
        ...overviewStats(statsView(ctx.stats, req.query), seen, ctx.broker.counters),
        object_totals: { channels, connections, consumers, exchanges, queues },
        statistics_db_event_queue: 0,
        node: nodeName,
        listeners: listenersJson(ctx),
        contexts: http ? [{ ssl_opts: [], node: nodeName, description: 'RabbitMQ Management', path: '/', port: String(http.port) }] : [],
      },
    };
  });

  const nodeJson = () => {
    return {
      name: nodeName,
      type: 'disc',
      running: true,
      os_pid: String(process.pid),
      mem_used: ctx.alarms.memory.used,
      mem_limit: ctx.alarms.memory.limit,
      mem_alarm: ctx.alarms.has('memory'),
      disk_free: Number.isFinite(ctx.alarms.disk.free) ? ctx.alarms.disk.free : null,
      disk_free_limit: ctx.alarms.disk.limit,
      disk_free_alarm: ctx.alarms.has('disk'),
      fd_used: fdUsed(),
      sockets_used: ctx.connections.size,
      uptime: Date.now() - ctx.startedAt,
      processors: cpus().length,
      rates_mode: 'basic',
      exchange_types: exchangeTypes,
      partitions: [] as string[],
      enabled_plugins: ['rabbitmq_management', 'rabbitmq_prometheus'],
      db_dir: ctx.dataDir,
    };
  };
  router.add('GET', '/api/nodes', 'monitoring', () => ({ status: 200, body: [nodeJson()] }));
  router.add('GET', '/api/nodes/:node', 'monitoring', (req) => {
    if (req.params.node !== nodeName) throw httpErrors.notFound();
    // ?memory=true adds the breakdown, as RabbitMQ's node page asks for it.
    return { status: 200, body: req.query.get('memory') === 'true' ? { ...nodeJson(), memory: memoryBreakdown() } : nodeJson() };
  });
}
