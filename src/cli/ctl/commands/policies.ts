// list_policies, set_policy, clear_policy and their operator-policy twins.
import { reasonOf, seg } from '../client.js';
import type { Command } from '../command.js';
import { CtlError, ExitCode, UsageError } from '../errors.js';
import { listing, type ColumnTable } from '../listing.js';
import { noSuchVhost } from './vhosts.js';

const policyColumns: ColumnTable = {
  vhost: {},
  name: {},
  pattern: {},
  'apply-to': {},
  // rabbitmqctl shows the definition as compact JSON text, in tables and in --formatter json alike.
  definition: { get: (p) => JSON.stringify(p.definition) },
  priority: {},
};

/** The policy verbs for /api/policies (user policies) or /api/operator-policies. */
function policyVerbs(operator: boolean): Command[] {
  const kind = operator ? 'operator policy' : 'policy';
  const base = operator ? '/api/operator-policies' : '/api/policies';
  const suffix = operator ? 'operator_polic' : 'polic';
  return [
    {
      name: `list_${suffix}ies`,
      section: 'Policies',
      description: operator ? 'Lists operator policy overrides for a virtual host' : 'Lists all policies in a virtual host',
      usage: '[--vhost <vhost>] [--no-table-headers] [--timeout <timeout>]',
      banner: (ctx) => `Listing ${operator ? 'operator policy overrides' : 'policies'} for vhost "${ctx.vhost}" ...`,
      async run(ctx) {
        const answer = await ctx.api.expect('GET', `${base}/${seg(ctx.vhost)}`, undefined, { 404: () => noSuchVhost(ctx.vhost) });
        return listing(policyColumns, Object.keys(policyColumns), answer.body);
      },
    },
    {
      name: `set_${suffix}y`,
      section: 'Policies',
      description: operator ? 'Sets an operator policy that overrides a subset of arguments in user policies' : 'Sets or updates a policy',
      usage: '[--vhost <vhost>] [--priority <priority>] [--apply-to <apply-to>] <name> <pattern> <definition>',
      args: [
        { name: '<name>', description: `${kind} name (identifier)` },
        { name: '<pattern>', description: 'regular expression pattern that will be used to match queues, exchanges, etc' },
        { name: '<definition>', description: `${kind} definition (arguments). Must be a valid JSON document` },
      ],
      options: [
        { name: '--priority', value: '<priority>', description: `${kind} priority` },
        { name: '--apply-to', value: '<queues | exchanges | all>', description: `${kind} should only apply to queues, exchanges, or all entities (both of the above)` },
      ],
      banner: (ctx) => `Setting ${kind} "${ctx.args[0]}" for pattern "${ctx.args[1]}" to "${ctx.args[2]}" with priority "${ctx.opts['--priority'] ?? 0}" for vhost "${ctx.vhost}" ...`,
      async run(ctx) {
        const [name, pattern, text] = ctx.args;
        const priority = Number(ctx.opts['--priority'] ?? 0);
        if (!Number.isInteger(priority)) throw new UsageError(`--priority must be an integer, got '${ctx.opts['--priority']}'`);
        let definition: unknown;
        try {
          definition = JSON.parse(text);
        } catch (err) {
          throw new CtlError(ExitCode.unavailable, `JSON decoding error. Reason: ${(err as Error).message}`);
        }
        const body = { pattern, definition, priority, 'apply-to': ctx.opts['--apply-to'] ?? 'all' };
        await ctx.api.expect('PUT', `${base}/${seg(ctx.vhost)}/${seg(name)}`, body, {
          404: () => noSuchVhost(ctx.vhost),
          400: (answer) => new CtlError(ExitCode.unavailable, `Validation failed\n\n${reasonOf(answer)}\n`),
        });
        return { type: 'none' };
      },
    },
    {
      name: `clear_${suffix}y`,
      section: 'Policies',
      description: operator ? 'Clears an operator policy' : 'Clears (removes) a policy',
      usage: '[--vhost <vhost>] <name>',
      args: [{ name: '<name>', description: `name of the ${kind} to remove` }],
      banner: (ctx) => `Clearing ${kind} "${ctx.args[0]}" on vhost "${ctx.vhost}" ...`,
      async run(ctx) {
        await ctx.api.expect('DELETE', `${base}/${seg(ctx.vhost)}/${seg(ctx.args[0])}`, undefined, {
          404: () => new CtlError(ExitCode.unavailable, 'Parameter does not exist'),
        });
        return { type: 'none' };
      },
    },
  ];
}

export const policyCommands = policyVerbs(false);
export const operatorPolicyCommands = policyVerbs(true);
