// Diagnostics usable as Kubernetes probes: ping, check_running, check_port_connectivity,
// check_local_alarms, check_alarms, check_virtual_hosts, check_if_node_is_quorum_critical,
// check_port_listener, check_protocol_listener. A passing check exits 0; a failing one prints why
// on stderr (JSON with --formatter json) and exits 69, as rabbitmq-diagnostics does.
import { connect } from 'node:net';
import { seg } from '../client.js';
import type { Command, CommandContext } from '../command.js';
import { CtlError, ExitCode, UsageError } from '../errors.js';
import type { Result } from '../format.js';
import { alarmLine, listenerLine, listenersOf } from './node.js';

const section = 'Monitoring, observability and health checks' as const;

const passed = (text: string, json: unknown = { result: 'ok' }): Result => ({ type: 'message', text, json, level: 'check' });
const failed = (text: string, json: unknown) => new CtlError(ExitCode.unavailable, text, { bare: true, json });

/** GET a health-check endpoint: 200 healthy, 503 unhealthy (with the node's reasons), else an error. */
async function healthCheck(ctx: CommandContext, path: string): Promise<{ ok: boolean; body: any }> {
  const answer = await ctx.api.request('GET', path);
  if (answer.status === 200 || answer.status === 503) return { ok: answer.status === 200, body: answer.body ?? {} };
  throw ctx.api.unexpected('GET', path, answer);
}

/** The node's listeners, listed in a failed listener check's JSON as rabbitmq-diagnostics does. */
async function nodeListeners(ctx: CommandContext) {
  return listenersOf(await ctx.api.get('/api/overview'));
}

export const ping: Command = {
  name: 'ping',
  section,
  description: 'Checks that the node is up and that the CLI can authenticate with its HTTP API',
  usage: '[--timeout <timeout>]',
  banner: (ctx) => `Will ping ${ctx.node}. This only checks that the node's HTTP API answers and accepts the CLI's credentials. Timeout: ${ctx.timeoutMs} ms.`,
  async run(ctx) {
    await ctx.api.get('/api/whoami');
    return { type: 'message', text: 'Ping succeeded', json: { message: 'Ping succeeded' } };
  },
};

export const checkRunning: Command = {
  name: 'check_running',
  section,
  description: 'Health check that exits with a non-zero code if the broker on the target node is not running',
  usage: '[--timeout <timeout>]',
  banner: (ctx) => `Checking if Warren is running on node ${ctx.node} ...`,
  async run(ctx) {
    const overview = await ctx.api.get('/api/overview');
    const nodes: any[] = await ctx.api.get('/api/nodes');
    // The broker answered; it is down only if its own node record says so (a cluster names its
    // nodes differently from the broker's node name, so a missing record is not a failure).
    const me = nodes.find((n) => n.name === overview.node);
    if (me?.running === false) {
      throw failed(`Warren on node ${ctx.node} is not running or has not fully booted yet`, { result: 'error', message: `Warren on node ${ctx.node} is not running` });
    }
    const text = `Warren on node ${ctx.node} is fully booted and running`;
    return passed(text, { message: text });
  },
};

