// cluster_status and forget_cluster_node. A single Warren node is a cluster of one; in cluster mode
// (docs/cluster.md) /api/nodes lists every member with its role, ISR membership and lag, and
// DELETE /api/nodes/NAME forgets a departed member.
import { reasonOf, seg } from '../client.js';
import type { Command, CommandContext } from '../command.js';
import { CtlError, ExitCode } from '../errors.js';
import { alarmLine, heading, listenersOf, nodeAlarms, type ListenerJson } from './node.js';

/** Whether /api/nodes comes from a cluster node (members carry their role). */
const clustered = (nodes: any[]) => nodes.some((n) => n.cluster_role !== undefined);

/** "host:port" or "[v6]:port" as a listener's interface and port. */
function address(hostPort: string | null | undefined): { interface: string; port: number } | null {
  const m = /^(.*):(\d+)$/.exec(hostPort ?? '');
  return m ? { interface: m[1], port: Number(m[2]) } : null;
}

/**
 * Each running node's listeners. A single node reports its own (/api/overview). A cluster member's
 * clients and API reach it on the addresses it registered in etcd: AMQP and HTTP on every member
 * (a follower proxies both to the leader) and replication on the leader; the leader's broker adds
 * the rest of its listeners (Prometheus, AMQP over TLS).
 */
function clusterListeners(overview: any, nodes: any[]): ListenerJson[] {
  const own = listenersOf(overview);
  if (!clustered(nodes)) return own;
  const out: ListenerJson[] = [];
  for (const n of nodes.filter((x) => x.running)) {
    const add = (hostPort: string | null | undefined, protocol: string, purpose: string) => {
      const a = address(hostPort);
      if (a) out.push({ interface: a.interface, node: n.name, port: a.port, protocol, purpose });
    };
    add(n.amqp_address, 'amqp', 'AMQP 0-9-1');
    add(n.http_address, 'http', 'HTTP API');
    if (n.cluster_role === 'leader') {
      add(n.replication_address, 'replication', "replication of the leader's store to the followers");
      out.push(...own.filter((l) => l.node === n.name && l.protocol !== 'amqp' && l.protocol !== 'http'));
    }
  }
  return out;
}

function replicationLine(n: any): string {
  const lag = n.replication_lag_bytes === null || n.replication_lag_bytes === undefined ? 'unknown' : `${n.replication_lag_bytes} bytes`;
  return `Node: ${n.name}, role: ${n.cluster_role ?? 'unknown'}, in sync: ${n.in_sync ?? 'unknown'}, replication lag: ${lag}`;
}

/** rabbitmqctl's JSON keys come sorted (Erlang maps). */
const sorted = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));

export const clusterStatus: Command = {
  name: 'cluster_status',
  section: 'Cluster',
  description: 'Displays all the nodes in the cluster grouped by node type, together with the currently running nodes',
  usage: '[--timeout <timeout>]',
  notes: 'In cluster mode a Replication section follows: each node\'s role (leader or follower), whether it is in the in-sync replica set, and its replication lag.',
  banner: (ctx) => `Cluster status of node ${ctx.node} ...`,
  async run(ctx) {
    const [overview, nodes, flags] = await Promise.all([ctx.api.get('/api/overview'), ctx.api.get('/api/nodes') as Promise<any[]>, ctx.api.get('/api/feature-flags') as Promise<any[]>]);
    const listeners = clusterListeners(overview, nodes);
    const names = nodes.map((n) => n.name as string);
    const running = nodes.filter((n) => n.running !== false).map((n) => n.name as string);
    const alarms = nodes.flatMap(nodeAlarms);
    const partitions = Object.fromEntries(nodes.filter((n) => (n.partitions ?? []).length > 0).map((n) => [n.name, n.partitions]));
    const runtime = overview.erlang_version;
    // Every node runs the build the answering leader runs (the API has no per-node version).
    const version = sorted({ erlang_version: runtime, product_version: overview.product_version, rabbitmq_name: overview.product_name, rabbitmq_version: overview.rabbitmq_version });
    const json = {
      alarms,
      cluster_name: overview.cluster_name,
      disk_nodes: nodes.filter((n) => n.type !== 'ram').map((n) => n.name),
      feature_flags: flags.map((f) => sorted(f)),
      listeners: Object.fromEntries(running.map((n) => [n, listeners.filter((l) => l.node === n)])),
      maintenance_status: Object.fromEntries(running.map((n) => [n, 'not under maintenance'])),
      partitions,
      ram_nodes: nodes.filter((n) => n.type === 'ram').map((n) => n.name),
      running_nodes: running,
      versions: Object.fromEntries(running.map((n) => [n, version])),
    };
    const section = (title: string, lines: string[]) => ['', heading(title), '', ...lines];
    const lines = [
      heading('Basics'), '', `Cluster name: ${json.cluster_name}`,
      ...section('Disk Nodes', json.disk_nodes),
      ...(json.ram_nodes.length ? section('RAM Nodes', json.ram_nodes) : []),
      ...section('Running Nodes', running),
      ...section('Versions', running.map((n) => `${n}: ${overview.product_name} ${overview.product_version} (RabbitMQ ${overview.rabbitmq_version} compatible) on ${runtime}`)),
      ...section('Maintenance status', running.map((n) => `Node: ${n}, status: not under maintenance`)),
      ...section('Alarms', alarms.length ? alarms.map(alarmLine) : ['(none)']),
      ...section('Network Partitions', Object.keys(partitions).length
        ? Object.entries(partitions).map(([n, p]) => `Node ${n} cannot communicate with ${(p as string[]).join(', ')}`)
        : ['(none)']),
      ...section('Listeners', listeners.map((l) => `Node: ${l.node}, interface: ${l.interface}, port: ${l.port}, protocol: ${l.protocol}, purpose: ${l.purpose}`)),
      ...section('Feature flags', flags.length ? flags.map((f) => `Flag: ${f.name}, state: ${f.state}`) : ['(none)']),
      // Cluster mode: the leader serves, followers replicate (Warren's own section).
      ...(clustered(nodes) ? section('Replication', nodes.map(replicationLine)) : []),
    ];
    return { type: 'message', text: lines.join('\n'), json };
  },
};

