// list_connections, list_channels, list_consumers, close_connection, close_all_connections.
// Warren has no Erlang process ids: a connection's "pid" is its name ("peer -> listener"), a
// channel's is "connection name (number)" — the same ids the HTTP API and close_connection use.
import { seg } from '../client.js';
import { chosenColumns, type Command, type CommandContext } from '../command.js';
import { CtlError, ExitCode, UsageError } from '../errors.js';
import { listing, perVhost, type ColumnTable } from '../listing.js';

/** "AMQP 0-9-1" as rabbitmqctl shows the protocol: the version tuple {0,9,1}. */
const protocolVersion = (c: any) => {
  const m = /(\d+)-(\d+)-(\d+)/.exec(String(c.protocol ?? ''));
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : c.protocol;
};

const connectionColumns: ColumnTable = {
  auth_mechanism: {},
  channel_max: {},
  channels: {},
  client_properties: { kind: 'table' },
  connected_at: {},
  frame_max: {},
  host: {},
  name: {},
  peer_cert_issuer: {},
  peer_cert_subject: {},
  peer_cert_validity: {},
  peer_host: {},
  peer_port: {},
  pid: { get: (c) => c.name },
  port: {},
  protocol: { get: protocolVersion, kind: 'tuple' },
  recv_cnt: {},
  recv_oct: {},
  send_cnt: {},
  send_oct: {},
  send_pend: {},
  ssl: {},
  ssl_cipher: {},
  ssl_hash: {},
  ssl_key_exchange: {},
  ssl_protocol: {},
  state: {},
  timeout: {},
  user: {},
  vhost: {},
};

const channelColumns: ColumnTable = {
  acks_uncommitted: {},
  confirm: {},
  connection: { get: (ch) => ch.connection_details?.name },
  consumer_count: {},
  global_prefetch_count: {},
  messages_unacknowledged: {},
  messages_uncommitted: {},
  messages_unconfirmed: {},
  name: {},
  number: {},
  pid: { get: (ch) => ch.name },
  prefetch_count: {},
  transactional: {},
  user: {},
  vhost: {},
};

const consumerColumns: ColumnTable = {
  ack_required: {},
  active: {},
  activity_status: {},
  arguments: { kind: 'table' },
  channel_pid: { get: (c) => c.channel_details?.name },
  consumer_tag: {},
  prefetch_count: {},
  queue_name: { get: (c) => c.queue?.name },
};

/** The reason travels in the X-Reason header, which carries printable ASCII only. */
const headerText = (s: string) => s.replace(/[^\x20-\x7e]/g, '?');

