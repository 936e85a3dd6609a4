// shovel_status and delete_shovel, as the rabbitmq_shovel plugin adds them to rabbitmqctl.
import { seg } from '../client.js';
import type { Command } from '../command.js';
import { CtlError, ExitCode } from '../errors.js';

/**
 * A shovel's line as rabbitmqctl shows it: keys in alphabetical order, only those the shovel has
 * (the connection details once it runs), so lines differ in length.
 */
function statusRow(s: any): Record<string, unknown> {
  const row: Record<string, unknown> = {
    destination: s.dest_uri ?? '',
    destination_exchange: s.dest_exchange,
    destination_exchange_key: s.dest_exchange_key,
    destination_protocol: s.dest_protocol,
    destination_queue: s.dest_queue,
    last_changed: s.timestamp,
    name: s.name,
    source: s.src_uri ?? '',
    source_exchange: s.src_exchange,
    source_exchange_key: s.src_exchange_key,
    source_protocol: s.src_protocol,
    source_queue: s.src_queue,
    state: s.state,
    termination_reason: s.reason ?? '',
    type: s.type,
    vhost: s.vhost,
  };
  for (const k of Object.keys(row)) if (row[k] === undefined) delete row[k];
  return row;
}

const shovelNotFound = (node: string, vhost: string) =>
  new CtlError(ExitCode.unavailable, `Shovel with the given name was not found on the target node '${node}' and / or virtual host '${vhost}'`);

export const shovelStatus: Command = {
  name: 'shovel_status',
  section: 'Shovel plugin',
  description: 'Displays status of Shovel on a node',
  usage: '',
  banner: (ctx) => `Shovel status on node ${ctx.node}`,
  async run(ctx) {
    const all: any[] = await ctx.api.get('/api/shovels');
    return { type: 'records', rows: all.map(statusRow) };
  },
};

export const deleteShovel: Command = {
  name: 'delete_shovel',
  section: 'Shovel plugin',
  description: 'Deletes a Shovel',
  usage: '[--vhost <vhost>] <name>',
  args: [{ name: '<name>', description: 'Shovel to delete' }],
  banner: (ctx) => `Deleting shovel ${ctx.args[0]} in vhost ${ctx.vhost}`,
  async run(ctx) {
    await ctx.api.expect('DELETE', `/api/shovels/vhost/${seg(ctx.vhost)}/${seg(ctx.args[0])}`, undefined, { 404: () => shovelNotFound(ctx.node, ctx.vhost) });
    return { type: 'none' };
  },
};

export const restartShovel: Command = {
  name: 'restart_shovel',
  section: 'Shovel plugin',
  description: 'Restarts a dynamic Shovel',
  usage: '<name>',
  args: [{ name: '<name>', description: 'name of the Shovel to restart' }],
  banner: (ctx) => `Restarting dynamic Shovel ${ctx.args[0]} in virtual host ${ctx.vhost} on node ${ctx.node}`,
  async run(ctx) {
    await ctx.api.expect('DELETE', `/api/shovels/vhost/${seg(ctx.vhost)}/${seg(ctx.args[0])}/restart`, undefined, { 404: () => shovelNotFound(ctx.node, ctx.vhost) });
    return { type: 'none' };
  },
};
