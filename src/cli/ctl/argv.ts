// warrenctl's command line: rabbitmqctl's general options (accepted before or after the verb), the
// connection options of an HTTP client, and each verb's own options.
import type { Command } from './command.js';
import { UsageError } from './errors.js';

export interface GeneralOptions {
  node?: string;
  vhost?: string;
  timeout?: string;
  formatter?: string;
  host?: string;
  port?: string;
  username?: string;
  password?: string;
  quiet: boolean;
  silent: boolean;
  noTableHeaders: boolean;
  help: boolean;
}

export interface ParsedCommandLine {
  /** The verb, if any was given. */
  verb?: string;
  positionals: string[];
  general: GeneralOptions;
  /** The verb's own options (long names as keys): the value, or true for a flag. */
  commandOpts: Record<string, string | true>;
}

type ValueKey = 'node' | 'vhost' | 'timeout' | 'formatter' | 'host' | 'port' | 'username' | 'password';
type FlagKey = 'quiet' | 'silent' | 'noTableHeaders' | 'help' | 'ignored';

const valueOptions: Record<string, ValueKey> = {
  '-n': 'node', '--node': 'node',
  '-p': 'vhost', '--vhost': 'vhost',
  '-t': 'timeout', '--timeout': 'timeout',
  '--formatter': 'formatter',
  '--host': 'host', '--hostname': 'host',
  '--port': 'port',
  '--username': 'username',
  '--password': 'password',
};

const flagOptions: Record<string, FlagKey> = {
  '-q': 'quiet', '--quiet': 'quiet',
  '-s': 'silent', '--silent': 'silent',
  '--no-table-headers': 'noTableHeaders',
  '-?': 'help', '-h': 'help', '--help': 'help',
  // Accepted for compatibility with rabbitmqctl command lines; they mean nothing over HTTP.
  '-l': 'ignored', '--longnames': 'ignored',
};

const isOption = (token: string) => token.length > 1 && token.startsWith('-');

/**
 * Splits the command line. Options may come before or after the verb, as '--name value' or
 * '--name=value'; '--' ends the options (for a password that starts with '-').
 */
export function parseCommandLine(argv: string[], findCommand: (verb: string) => Command | undefined): ParsedCommandLine {
  const verb = findVerb(argv);
  const command = verb === undefined ? undefined : findCommand(verb);
  const general: GeneralOptions = { quiet: false, silent: false, noTableHeaders: false, help: false };
  const commandOpts: Record<string, string | true> = {};
  const positionals: string[] = [];
  let verbSeen = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!isOption(token)) {
      if (!verbSeen && token === verb) verbSeen = true;
      else positionals.push(token);
      continue;
    }
    const eq = token.startsWith('--') ? token.indexOf('=') : -1;
    const name = eq > 0 ? token.slice(0, eq) : token;
    const inline = eq > 0 ? token.slice(eq + 1) : undefined;
    const takeValue = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`option ${name} needs a value`);
      i++;
      return next;
    };
    if (valueOptions[name]) {
      general[valueOptions[name]] = takeValue();
      continue;
    }
    if (flagOptions[name]) {
      const key = flagOptions[name];
      if (key !== 'ignored') general[key] = true;
      continue;
    }
    const spec = command?.options?.find((o) => o.name === name || o.alias === name);
    if (!spec) throw new UsageError(`Invalid options for this command:\n${name} : ${inline ?? ''}`);
    commandOpts[spec.name] = spec.value ? takeValue() : true;
  }
  return { verb, positionals, general, commandOpts };
}

/** The first token that is neither an option nor a general option's value. */
function findVerb(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') return argv[i + 1];
    if (!isOption(token)) return token;
    if (valueOptions[token]) i++;
  }
  return undefined;
}