/** Closes the given connections (as listed by the API) with a reason; how many it closed. */
async function closeEach(ctx: CommandContext, connections: { name: string }[], reason: string, delayMs = 0): Promise<number> {
  let closed = 0;
  for (const c of connections) {
    if (closed > 0 && delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const path = `/api/connections/${seg(c.name)}`;
    const answer = await ctx.api.request('DELETE', path, undefined, { 'x-reason': headerText(reason) });
    if (answer.status === 404) continue; // it closed by itself meanwhile
    if (answer.status >= 300) throw ctx.api.unexpected('DELETE', path, answer);
    closed++;
  }
  return closed;
}

const pidNote = 'Warren identifies a connection by its name (the pid column shows it) and a channel by\n' +
  '"<connection name> (<channel number>)".';

export const listConnections: Command = {
  name: 'list_connections',
  section: 'Monitoring, observability and health checks',
  description: 'Lists AMQP 0.9.1 connections for the node',
  usage: '[--no-table-headers] [<column> ...] [--timeout <timeout>]',
  args: [{ name: '<column>', count: 'many', description: `must be one of ${Object.keys(connectionColumns).join(', ')}` }],
  columns: { all: Object.keys(connectionColumns), defaults: ['user', 'peer_host', 'peer_port', 'state'] },
  notes: pidNote,
  banner: () => 'Listing connections ...',
  async run(ctx) {
    return listing(connectionColumns, chosenColumns(this, ctx.args), await ctx.api.get('/api/connections'));
  },
};

export const listChannels: Command = {
  name: 'list_channels',
  section: 'Monitoring, observability and health checks',
  description: 'Lists all channels in the node',
  usage: '[--no-table-headers] [<column> ...]',
  args: [{ name: '<column>', count: 'many', description: `must be one of ${Object.keys(channelColumns).join(', ')}` }],
  columns: { all: Object.keys(channelColumns), defaults: ['pid', 'user', 'consumer_count', 'messages_unacknowledged'] },
  notes: pidNote,
  banner: () => 'Listing channels ...',
  async run(ctx) {
    return listing(channelColumns, chosenColumns(this, ctx.args), await ctx.api.get('/api/channels'));
  },
};

export const listConsumers: Command = {
  name: 'list_consumers',
  section: 'Monitoring, observability and health checks',
  description: 'Lists all consumers for a vhost',
  usage: '[--vhost <vhost>] [--no-table-headers] [<column> ...] [--timeout <timeout>]',
  args: [{ name: '<column>', count: 'many', description: `must be one of ${Object.keys(consumerColumns).join(', ')}` }],
  columns: { all: Object.keys(consumerColumns), defaults: ['queue_name', 'channel_pid', 'consumer_tag', 'ack_required', 'prefetch_count', 'active', 'arguments'] },
  notes: pidNote,
  banner: (ctx) => `Listing consumers in vhost ${ctx.vhost} ...`,
  async run(ctx) {
    return listing(consumerColumns, chosenColumns(this, ctx.args), await perVhost(ctx, 'consumers'));
  },
};

export const closeConnection: Command = {
  name: 'close_connection',
  section: 'Operations',
  description: 'Instructs the broker to close the connection with the given name (pid)',
  usage: '<connection name> <explanation>',
  args: [
    { name: '<connection name>', description: 'connection name, as list_connections shows it in the name or pid column' },
    { name: '<explanation>', description: 'reason for connection closure' },
  ],
  notes: 'The client receives connection.close with 320 CONNECTION_FORCED and the explanation as text.',
  banner: (ctx) => `Closing connection ${ctx.args[0]}, reason: ${ctx.args[1]}...`,
  async run(ctx) {
    await ctx.api.expect('DELETE', `/api/connections/${seg(ctx.args[0])}`, undefined, {
      404: () => new CtlError(ExitCode.unavailable, `Connection '${ctx.args[0]}' not found on node ${ctx.node} (see list_connections name)`),
    }, { 'x-reason': headerText(ctx.args[1]) });
    return { type: 'none' };
  },
};

export const closeAllConnections: Command = {
  name: 'close_all_connections',
  section: 'Operations',
  description: 'Instructs the broker to close all connections for the specified vhost or entire node',
  usage: '[--vhost <vhost> --limit <limit>] [-n <node> --global] [--per-connection-delay <delay>] <explanation>',
  args: [{ name: '<explanation>', description: 'reason for connection closure' }],
  options: [
    { name: '--global', description: 'consider connections across all virtual hosts' },
    { name: '--limit', value: '<number>', description: 'close up to this many connections' },
    { name: '--per-connection-delay', value: '<milliseconds>', description: 'inject a delay between closures' },
  ],
  banner(ctx) {
    const reason = ctx.args[0];
    if (ctx.opts['--global']) return `Closing all connections to node ${ctx.node} (across all vhosts), reason: ${reason}...`;
    if (ctx.opts['--limit']) return `Closing ${ctx.opts['--limit']} connections in vhost ${ctx.vhost}, reason: ${reason}...`;
    return `Closing all connections in vhost ${ctx.vhost}, reason: ${reason}...`;
  },
  async run(ctx) {
    const limit = ctx.opts['--limit'] === undefined ? Infinity : Number(ctx.opts['--limit']);
    const delay = ctx.opts['--per-connection-delay'] === undefined ? 0 : Number(ctx.opts['--per-connection-delay']);
    if (!(limit >= 0)) throw new UsageError(`--limit must be a number of connections, got '${ctx.opts['--limit']}'`);
    if (!(delay >= 0)) throw new UsageError(`--per-connection-delay must be a number of milliseconds, got '${ctx.opts['--per-connection-delay']}'`);
    let connections: any[];
    if (ctx.opts['--global']) connections = await ctx.api.get('/api/connections');
    else {
      connections = await perVhost(ctx, 'vhosts', 'connections');
    }
    const closed = await closeEach(ctx, connections.slice(0, limit), ctx.args[0], delay);
    const text = `Closed ${closed} connections`;
    return { type: 'message', text, json: { message: text } };
  },
};

export const closeAllUserConnections: Command = {
  name: 'close_all_user_connections',
  section: 'Operations',
  description: 'Instructs the broker to close all connections of the specified user',
  usage: '<username> <explanation>',
  args: [
    { name: '<username>', description: 'Self-explanatory' },
    { name: '<explanation>', description: 'reason for connection closure, will be logged and provided to clients' },
  ],
  banner: (ctx) => `Closing connections of user ${ctx.args[0]}, reason: ${ctx.args[1]}...`,
  async run(ctx) {
    const all: any[] = await ctx.api.get('/api/connections');
    await closeEach(ctx, all.filter((c) => c.user === ctx.args[0]), ctx.args[1]);
    return { type: 'none' };
  },
};