/**
 * rabbitmqctl 3.10.8's errors, Elixir-printed Erlang terms (node names as atoms, quoted when they
 * are not plain identifiers). The texts are RabbitMQ's own (Mnesia's reasons for refusing to drop a
 * node's schema copy), so scripts and runbooks that look for them read Warren's answers the same way:
 * a running member is 'Mnesia is running'; the only node of a cluster is its 'Last replica'.
 */
const atom = (name: string) => (/^[A-Za-z_][A-Za-z0-9_@]*$/.test(name) ? `:${name}` : `:${JSON.stringify(name)}`);
const notAMember = () => new CtlError(ExitCode.unavailable, "{:not_a_cluster_node, 'The node selected is not in the cluster.'}");
const failedToRemove = (name: string, reason: string) => new CtlError(ExitCode.unavailable, `{:failed_to_remove_node, ${atom(name)}, ${reason}}`);
const stillRunning = (name: string) => failedToRemove(name, `{:active, 'Mnesia is running', ${atom(name)}}`);
const lastReplica = (name: string) => failedToRemove(name, "{:combine_error, :schema, 'Last replica'}");

/** The leader's refusal (cluster-node.ts, coordinator.ts) as rabbitmqctl words it. */
function refusal(name: string, reason: string): CtlError {
  if (/not a cluster member/.test(reason)) return notAMember();
  if (/is running|cannot forget itself/.test(reason)) return stillRunning(name);
  return failedToRemove(name, `'${reason}'`);
}

export const forgetClusterNode: Command = {
  name: 'forget_cluster_node',
  section: 'Cluster',
  description: 'Removes a node from the cluster',
  usage: '<existing_cluster_member_node>',
  args: [{ name: '<existing_cluster_member_node>', description: 'Node to remove from the cluster (as cluster_status lists it)' }],
  notes: 'The node must be stopped: a running member (the leader or a follower) is refused, as RabbitMQ refuses a running node. ' +
    'It leaves the member list and the in-sync replica set kept in etcd.',
  banner: (ctx) => `Removing node ${ctx.args[0]} from the cluster`,
  async run(ctx) {
    const name = ctx.args[0];
    const nodes: any[] = await ctx.api.get('/api/nodes');
    const member = nodes.find((n) => n.name === name);
    if (!member) throw notAMember();
    if (!clustered(nodes)) throw lastReplica(name);
    if (member.running) throw stillRunning(name);
    // The leader checks again (the node may have come back since the list was read).
    await ctx.api.expect('DELETE', `/api/nodes/${seg(name)}`, undefined, {
      400: (answer) => refusal(name, reasonOf(answer)),
      404: () => notAMember(),
    });
    return { type: 'none', json: { node: ctx.node, result: 'ok' } };
  },
};
