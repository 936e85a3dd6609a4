// list_vhosts, add_vhost, delete_vhost.
import { reasonOf, seg } from '../client.js';
import { chosenColumns, type Command } from '../command.js';
import { CtlError, ExitCode } from '../errors.js';
import { listing, type ColumnTable } from '../listing.js';

const vhostColumns: ColumnTable = {
  cluster_state: {
    // The API gives {node: state}; rabbitmqctl shows [{node,state}].
    get: (v) => (v.cluster_state && typeof v.cluster_state === 'object' ? Object.entries(v.cluster_state).map(([n, s]) => `{${n},${s}}`) : v.cluster_state),
    kind: 'atoms',
  },
  default_queue_type: {},
  description: {},
  name: {},
  tags: { kind: 'atoms' },
  tracing: {},
};

/** rabbitmqctl prints this one without the "Error:" heading, with exit code 65. */
export const noSuchVhost = (name: string) => new CtlError(ExitCode.dataErr, `Virtual host '${name}' does not exist`, { bare: true });

export const listVhosts: Command = {
  name: 'list_vhosts',
  section: 'Access Control',
  description: 'Lists virtual hosts',
  usage: '[--no-table-headers] [<column> ...] [--timeout <timeout>]',
  args: [{ name: '<column>', count: 'many', description: `must be one of ${Object.keys(vhostColumns).join(', ')}` }],
  columns: { all: Object.keys(vhostColumns), defaults: ['name'] },
  banner: () => 'Listing vhosts ...',
  async run(ctx) {
    return listing(vhostColumns, chosenColumns(this, ctx.args), await ctx.api.get('/api/vhosts'));
  },
};

export const addVhost: Command = {
  name: 'add_vhost',
  section: 'Virtual hosts',
  description: 'Creates a virtual host',
  usage: '<vhost> [--description <description> --tags "<tag1>,<tag2>,<...>" --default-queue-type <quorum|classic|stream>]',
  args: [{ name: '<vhost>', description: 'Virtual host name' }],
  options: [
    { name: '--description', value: '<description>', description: 'Virtual host description' },
    { name: '--tags', value: '<tags>', description: 'Comma separated list of tags' },
    { name: '--default-queue-type', value: '<quorum|classic|stream>', description: 'Queue type to use if no type is explicitly provided by the client' },
  ],
  notes: 'Adding a vhost that already exists succeeds and changes nothing but the given metadata.',
  banner: (ctx) => `Adding vhost "${ctx.args[0]}" ...`,
  async run(ctx) {
    const body: Record<string, unknown> = {};
    if (typeof ctx.opts['--description'] === 'string') body.description = ctx.opts['--description'];
    if (typeof ctx.opts['--tags'] === 'string') body.tags = ctx.opts['--tags'];
    if (typeof ctx.opts['--default-queue-type'] === 'string') body.default_queue_type = ctx.opts['--default-queue-type'];
    await ctx.api.expect('PUT', `/api/vhosts/${seg(ctx.args[0])}`, body, { 400: (answer) => new CtlError(ExitCode.dataErr, reasonOf(answer)) });
    return { type: 'none' };
  },
};

export const deleteVhost: Command = {
  name: 'delete_vhost',
  section: 'Virtual hosts',
  description: 'Deletes a virtual host',
  usage: '<vhost>',
  args: [{ name: '<vhost>', description: 'Name of the virtual host to delete.' }],
  notes: 'Its queues, exchanges, bindings, permissions and policies go with it; its connections are closed.',
  banner: (ctx) => `Deleting vhost "${ctx.args[0]}" ...`,
  async run(ctx) {
    await ctx.api.expect('DELETE', `/api/vhosts/${seg(ctx.args[0])}`, undefined, { 404: () => noSuchVhost(ctx.args[0]) });
    return { type: 'none' };
  },
};
