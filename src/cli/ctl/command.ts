// What a warrenctl verb is: its help (usage, description, arguments, options), how many positional
// arguments it takes, and what it does against the node's HTTP API.
import type { ApiClient } from './client.js';
import type { Formatter, Result } from './format.js';

/** Help sections, in the order `warrenctl help` lists them (rabbitmqctl's, plus diagnostics). */
export const sections = [
  'Help',
  'Nodes',
  'Cluster',
  'Users',
  'Access Control',
  'Monitoring, observability and health checks',
  'Parameters',
  'Policies',
  'Virtual hosts',
  'Configuration and Environment',
  'Definitions',
  'Operations',
  'Queues',
  'Shovel plugin',
] as const;
export type Section = (typeof sections)[number];

export interface ArgSpec {
  /** As written in the usage line, e.g. '<username>' or '[<column> ...]'. */
  name: string;
  description: string;
  /** How many positional values this argument may take. Default: exactly one. */
  count?: 'optional' | 'many';
}

export interface OptionSpec {
  /** e.g. '--priority'. */
  name: string;
  /** A short alias, e.g. '-e'. */
  alias?: string;
  /** Placeholder for the option's value; absent for a flag. */
  value?: string;
  description: string;
}

export interface Command {
  name: string;
  section: Section;
  /** One line, shown in `warrenctl help`. */
  description: string;
  /** The part of the usage line after the verb. */
  usage: string;
  args?: ArgSpec[];
  options?: OptionSpec[];
  /** For listing verbs: the columns that may be asked for, and those shown by default. */
  columns?: { all: readonly string[]; defaults: readonly string[] };
  /** Extra help paragraphs (what the verb does on Warren when that differs from RabbitMQ). */
  notes?: string;
  /** The informational line printed before running (hidden by -q, -s and --formatter json). */
  banner?(ctx: CommandContext): string | null;
  run(ctx: CommandContext): Promise<Result>;
}

export interface CommandContext {
  /** Positional arguments after the verb. */
  readonly args: string[];
  /** The verb's own options: the value given, or true for a flag. */
  readonly opts: Record<string, string | true>;
  /** -p/--vhost, default '/'. */
  readonly vhost: string;
  /** The node's name as shown in messages. */
  readonly node: string;
  readonly api: ApiClient;
  readonly formatter: Formatter;
  readonly quiet: boolean;
  readonly silent: boolean;
  readonly timeoutMs: number;
  /** Everything on standard input (for a password or definitions read from stdin). */
  readStdin(): Promise<string>;
}

/** The columns a listing shows: those asked for (separated by spaces or commas), or the defaults. */
export function chosenColumns(cmd: Command, args: string[]): string[] {
  const asked = args.flatMap((a) => a.split(',')).map((a) => a.trim()).filter(Boolean);
  return asked.length > 0 ? asked : [...(cmd.columns?.defaults ?? [])];
}
