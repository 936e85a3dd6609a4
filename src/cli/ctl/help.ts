// `warrenctl help` and `warrenctl help <command>`, laid out as rabbitmqctl's help.
import { sections, type Command } from './command.js';
import { DEFAULT_HTTP_PORT, DEFAULT_TIMEOUT_SECONDS } from './endpoint.js';

const prefix = 'warrenctl [--node <node>] [--host <host>] [--port <port>] [--quiet]';

const generalOptions = `General Options

The following options are accepted by all commands, before or after the command name.

short            | long                  | description
-----------------|-----------------------|--------------------------------
-?, -h           | --help                | displays command help
-n <node>        | --node <node>         | node to talk to; name@HOST selects HOST (default: localhost)
                 | --host <host>         | host of the node's management HTTP API (overrides -n)
                 | --port <port>         | management HTTP API port (default ${DEFAULT_HTTP_PORT})
                 | --username <user>     | management user (default guest)
                 | --password <password> | its password (default guest)
-t <seconds>     | --timeout <seconds>   | operation timeout (default ${DEFAULT_TIMEOUT_SECONDS})
-q               | --quiet               | suppress informational messages
-s               | --silent              | suppress informational messages
                                         | and table header row
-p <vhost>       | --vhost <vhost>       | for commands that are scoped to a virtual host,
                 |                       | virtual host to use (default /)
                 | --formatter <name>    | result format: table (default), json, pretty_table, csv
                 | --no-table-headers    | omit the table header row
-l               | --longnames           | accepted for compatibility; ignored

Environment: WARRENCTL_URL (or WARREN_HTTP_URL), e.g. http://admin:secret@mq1:15672, sets the
API's address and credentials; the options above override it.`;

const exitCodes = `Exit codes (as rabbitmqctl's)

 0   success
 64  usage error: unknown command or option, wrong number of arguments, unknown column
 65  data error: unreadable input, failed authentication, missing virtual host
 67  the named user does not exist
 69  node unreachable, object not found, or a failed health check
 70  the node answered unexpectedly (internal error, unsupported API)
 75  the operation timed out (--timeout)
 77  the CLI's user lacks the management tag the command needs`;

function line(name: string, description: string): string {
  return `   ${name.padEnd(33)} ${description}`;
}

/** The list of commands by section, with the general options. */
export function globalHelp(commands: Iterable<Command>): string {
  const list = [...commands];
  const out = [
    'Usage', '',
    `${prefix} <command> [<command options>]`, '',
    'Manages a Warren node (RabbitMQ compatible) through its management HTTP API, with rabbitmqctl\'s',
    'commands, options, output and exit codes. Diagnostics (ping, check_*) suit Kubernetes probes.', '',
    'Available commands:', '',
  ];
  for (const section of sections) {
    const inSection = list.filter((c) => c.section === section).sort((a, b) => (a.name < b.name ? -1 : 1));
    const entries = section === 'Help' ? [line('help', 'Displays usage information for a command'), ...inSection.map((c) => line(c.name, c.description))] : inSection.map((c) => line(c.name, c.description));
    if (entries.length === 0) continue;
    out.push(`${section}:`, '', ...entries, '');
  }
  out.push("Use 'warrenctl help <command>' to learn more about a specific command", '', generalOptions, '', exitCodes, '');
  return out.join('\n');
}

/** One command's usage, arguments and options. */
export function commandHelp(cmd: Command): string {
  const out = ['Usage', '', `${prefix} ${cmd.name}${cmd.usage ? ' ' + cmd.usage : ''}`, '', `${cmd.description}${cmd.description.endsWith('.') ? '' : '.'}`, ''];
  const items = [
    ...(cmd.args ?? []).map((a) => [a.name, a.description]),
    ...(cmd.options ?? []).map((o) => [`${o.name}${o.alias ? `, ${o.alias}` : ''}${o.value ? ` ${o.value}` : ''}`, o.description]),
  ];
  if (items.length > 0) {
    out.push('', 'Arguments and Options', '');
    for (const [name, description] of items) out.push(name, `\t${description}`, '');
  }
  if (cmd.columns) out.push(`Default columns: ${cmd.columns.defaults.join(' ')}`, '');
  if (cmd.notes) out.push('', 'Notes', '', cmd.notes, '');
  out.push('', generalOptions, '');
  return out.join('\n');
}

/** The usage line alone (printed after an argument validation error). */
export function usageLine(cmd: Command): string {
  return `${prefix} ${cmd.name}${cmd.usage ? ' ' + cmd.usage : ''}`;
}
