// list_queues, purge_queue, delete_queue.
import { reasonOf, seg } from '../client.js';
import { chosenColumns, type Command } from '../command.js';
import { CtlError, ExitCode } from '../errors.js';
import { listing, orEmpty, perVhost, type ColumnTable } from '../listing.js';

/** A quorum queue's leader and members: the API's when it reports them, else the hosting node. */
const quorumOnly = (field: string, asList: boolean) => (q: any) => {
  if (q.type !== 'quorum') return '';
  const v = q[field] ?? (asList ? [q.node] : q.node);
  return v;
};

// rabbitmqctl 3.10.8's list_queues columns. Figures the node's API does not report print empty.
const queueColumns: ColumnTable = {
  arguments: { kind: 'table' },
  auto_delete: {},
  consumer_capacity: {},
  consumer_utilisation: {},
  consumers: {},
  disk_reads: {},
  disk_writes: {},
  durable: {},
  exclusive: {},
  exclusive_consumer_pid: {},
  exclusive_consumer_tag: { get: (q) => orEmpty(q.exclusive_consumer_tag) },
  head_message_timestamp: { get: (q) => orEmpty(q.head_message_timestamp) },
  leader: { get: quorumOnly('leader', false) },
  members: { get: quorumOnly('members', true), kind: 'atoms' },
  memory: {},
  message_bytes: {},
  message_bytes_persistent: {},
  message_bytes_ram: {},
  message_bytes_ready: {},
  message_bytes_unacknowledged: {},
  messages: {},
  messages_persistent: {},
  messages_ram: {},
  messages_ready: {},
  messages_ready_ram: {},
  messages_unacknowledged: {},
  messages_unacknowledged_ram: {},
  name: {},
  online: { get: quorumOnly('online', true), kind: 'atoms' },
  owner_pid: {},
  pid: {},
  policy: { get: (q) => orEmpty(q.policy) },
  slave_pids: { get: (q) => orEmpty(q.slave_pids) },
  state: {},
  synchronised_slave_pids: { get: (q) => orEmpty(q.synchronised_slave_pids) },
  type: {},
};

export const listQueues: Command = {
  name: 'list_queues',
  section: 'Monitoring, observability and health checks',
  description: 'Lists queues and their properties',
  usage: '[--vhost <vhost>] [--online] [--offline] [--local] [--no-table-headers] [<column>, ...] [--timeout <timeout>]',
  args: [{ name: '<column>', count: 'many', description: `must be one of ${Object.keys(queueColumns).join(', ')}` }],
  options: [
    { name: '--online', description: 'lists only queues on online (reachable) nodes' },
    { name: '--offline', description: 'lists only queues on offline (unreachable) nodes' },
    { name: '--local', description: 'only return queues hosted on the target node' },
  ],
  columns: { all: Object.keys(queueColumns), defaults: ['name', 'messages'] },
  notes: 'Columns the node does not report (pid, memory and disk figures where not measured) are printed empty.\n' +
    'A Warren node answers for every queue it hosts, so --online and --local list them all and --offline none.',
  banner: (ctx) => `Timeout: ${(ctx.timeoutMs / 1000).toFixed(1)} seconds ...\nListing queues for vhost ${ctx.vhost} ...`,
  async run(ctx) {
    const queues = await perVhost(ctx, 'queues');
    return listing(queueColumns, chosenColumns(this, ctx.args), ctx.opts['--offline'] ? [] : queues);
  },
};

export const purgeQueue: Command = {
  name: 'purge_queue',
  section: 'Queues',
  description: 'Purges a queue (removes all messages in it)',
  usage: '[--vhost <vhost>] <queue> [--timeout <timeout>]',
  args: [{ name: '<queue>', description: 'Name of the queue to purge' }],
  banner: (ctx) => `Purging queue '${ctx.args[0]}' in vhost '${ctx.vhost}' ...`,
  async run(ctx) {
    await ctx.api.expect('DELETE', `/api/queues/${seg(ctx.vhost)}/${seg(ctx.args[0])}/contents`, undefined, {
      404: () => new CtlError(ExitCode.unavailable, `Queue '${ctx.args[0]}' in vhost '${ctx.vhost}' not found`),
    });
    return { type: 'none' };
  },
};

export const deleteQueue: Command = {
  name: 'delete_queue',
  section: 'Queues',
  description: 'Deletes a queue',
  usage: '[--vhost <vhost>] <queue_name> [--if-empty|-e] [--if-unused|-u] [--timeout <timeout>]',
  args: [{ name: '<queue_name>', description: 'name of the queue to delete' }],
  options: [
    { name: '--if-empty', alias: '-e', description: 'delete the queue if it is empty (has no messages ready for delivery)' },
    { name: '--if-unused', alias: '-u', description: 'delete the queue only if it has no consumers' },
  ],
  banner(ctx) {
    const conditions = [ctx.opts['--if-empty'] && 'if queue is empty', ctx.opts['--if-unused'] && 'if queue is unused'].filter(Boolean);
    return `Deleting queue '${ctx.args[0]}' on vhost '${ctx.vhost}' ${conditions.length ? conditions.join(' and ') + ' ' : ''}...`;
  },
  async run(ctx) {
    const path = `/api/queues/${seg(ctx.vhost)}/${seg(ctx.args[0])}`;
    // rabbitmqctl exits with 64 (usage) for these three, and so does warrenctl.
    const notFound = () => new CtlError(ExitCode.usage, 'Queue not found');
    const found = await ctx.api.expect('GET', path, undefined, { 404: notFound });
    const ready = Number(found.body.messages_ready ?? 0);
    if (ctx.opts['--if-empty'] && ready > 0) throw new CtlError(ExitCode.usage, 'Queue is not empty');
    if (ctx.opts['--if-unused'] && Number(found.body.consumers ?? 0) > 0) throw new CtlError(ExitCode.usage, 'Queue is in use');
    const query = [ctx.opts['--if-empty'] && 'if-empty=true', ctx.opts['--if-unused'] && 'if-unused=true'].filter(Boolean).join('&');
    // The node re-checks the conditions; a consumer or message that arrived meanwhile stops the delete.
    await ctx.api.expect('DELETE', path + (query ? `?${query}` : ''), undefined, {
      404: notFound,
      400: (answer) => new CtlError(ExitCode.usage, /in use/.test(reasonOf(answer)) ? 'Queue is in use' : 'Queue is not empty'),
    });
    const text = `Queue was successfully deleted with ${ready} ready messages`;
    return { type: 'message', text, json: { message: text } };
  },
};
