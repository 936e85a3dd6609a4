// status, cluster_status, listeners, server_version, version: what the node is and runs.
import { warrenVersion } from '../../../server/server-properties.js';
import type { Command, CommandContext } from '../command.js';
import { CtlError, ExitCode } from '../errors.js';

/** A listener as rabbitmq-diagnostics reports it. */
export interface ListenerJson {
  interface: string;
  node: string;
  port: number;
  protocol: string;
  purpose: string;
}

const purposes: Record<string, string> = {
  amqp: 'AMQP 0-9-1',
  'amqp/ssl': 'AMQP 0-9-1 over TLS',
  http: 'HTTP API',
  https: 'HTTP API over TLS (HTTPS)',
  'http/prometheus': 'Prometheus exporter API over HTTP',
  prometheus: 'Prometheus exporter API over HTTP',
  'https/prometheus': 'Prometheus exporter API over TLS (HTTPS)',
  clustering: 'inter-node and CLI tool communication',
};

/** /api/overview's listeners in rabbitmq-diagnostics' shape: IPv6 addresses bracketed, a purpose. */
export function listenersOf(overview: any): ListenerJson[] {
  return ((overview.listeners ?? []) as any[]).map((l) => {
    const ip = String(l.ip_address ?? '');
    return {
      interface: ip.includes(':') && !ip.startsWith('[') ? `[${ip}]` : ip,
      node: l.node,
      port: l.port,
      protocol: l.protocol,
      purpose: purposes[l.protocol] ?? l.protocol,
    };
  });
}

export const listenerLine = (l: ListenerJson) => `Interface: ${l.interface}, port: ${l.port}, protocol: ${l.protocol}, purpose: ${l.purpose}`;

/** Alarms as RabbitMQ's CLI lists them, from a node record of /api/nodes. */
export function nodeAlarms(node: any): { node: string; resource: string; type: string }[] {
  const out = [];
  if (node.mem_alarm) out.push({ node: node.name, resource: 'memory', type: 'resource_limit' });
  if (node.disk_free_alarm) out.push({ node: node.name, resource: 'disk', type: 'resource_limit' });
  return out;
}

/**
 * RabbitMQ's wording for an alarm ("Free disk space alarm on node rabbit@host"). The health-check
 * endpoints name the disk resource 'disk space' (as RabbitMQ 3.10.8's do), /api/nodes 'disk'.
 */
export function alarmLine(a: { node: string; resource: string }): string {
  if (a.resource === 'disk' || a.resource === 'disk space') return `Free disk space alarm on node ${a.node}`;
  if (a.resource === 'memory') return `Memory alarm on node ${a.node}`;
  if (a.resource === 'file_descriptors' || a.resource === 'file_descriptor_limit') return `File descriptor limit alarm on node ${a.node}`;
  return `${a.resource} alarm on node ${a.node}`;
}

/** A section title as rabbitmqctl 3.10 prints it in status and cluster_status: bold (ANSI), even into a pipe. */
export const heading = (title: string) => `\x1b[1m${title}\x1b[0m`;

/** A memory limit the node reports, or null (an unconstrained Node.js process reports 2^64 - 1). */
const memoryLimit = (v: unknown) => (typeof v === 'number' && v > 0 && v < Number.MAX_SAFE_INTEGER ? v : null);

/** Bytes as rabbitmqctl status prints them: gigabytes (10^9) with four decimals. */
const gb = (bytes: number) => `${Math.round((bytes / 1e9) * 10000) / 10000} gb`;

/** The target node's record from /api/nodes, with the overview it was found by. */
async function thisNode(ctx: CommandContext): Promise<{ overview: any; node: any; nodes: any[] }> {
  const overview = await ctx.api.get('/api/overview');
  const nodes: any[] = await ctx.api.get('/api/nodes');
  return { overview, nodes, node: nodes.find((n) => n.name === overview.node) ?? nodes[0] ?? {} };
}