/** Connects to host:port within ms; resolves with the error text, or null on success. */
function tryConnect(host: string, port: number, ms: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (err: string | null) => {
      socket.destroy();
      resolve(err);
    };
    socket.setTimeout(ms, () => done('timed out'));
    socket.once('connect', () => done(null));
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

const wildcard = new Set(['[::]', '0.0.0.0', '']);

export const checkPortConnectivity: Command = {
  name: 'check_port_connectivity',
  section,
  description: 'Basic TCP connectivity health check for each listener\'s port on the target node',
  usage: '[--timeout <timeout>]',
  notes: 'Listeners bound to all interfaces are tried at the host warrenctl talks to (--host, -n).',
  banner: (ctx) => `Testing TCP connections to all active listeners on node ${ctx.node} ...`,
  async run(ctx) {
    const listeners = listenersOf(await ctx.api.get('/api/overview'));
    const host = new URL(ctx.api.endpoint.baseUrl).hostname.replace(/^\[(.*)\]$/, '$1');
    const results = await Promise.all(listeners.map(async (l) => {
      const target = wildcard.has(l.interface) ? host : l.interface.replace(/^\[(.*)\]$/, '$1');
      return { l, error: await tryConnect(target, l.port, ctx.timeoutMs) };
    }));
    const bad = results.filter((r) => r.error !== null);
    if (bad.length > 0) {
      const lines = bad.map((r) => `${listenerLine(r.l)} (${r.error})`);
      throw failed(
        `Connection to ports of the following listeners on node ${ctx.node} failed:\n${lines.join('\n')}`,
        { result: 'error', node: ctx.node, listeners: bad.map((r) => r.l), message: `Connection to ports of ${bad.length} listener(s) failed` },
      );
    }
    const ports = listeners.map((l) => l.port).sort((a, b) => a - b);
    return passed(`Successfully connected to ports ${ports.join(', ')} on node ${ctx.node}.`, { listeners, node: ctx.node, result: 'ok' });
  },
};

/** The node's alarms from /api/health/checks/(local-)alarms, as RabbitMQ's CLI words them. */
async function alarmCheck(ctx: CommandContext, local: boolean): Promise<Result> {
  const { ok, body } = await healthCheck(ctx, `/api/health/checks/${local ? 'local-alarms' : 'alarms'}`);
  if (ok) return passed(local ? `Node ${ctx.node} reported no local alarms` : `Node ${ctx.node} reported no alarms, local or clusterwide`);
  const alarms: { node: string; resource: string }[] = Array.isArray(body.alarms) ? body.alarms : [];
  const lines = alarms.length > 0 ? alarms.map(alarmLine) : [String(body.reason ?? 'resource alarm(s) in effect')];
  let json: Record<string, unknown>;
  if (local) json = { result: 'error', local: lines, message: `Node ${ctx.node} reported local alarms` };
  else {
    // Alarms of the target node are local, those of other cluster members global (as RabbitMQ splits them).
    const self = (await ctx.api.get('/api/overview')).node;
    json = {
      result: 'error',
      local: alarms.filter((a) => a.node === self).map(alarmLine),
      global: alarms.filter((a) => a.node !== self).map(alarmLine),
      message: `Node ${ctx.node} reported alarms`,
    };
  }
  throw failed(lines.join('\n'), json);
}

export const checkLocalAlarms: Command = {
  name: 'check_local_alarms',
  section,
  description: 'Health check that exits with a non-zero code if the target node reports any local alarms',
  usage: '[--timeout <timeout>]',
  banner: (ctx) => `Asking node ${ctx.node} to report any local resource alarms ...`,
  run: (ctx) => alarmCheck(ctx, true),
};

export const checkAlarms: Command = {
  name: 'check_alarms',
  section,
  description: 'Health check that exits with a non-zero code if the target node reports any alarms, local or cluster-wide.',
  usage: '[--timeout <timeout>]',
  banner: (ctx) => `Asking node ${ctx.node} to report any local resource alarms ...`,
  run: (ctx) => alarmCheck(ctx, false),
};

export const checkVirtualHosts: Command = {
  name: 'check_virtual_hosts',
  section,
  description: 'Health check that checks if all vhosts are running in the target node',
  usage: '[--timeout <timeout>]',
  banner: (ctx) => `Checking if all vhosts are running on node ${ctx.node} ...`,
  async run(ctx) {
    const { ok, body } = await healthCheck(ctx, '/api/health/checks/virtual-hosts');
    if (ok) return passed(`Node ${ctx.node} reported all vhosts as running`);
    const down: string[] = body['virtual-hosts'] ?? body.virtual_hosts ?? [];
    const text = `Some virtual hosts are down on node ${ctx.node}${down.length ? `: ${down.join(', ')}` : ''}${body.reason ? ` (${body.reason})` : ''}`;
    throw failed(text, { result: 'error', 'virtual-hosts': down, message: text });
  },
};

export const checkIfNodeIsQuorumCritical: Command = {
  name: 'check_if_node_is_quorum_critical',
  section,
  description: 'Health check that exits with a non-zero code if there are queues with minimum online quorum (queues that would lose their quorum if the target node is shut down)',
  usage: '[--timeout <timeout>]',
  banner: (ctx) => `Checking if node ${ctx.node} is critical for quorum of any quorum queues ...`,
  async run(ctx) {
    const nodes: any[] = await ctx.api.get('/api/nodes');
    if (nodes.length <= 1) {
      return passed(`Node ${ctx.node} seems to be the only one in a single node cluster, the check does not apply`, {
        message: 'Target node seems to be the only one in a single node cluster, the check does not apply', result: 'ok',
      });
    }
    const { ok, body } = await healthCheck(ctx, '/api/health/checks/node-is-quorum-critical');
    if (ok) return passed(`Node ${ctx.node} reported no quorum queues with minimum quorum`);
    const queues: any[] = body.queues ?? [];
    const text = 'There are quorum queues that would lose their quorum if the target node is shut down' +
      (queues.length ? `:\n${queues.map((q) => `${q.name ?? q} in vhost ${q.vhost ?? '?'}`).join('\n')}` : '');
    throw failed(text, { result: 'error', queues, message: 'There are quorum queues that would lose their quorum if the target node is shut down' });
  },
};

export const checkPortListener: Command = {
  name: 'check_port_listener',
  section,
  description: 'Health check that exits with a non-zero code if target node does not have an active listener for given port',
  usage: '<port>',
  args: [{ name: '<port>', description: 'port to check' }],
  banner: (ctx) => `Asking node ${ctx.node} if there's an active listener on port ${ctx.args[0]} ...`,
  async run(ctx) {
    const port = ctx.args[0];
    if (!/^\d+$/.test(port)) throw new UsageError(`port must be a number, got '${port}'`);
    const { ok, body } = await healthCheck(ctx, `/api/health/checks/port-listener/${seg(port)}`);
    if (ok) return passed(`A listener for port ${port} is running on node ${ctx.node}.`, { node: ctx.node, port, result: 'ok' });
    const ports: number[] = body.ports ?? [];
    throw failed(
      `No listener for port ${port} is active on node ${ctx.node}. Found listeners that use the following ports: ${ports.join(', ')}`,
      { listeners: await nodeListeners(ctx), missing: port, ports, result: 'error' },
    );
  },
};

export const checkProtocolListener: Command = {
  name: 'check_protocol_listener',
  section,
  description: 'Health check that exits with a non-zero code if target node does not have an active listener for given protocol',
  usage: '<protocol>',
  args: [{ name: '<protocol>', description: 'protocol to check (amqp, amqp/ssl, http, https, prometheus...)' }],
  banner: (ctx) => `Asking node ${ctx.node} if there's an active listener for protocol ${ctx.args[0]} ...`,
  async run(ctx) {
    const protocol = ctx.args[0];
    const { ok, body } = await healthCheck(ctx, `/api/health/checks/protocol-listener/${seg(protocol)}`);
    // The node answers with the protocol's own name for an alias (amqp091 -> amqp), as rabbitmq-diagnostics prints it.
    const found = typeof body.protocol === 'string' ? body.protocol : protocol;
    if (ok) return passed(`A listener for protocol ${found} is running on node ${ctx.node}.`, { node: ctx.node, protocol: found, result: 'ok' });
    const protocols: string[] = body.protocols ?? [];
    // Unlike the port check, rabbitmq-diagnostics prints this failure under "Error:".
    throw new CtlError(
      ExitCode.unavailable,
      `No listener for protocol ${protocol} is active on node ${ctx.node}. Found listeners for the following protocols: ${protocols.join(', ')}`,
      { json: { listeners: await nodeListeners(ctx), missing: protocol, protocols, result: 'error' } },
    );
  },
};
