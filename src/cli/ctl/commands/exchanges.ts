// list_exchanges, list_bindings.
import { chosenColumns, type Command } from '../command.js';
import { listing, orEmpty, perVhost, type ColumnTable } from '../listing.js';

const exchangeColumns: ColumnTable = {
  arguments: { kind: 'table' },
  auto_delete: {},
  durable: {},
  internal: {},
  name: {},
  policy: { get: (e) => orEmpty(e.policy) },
  type: {},
};

const bindingColumns: ColumnTable = {
  arguments: { kind: 'table' },
  destination_kind: { get: (b) => b.destination_type },
  destination_name: { get: (b) => b.destination },
  routing_key: {},
  source_kind: { get: () => 'exchange' },
  source_name: { get: (b) => b.source },
};

export const listExchanges: Command = {
  name: 'list_exchanges',
  section: 'Monitoring, observability and health checks',
  description: 'Lists exchanges',
  usage: '[--vhost <vhost>] [--no-table-headers] [<column> ...] [--timeout <timeout>]',
  args: [{ name: '<column>', count: 'many', description: `must be one of ${Object.keys(exchangeColumns).join(', ')}` }],
  columns: { all: Object.keys(exchangeColumns), defaults: ['name', 'type'] },
  banner: (ctx) => `Listing exchanges for vhost ${ctx.vhost} ...`,
  async run(ctx) {
    return listing(exchangeColumns, chosenColumns(this, ctx.args), await perVhost(ctx, 'exchanges'));
  },
};

export const listBindings: Command = {
  name: 'list_bindings',
  section: 'Monitoring, observability and health checks',
  description: 'Lists all bindings on a vhost',
  usage: '[--vhost <vhost>] [--no-table-headers] [<column> ...] [--timeout <timeout>]',
  args: [{ name: '<column>', count: 'many', description: `must be one of ${Object.keys(bindingColumns).join(', ')}` }],
  columns: { all: Object.keys(bindingColumns), defaults: ['source_name', 'source_kind', 'destination_name', 'destination_kind', 'routing_key', 'arguments'] },
  banner: (ctx) => `Listing bindings for vhost ${ctx.vhost}...`,
  async run(ctx) {
    return listing(bindingColumns, chosenColumns(this, ctx.args), await perVhost(ctx, 'bindings'));
  },
};