export const status: Command = {
  name: 'status',
  section: 'Monitoring, observability and health checks',
  description: 'Displays status of a node',
  usage: '[--unit <unit>] [--timeout <timeout>]',
  options: [{ name: '--unit', value: '<unit>', description: 'accepted for compatibility; sizes are shown in gigabytes' }],
  banner: (ctx) => `Status of node ${ctx.node} ...`,
  async run(ctx) {
    const { overview, node } = await thisNode(ctx);
    const vhosts: any[] = await ctx.api.get('/api/vhosts');
    const listeners = listenersOf(overview);
    const alarms = nodeAlarms(node);
    const plugins: string[] = node.enabled_plugins ?? [];
    const json = {
      pid: Number(node.os_pid),
      uptime: Math.floor(Number(node.uptime ?? 0) / 1000),
      is_under_maintenance: false,
      rabbitmq_version: overview.rabbitmq_version,
      product_name: overview.product_name,
      product_version: overview.product_version,
      erlang_version: overview.erlang_full_version ?? overview.erlang_version,
      data_directory: node.db_dir ?? null,
      active_plugins: plugins,
      alarms,
      listeners,
      memory: { strategy: 'rss', total: { rss: node.mem_used } },
      vm_memory_high_watermark_limit: memoryLimit(node.mem_limit),
      disk_free: node.disk_free,
      disk_free_limit: node.disk_free_limit,
      file_descriptors: { total_used: node.fd_used ?? null, sockets_used: node.sockets_used ?? null },
      totals: { virtual_host_count: vhosts.length, connection_count: overview.object_totals?.connections ?? 0, queue_count: overview.object_totals?.queues ?? 0 },
    };
    const lines = [
      heading('Runtime'), '',
      `OS PID: ${json.pid}`,
      `Uptime (seconds): ${json.uptime}`,
      'Is under maintenance?: false',
      `RabbitMQ version: ${json.rabbitmq_version}`,
      `Product name: ${json.product_name}`,
      `Product version: ${json.product_version}`,
      `Node name: ${overview.node}`,
      `Runtime version: ${json.erlang_version}`,
      '', heading('Plugins'), '',
      'Enabled plugins:', '',
      ...(plugins.length ? plugins.map((p) => ` * ${p}`) : ['(none)']),
      '', heading('Data directory'), '',
      `Node data directory: ${json.data_directory ?? '(none: definitions and messages are kept in memory)'}`,
      '', heading('Alarms'), '',
      ...(alarms.length ? alarms.map(alarmLine) : ['(none)']),
      '', heading('Memory'), '',
      `Total memory used: ${gb(Number(node.mem_used ?? 0))}`,
      'Calculation strategy: rss',
      ...(json.vm_memory_high_watermark_limit ? [`Memory limit: ${gb(json.vm_memory_high_watermark_limit)}`] : []),
      '', heading('File Descriptors'), '',
      `Total: ${node.fd_used ?? 'unknown'}`,
      `Sockets: ${node.sockets_used ?? 'unknown'}`,
      '', heading('Free Disk Space'), '',
      `Low free disk space watermark: ${gb(Number(node.disk_free_limit ?? 0))}`,
      `Free disk space: ${node.disk_free === null || node.disk_free === undefined ? 'unknown' : gb(Number(node.disk_free))}`,
      '', heading('Totals'), '',
      `Connection count: ${json.totals.connection_count}`,
      `Queue count: ${json.totals.queue_count}`,
      `Virtual host count: ${json.totals.virtual_host_count}`,
      '', heading('Listeners'), '',
      ...listeners.map(listenerLine),
    ];
    return { type: 'message', text: lines.join('\n'), json };
  },
};

export const listeners: Command = {
  name: 'listeners',
  section: 'Monitoring, observability and health checks',
  description: 'Lists active connection listeners (bound interface, port, protocol) on the target node',
  usage: '[--timeout <timeout>]',
  banner: (ctx) => `Asking node ${ctx.node} to report its protocol listeners ...`,
  async run(ctx) {
    const found = listenersOf(await ctx.api.get('/api/overview'));
    return { type: 'message', text: found.map(listenerLine).join('\n'), json: { listeners: found, node: ctx.node, result: 'ok' } };
  },
};

export const serverVersion: Command = {
  name: 'server_version',
  section: 'Monitoring, observability and health checks',
  description: 'Displays server version on the target node',
  usage: '[--timeout <timeout>]',
  notes: 'Prints the node\'s Warren version; `status` also shows the RabbitMQ version it is compatible with.',
  banner: (ctx) => `Asking node ${ctx.node} for its version...`,
  async run(ctx) {
    const overview = await ctx.api.get('/api/overview');
    const version = String(overview.product_version ?? overview.rabbitmq_version);
    return { type: 'message', text: version, json: { result: 'ok', value: version } };
  },
};

export const version: Command = {
  name: 'version',
  section: 'Help',
  description: 'Displays CLI tools version',
  usage: '',
  async run() {
    return { type: 'message', text: warrenVersion, json: { version: warrenVersion } };
  },
};

export const awaitStartup: Command = {
  name: 'await_startup',
  section: 'Nodes',
  description: 'Waits for the broker to start on the target node (its HTTP API to answer)',
  usage: '[--timeout <timeout>]',
  notes: 'Retries until the node answers or --timeout passes (exit code 75); use it in an init script.',
  async run(ctx) {
    for (;;) {
      try {
        await ctx.api.get('/api/overview');
        return { type: 'none' };
      } catch (err) {
        // Not listening yet (69): try again shortly; a timeout (75) or a refusal ends the wait.
        if (!(err instanceof CtlError) || err.code !== ExitCode.unavailable) throw err;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  },
};
