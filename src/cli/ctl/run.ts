// One warrenctl invocation: parse, validate, print the banner, run the verb against the node,
// print its result; every failure becomes rabbitmqctl's message layout and exit code.
import { parseCommandLine, type ParsedCommandLine } from './argv.js';
import { ApiClient } from './client.js';
import { chosenColumns, type Command, type CommandContext } from './command.js';
import { commands } from './commands/index.js';
import { resolveEndpoint } from './endpoint.js';
import { CtlError, ExitCode, UsageError } from './errors.js';
import { formatters, render, type Formatter } from './format.js';
import { commandHelp, globalHelp, usageLine } from './help.js';
import { checkColumns } from './listing.js';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** All of standard input (or its first line when it is a terminal). */
  readStdin(): Promise<string>;
}

export async function runCli(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  let parsed: ParsedCommandLine | undefined;
  let command: Command | undefined;
  let formatter: Formatter = 'table';
  try {
    parsed = parseCommandLine(argv, (verb) => commands.get(verb));
    const { verb, general, positionals } = parsed;
    if (verb === undefined) {
      if (general.help) return print(io, globalHelp(commands.values()), ExitCode.ok);
      io.stderr(globalHelp(commands.values()));
      return ExitCode.usage;
    }
    if (verb === 'help') return help(io, positionals[0]);
    command = commands.get(verb);
    if (!command) {
      io.stderr(`\nCommand '${verb}' not found. \n\nUse 'warrenctl help' to list the available commands.\n`);
      return ExitCode.usage;
    }
    if (general.help) return print(io, commandHelp(command), ExitCode.ok);
    checkArgumentCount(command, positionals);
    if (command.columns) checkColumns(command.columns.all, chosenColumns(command, positionals));
    if (general.formatter !== undefined) {
      if (!formatters.includes(general.formatter as Formatter)) {
        throw new UsageError(`Invalid formatter: ${general.formatter}. Use one of: ${formatters.join(', ')}`);
      }
      formatter = general.formatter as Formatter;
    }
    const endpoint = resolveEndpoint(general, env);
    const ctx: CommandContext = {
      args: positionals,
      opts: parsed.commandOpts,
      vhost: general.vhost ?? '/',
      node: endpoint.node,
      api: new ApiClient(endpoint),
      formatter,
      quiet: general.quiet,
      silent: general.silent,
      timeoutMs: endpoint.timeoutMs,
      readStdin: io.readStdin,
    };
    if (!general.quiet && !general.silent && formatter !== 'json' && command.banner) {
      const banner = command.banner(ctx);
      if (banner) io.stdout(banner + '\n');
    }
    const result = await command.run(ctx);
    io.stdout(render(result, { formatter, quiet: general.quiet, silent: general.silent, noTableHeaders: general.noTableHeaders, emptyListLine: !command.columns }));
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof UsageError) {
      const usage = command ? `\n\nUsage\n\n${usageLine(command)}` : "\n\nUse 'warrenctl help' for usage.";
      io.stderr(`Error (argument validation): ${err.message}\nArguments given:\n\t${argv.join(' ')}${usage}\n`);
      return ExitCode.usage;
    }
    if (err instanceof CtlError) {
      if (formatter === 'json' && err.options.json !== undefined) io.stderr(JSON.stringify(err.options.json) + '\n');
      else io.stderr(err.options.bare ? `${err.message}\n` : `Error:\n${err.message}\n`);
      return err.code;
    }
    io.stderr(`Error:\n${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    return ExitCode.software;
  }
}

function print(io: Io, text: string, code: number): number {
  io.stdout(text);
  return code;
}

function help(io: Io, verb: string | undefined): number {
  if (verb === undefined) return print(io, globalHelp(commands.values()), ExitCode.ok);
  const command = commands.get(verb);
  if (!command) {
    io.stderr(`Error:\n\nCommand '${verb}' not found.\n`);
    return ExitCode.usage;
  }
  return print(io, commandHelp(command), ExitCode.ok);
}

/** rabbitmqctl's "not enough arguments" / "too many arguments" (exit code 64). */
function checkArgumentCount(cmd: Command, given: string[]): void {
  const args = cmd.args ?? [];
  const min = args.filter((a) => a.count === undefined).length;
  const max = args.some((a) => a.count === 'many') ? Infinity : args.length;
  if (given.length < min) throw new UsageError('not enough arguments.');
  if (given.length > max) throw new UsageError('too many arguments.');
}
