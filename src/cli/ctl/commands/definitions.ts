// export_definitions, import_definitions: RabbitMQ's definitions JSON through /api/definitions.
import { readFileSync, writeFileSync } from 'node:fs';
import { reasonOf } from '../client.js';
import type { Command, OptionSpec } from '../command.js';
import { CtlError, ExitCode, UsageError } from '../errors.js';

const formatOption: OptionSpec = { name: '--format', value: '<json>', description: 'definitions format: json (Erlang term format is not supported)' };

function checkFormat(format: string | true | undefined): void {
  if (format !== undefined && format !== 'json') throw new UsageError(`format must be json ('${format}' is not supported by warrenctl)`);
}

export const exportDefinitions: Command = {
  name: 'export_definitions',
  section: 'Definitions',
  description: 'Exports definitions in JSON',
  usage: '<file_path | "-"> [--format <json>] [--timeout <timeout>]',
  args: [{ name: '<file>', description: 'Local file path to export to. Pass a dash (-) for stdout.' }],
  options: [formatOption],
  notes: 'The file holds users, vhosts, permissions, topic permissions, parameters, policies, queues,\n' +
    'exchanges and bindings in RabbitMQ\'s format: import_definitions (or RabbitMQ itself) reads it back.',
  banner: (ctx) => (ctx.args[0] === '-' ? null : `Exporting definitions in JSON to a file at "${ctx.args[0]}" ...`),
  async run(ctx) {
    checkFormat(ctx.opts['--format']);
    const definitions = await ctx.api.get('/api/definitions');
    const text = JSON.stringify(definitions);
    if (ctx.args[0] === '-') return { type: 'raw', text };
    try {
      writeFileSync(ctx.args[0], text);
    } catch (err) {
      throw new CtlError(ExitCode.dataErr, `Could not write to file ${ctx.args[0]}: ${(err as Error).message}`);
    }
    return { type: 'none' };
  },
};

export const importDefinitions: Command = {
  name: 'import_definitions',
  section: 'Definitions',
  description: 'Imports definitions in JSON',
  usage: '[<file_path | "-">] [--format <json>] [--skip-if-unchanged] [--timeout <timeout>]',
  args: [{ name: '[file]', count: 'optional', description: 'Local file path to import from. If omitted or "-", it is read from standard input' }],
  options: [formatOption, { name: '--skip-if-unchanged', description: 'accepted for compatibility; the import is always made' }],
  notes: 'The node applies the whole file before it answers, so the import is complete when the command returns.',
  banner: (ctx) => (ctx.args[0] === undefined || ctx.args[0] === '-'
    ? 'Importing definitions in JSON from standard input ...'
    : `Importing definitions in JSON from a file at "${ctx.args[0]}" ...`),
  async run(ctx) {
    checkFormat(ctx.opts['--format']);
    const file = ctx.args[0];
    let text: string;
    if (file === undefined || file === '-') text = await ctx.readStdin();
    else {
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new CtlError(ExitCode.dataErr, e.code === 'ENOENT' ? `File ${file} does not exist` : `Could not read file ${file}: ${e.message}`);
      }
    }
    let definitions: unknown;
    try {
      definitions = JSON.parse(text);
    } catch (err) {
      throw new CtlError(ExitCode.dataErr, `Failed to deserialise input (format: JSON) (error: ${(err as Error).message})`);
    }
    await ctx.api.expect('POST', '/api/definitions', definitions, {
      400: (answer) => new CtlError(ExitCode.dataErr, `Failed to import definitions: ${reasonOf(answer)}`),
    });
    const message = 'Successfully imported definitions.';
    return { type: 'message', text: message, json: { result: 'ok', message } };
  },
};
