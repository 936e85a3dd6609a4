// Runtime parameters (list_parameters, set_parameter, clear_parameter), global parameters
// (list_global_parameters, set_global_parameter, clear_global_parameter) and set_cluster_name.
import { reasonOf, seg } from '../client.js';
import type { Command } from '../command.js';
import { CtlError, ExitCode } from '../errors.js';
import { listing, type ColumnTable } from '../listing.js';
import { noSuchVhost } from './vhosts.js';

// rabbitmqctl shows parameter values as JSON text, in tables and in --formatter json alike.
const valueColumn = { get: (p: any) => JSON.stringify(p.value) };
const parameterColumns: ColumnTable = { component: {}, name: {}, value: valueColumn };
const globalColumns: ColumnTable = { name: {}, value: valueColumn };

/** A parameter value given on the command line: JSON. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CtlError(ExitCode.unavailable, `JSON decoding error. Reason: ${(err as Error).message}`);
  }
}

const validationFailed = (answer: { body: any; status: number }) => new CtlError(ExitCode.unavailable, `Validation failed\n\n${reasonOf(answer)}\n`);
const noSuchParameter = () => new CtlError(ExitCode.unavailable, 'Parameter does not exist');

export const listParameters: Command = {
  name: 'list_parameters',
  section: 'Parameters',
  description: 'Lists runtime parameters for a virtual host',
  usage: '[--vhost <vhost>] [--no-table-headers] [--timeout <timeout>]',
  banner: (ctx) => `Listing runtime parameters for vhost "${ctx.vhost}" ...`,
  async run(ctx) {
    const all: any[] = await ctx.api.get('/api/parameters');
    return listing(parameterColumns, Object.keys(parameterColumns), all.filter((p) => p.vhost === ctx.vhost));
  },
};

export const setParameter: Command = {
  name: 'set_parameter',
  section: 'Parameters',
  description: 'Sets a runtime parameter',
  usage: '[--vhost <vhost>] <component_name> <name> <value>',
  args: [
    { name: '<component_name>', description: 'component name' },
    { name: '<name>', description: 'parameter name (identifier)' },
    { name: '<value>', description: 'parameter value (JSON)' },
  ],
  banner: (ctx) => `Setting runtime parameter "${ctx.args[1]}" for component "${ctx.args[0]}" to "${ctx.args[2]}" in vhost "${ctx.vhost}" ...`,
  async run(ctx) {
    const [component, name, text] = ctx.args;
    const value = parseValue(text);
    await ctx.api.expect('PUT', `/api/parameters/${seg(component)}/${seg(ctx.vhost)}/${seg(name)}`, { component, vhost: ctx.vhost, name, value }, {
      404: () => noSuchVhost(ctx.vhost),
      400: validationFailed,
    });
    return { type: 'none' };
  },
};

export const clearParameter: Command = {
  name: 'clear_parameter',
  section: 'Parameters',
  description: 'Clears a runtime parameter',
  usage: '[--vhost <vhost>] <component_name> <name>',
  args: [
    { name: '<component_name>', description: 'component name' },
    { name: '<name>', description: 'parameter name (identifier)' },
  ],
  banner: (ctx) => `Clearing runtime parameter "${ctx.args[1]}" for component "${ctx.args[0]}" on vhost "${ctx.vhost}" ...`,
  async run(ctx) {
    const [component, name] = ctx.args;
    await ctx.api.expect('DELETE', `/api/parameters/${seg(component)}/${seg(ctx.vhost)}/${seg(name)}`, undefined, { 404: noSuchParameter });
    return { type: 'none' };
  },
};

export const listGlobalParameters: Command = {
  name: 'list_global_parameters',
  section: 'Parameters',
  description: 'Lists global runtime parameters',
  usage: '[--no-table-headers] [--timeout <timeout>]',
  banner: () => 'Listing global runtime parameters ...',
  async run(ctx) {
    return listing(globalColumns, Object.keys(globalColumns), await ctx.api.get('/api/global-parameters'));
  },
};

export const setGlobalParameter: Command = {
  name: 'set_global_parameter',
  section: 'Parameters',
  description: 'Sets a global runtime parameter',
  usage: '<name> <value>',
  args: [
    { name: '<name>', description: 'global parameter name (identifier)' },
    { name: '<value>', description: 'parameter value (JSON)' },
  ],
  banner: (ctx) => `Setting global runtime parameter "${ctx.args[0]}" to "${ctx.args[1]}" ...`,
  async run(ctx) {
    const [name, text] = ctx.args;
    await ctx.api.expect('PUT', `/api/global-parameters/${seg(name)}`, { name, value: parseValue(text) }, { 400: validationFailed });
    return { type: 'none' };
  },
};

export const clearGlobalParameter: Command = {
  name: 'clear_global_parameter',
  section: 'Parameters',
  description: 'Clears a global runtime parameter',
  usage: '<name>',
  args: [{ name: '<name>', description: 'global parameter name (identifier)' }],
  banner: (ctx) => `Clearing global runtime parameter "${ctx.args[0]}" ...`,
  async run(ctx) {
    await ctx.api.expect('DELETE', `/api/global-parameters/${seg(ctx.args[0])}`, undefined, { 404: noSuchParameter });
    return { type: 'none' };
  },
};

export const setClusterName: Command = {
  name: 'set_cluster_name',
  section: 'Configuration and Environment',
  description: 'Sets the cluster name',
  usage: '<name>',
  args: [{ name: '<name>', description: 'New cluster name' }],
  banner: (ctx) => `Setting cluster name to ${ctx.args[0]} ...`,
  async run(ctx) {
    await ctx.api.expect('PUT', '/api/cluster-name', { name: ctx.args[0] }, { 400: (answer) => new CtlError(ExitCode.dataErr, reasonOf(answer)) });
    return { type: 'none', json: { node: ctx.node, result: 'ok' } };
  },
};
