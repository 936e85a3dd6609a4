// Virtual host and user limits: list_vhost_limits, set_vhost_limits, clear_vhost_limits,
// list_user_limits, set_user_limits, clear_user_limits. The API sets limits one at a time
// (/api/vhost-limits/{vhost}/{name}); rabbitmqctl's set_* replace the whole definition, so
// warrenctl sets the given limits and clears the ones the new definition leaves out.
import { reasonOf, seg } from '../client.js';
import type { Command, CommandContext } from '../command.js';
import { CtlError, ExitCode } from '../errors.js';
import { listing } from '../listing.js';
import { noSuchVhost } from './vhosts.js';

interface Scope {
  /** API collection: 'vhost-limits' or 'user-limits'. */
  collection: string;
  /** The vhost or user the limits belong to. */
  owner: string;
  /** The error when the owner does not exist. */
  missing: () => CtlError;
  /** rabbitmqctl's text for a definition the node refused (the node's reason without its wrapping). */
  invalid: (why: string) => string;
  /** The limits in the order rabbitmqctl prints them. */
  order: (limits: Record<string, unknown>) => Record<string, unknown>;
}

// Vhost limits are kept as given (RabbitMQ stores them as a list); user limits are an Erlang map,
// printed sorted by name, and their validation errors come without "Validation failed".
const vhostScope = (ctx: CommandContext): Scope => ({
  collection: 'vhost-limits',
  owner: ctx.vhost,
  missing: () => noSuchVhost(ctx.vhost),
  invalid: (why) => `Validation failed\n\n${why}\n`,
  order: (limits) => limits,
});
const userScope = (user: string): Scope => ({
  collection: 'user-limits',
  owner: user,
  // rabbitmqctl 3.10.8 reports a missing user here as the Erlang error term, exit code 69.
  missing: () => new CtlError(ExitCode.unavailable, `{:no_such_user, ${JSON.stringify(user)}}`),
  invalid: (why) => why,
  order: (limits) => Object.fromEntries(Object.entries(limits).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
});

/** The owner's limits as an object ({} when none is set). */
async function currentLimits(ctx: CommandContext, scope: Scope): Promise<Record<string, unknown>> {
  const answer = await ctx.api.expect('GET', `/api/${scope.collection}/${seg(scope.owner)}`, undefined, { 404: scope.missing });
  return scope.order((answer.body as any[])[0]?.value ?? {});
}

function parseDefinition(text: string): Record<string, unknown> {
  let definition: unknown;
  try {
    definition = JSON.parse(text);
  } catch (err) {
    throw new CtlError(ExitCode.unavailable, `JSON decoding error. Reason: ${(err as Error).message}`);
  }
  if (definition === null || typeof definition !== 'object' || Array.isArray(definition)) {
    throw new CtlError(ExitCode.unavailable, 'Validation failed\n\nlimits must be a JSON object such as {"max-connections": 100}\n');
  }
  return definition as Record<string, unknown>;
}

async function setLimit(ctx: CommandContext, scope: Scope, name: string, value: unknown): Promise<void> {
  await ctx.api.expect('PUT', `/api/${scope.collection}/${seg(scope.owner)}/${seg(name)}`, { value }, {
    404: scope.missing,
    400: (answer) => {
      if (/no_such_user/.test(JSON.stringify(answer.body))) return scope.missing();
      const reason = reasonOf(answer);
      const why = reason.replace(/^Validation failed\n\n/, '').replace(/\n$/, '');
      return new CtlError(ExitCode.unavailable, scope.invalid(why));
    },
  });
}

async function clearLimit(ctx: CommandContext, scope: Scope, name: string): Promise<void> {
  await ctx.api.expect('DELETE', `/api/${scope.collection}/${seg(scope.owner)}/${seg(name)}`, undefined, { 404: scope.missing });
}

/** Makes the owner's limits exactly `definition`. */
async function replaceLimits(ctx: CommandContext, scope: Scope, definition: Record<string, unknown>): Promise<void> {
  const before = await currentLimits(ctx, scope);
  for (const [name, value] of Object.entries(definition)) await setLimit(ctx, scope, name, value);
  for (const name of Object.keys(before)) if (!(name in definition)) await clearLimit(ctx, scope, name);
}

export const listVhostLimits: Command = {
  name: 'list_vhost_limits',
  section: 'Virtual hosts',
  description: 'Displays configured virtual host limits',
  usage: '[--vhost <vhost>] [--global] [--no-table-headers]',
  options: [{ name: '--global', description: 'list limits of all virtual hosts' }],
  banner: (ctx) => (ctx.opts['--global'] ? 'Listing limits for all vhosts ...' : `Listing limits for vhost "${ctx.vhost}" ...`),
  async run(ctx) {
    if (ctx.opts['--global']) {
      const all: any[] = await ctx.api.get('/api/vhost-limits');
      return listing({ limits: { get: (l) => JSON.stringify(l.value) } }, ['vhost', 'limits'], all);
    }
    const limits = await currentLimits(ctx, vhostScope(ctx));
    // rabbitmqctl prints an empty line when the vhost has no limits.
    const text = Object.keys(limits).length ? JSON.stringify(limits) : '';
    return { type: 'message', text, json: { node: ctx.node, result: 'ok', value: text === '' ? '[]' : text } };
  },
};

export const setVhostLimits: Command = {
  name: 'set_vhost_limits',
  section: 'Virtual hosts',
  description: 'Sets virtual host limits',
  usage: '[--vhost <vhost>] <definition>',
  args: [{ name: '<definition>', description: 'Limit definitions as a JSON document, e.g. \'{"max-connections": 100, "max-queues": 50}\' (-1: unlimited)' }],
  notes: 'The definition replaces the vhost\'s limits: limits it leaves out are cleared.',
  banner: (ctx) => `Setting vhost limits to "${ctx.args[0]}" for vhost "${ctx.vhost}" ...`,
  async run(ctx) {
    await replaceLimits(ctx, vhostScope(ctx), parseDefinition(ctx.args[0]));
    return { type: 'none' };
  },
};

export const clearVhostLimits: Command = {
  name: 'clear_vhost_limits',
  section: 'Virtual hosts',
  description: 'Clears virtual host limits',
  usage: '[--vhost <vhost>]',
  banner: (ctx) => `Clearing vhost "${ctx.vhost}" limits ...`,
  async run(ctx) {
    await replaceLimits(ctx, vhostScope(ctx), {});
    return { type: 'none' };
  },
};

export const listUserLimits: Command = {
  name: 'list_user_limits',
  section: 'Users',
  description: 'Displays configured user limits',
  usage: '[--user <username>] [--global]',
  options: [
    { name: '--user', value: '<username>', description: 'the user whose limits to show (default: guest)' },
    { name: '--global', description: 'list limits for all the users' },
  ],
  banner: (ctx) => (ctx.opts['--global'] ? 'Listing limits for all users ...' : `Listing limits for user "${ctx.opts['--user'] ?? 'guest'}" ...`),
  async run(ctx) {
    if (ctx.opts['--global']) {
      const all: any[] = await ctx.api.get('/api/user-limits');
      return listing({ limits: { get: (l) => JSON.stringify(userScope(l.user).order(l.value)) } }, ['user', 'limits'], all);
    }
    const user = String(ctx.opts['--user'] ?? 'guest');
    const text = JSON.stringify(await currentLimits(ctx, userScope(user)));
    return { type: 'message', text, json: { message: text } };
  },
};

export const setUserLimits: Command = {
  name: 'set_user_limits',
  section: 'Users',
  description: 'Sets user limits',
  usage: '<username> <definition>',
  args: [
    { name: '<username>', description: 'Self-explanatory' },
    { name: '<definition>', description: 'Limit definitions as a JSON document, e.g. \'{"max-connections": 10, "max-channels": 100}\'' },
  ],
  notes: 'The definition replaces the user\'s limits: limits it leaves out are cleared.',
  banner: (ctx) => `Setting user limits to "${ctx.args[1]}" for user "${ctx.args[0]}" ...`,
  async run(ctx) {
    await replaceLimits(ctx, userScope(ctx.args[0]), parseDefinition(ctx.args[1]));
    return { type: 'none' };
  },
};

export const clearUserLimits: Command = {
  name: 'clear_user_limits',
  section: 'Users',
  description: 'Clears user connection/channel limits',
  usage: '<username> <limit> | all',
  args: [
    { name: '<username>', description: 'Self-explanatory' },
    { name: '<limit>', description: 'Limit to clear (max-connections or max-channels), or "all"' },
  ],
  banner: (ctx) => (ctx.args[1] === 'all'
    ? `Clearing all limits for user "${ctx.args[0]}" ...`
    : `Clearing "${ctx.args[1]}" limit for user "${ctx.args[0]}" ...`),
  async run(ctx) {
    const [user, limit] = ctx.args;
    const scope = userScope(user);
    if (limit === 'all') await replaceLimits(ctx, scope, {});
    else await clearLimit(ctx, scope, limit);
    return { type: 'none' };
  },
};
