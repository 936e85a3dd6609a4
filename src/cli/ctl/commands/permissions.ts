// Permissions and topic permissions: list_permissions, list_user_permissions, set_permissions,
// clear_permissions, list_topic_permissions, list_user_topic_permissions, set_topic_permissions,
// clear_topic_permissions.
import { reasonOf, seg, type ApiAnswer } from '../client.js';
import type { Command, CommandContext } from '../command.js';
import { CtlError, ExitCode } from '../errors.js';
import { listing, type ColumnTable } from '../listing.js';
import { existingUser } from './users.js';
import { noSuchVhost } from './vhosts.js';

const plain = (...names: string[]): ColumnTable => Object.fromEntries(names.map((n) => [n, {}]));

/** A listing that 404s when its vhost or user is missing. */
async function listOrFail(ctx: CommandContext, path: string, missing: () => CtlError): Promise<any[]> {
  return (await ctx.api.expect('GET', path, undefined, { 404: missing })).body;
}

/** rabbitmqctl's answer to a missing user in list_user_permissions: exit code 69. */
const noSuchUserListed = (name: string) => () => new CtlError(ExitCode.unavailable, `User "${name}" does not exist`);

/** Why the node refused a permission (missing vhost or user, bad pattern), as rabbitmqctl says it. */
async function refused(ctx: CommandContext, user: string, answer: ApiAnswer): Promise<CtlError> {
  const reason = reasonOf(answer);
  if (!/not_found/.test(reason)) return new CtlError(ExitCode.dataErr, reason);
  const found = await ctx.api.request('GET', `/api/users/${seg(user)}`);
  if (found.status === 404) return new CtlError(ExitCode.noUser, `User ${user} does not exist`);
  return new CtlError(ExitCode.unavailable, `Virtual host ${ctx.vhost} does not exist`);
}

export const listPermissions: Command = {
  name: 'list_permissions',
  section: 'Access Control',
  description: 'Lists user permissions in a virtual host',
  usage: '[--vhost <vhost>] [--no-table-headers] [--timeout <timeout>]',
  banner: (ctx) => `Listing permissions for vhost "${ctx.vhost}" ...`,
  async run(ctx) {
    const perms = await listOrFail(ctx, `/api/vhosts/${seg(ctx.vhost)}/permissions`, () => noSuchVhost(ctx.vhost));
    return listing(plain('user', 'configure', 'write', 'read'), ['user', 'configure', 'write', 'read'], perms);
  },
};

export const listUserPermissions: Command = {
  name: 'list_user_permissions',
  section: 'Access Control',
  description: 'Lists permissions of a user across all virtual hosts',
  usage: '[--no-table-headers] <username> [--timeout <timeout>]',
  args: [{ name: '<username>', description: 'Name of the user' }],
  banner: (ctx) => `Listing permissions for user "${ctx.args[0]}" ...`,
  async run(ctx) {
    const perms = await listOrFail(ctx, `/api/users/${seg(ctx.args[0])}/permissions`, noSuchUserListed(ctx.args[0]));
    return listing(plain('vhost', 'configure', 'write', 'read'), ['vhost', 'configure', 'write', 'read'], perms);
  },
};

export const setPermissions: Command = {
  name: 'set_permissions',
  section: 'Access Control',
  description: 'Sets user permissions for a vhost',
  usage: '[--vhost <vhost>] <username> <conf> <write> <read>',
  args: [
    { name: '<username>', description: 'Self-explanatory' },
    { name: '<conf>', description: 'Configuration permission pattern' },
    { name: '<write>', description: 'Write permission pattern' },
    { name: '<read>', description: 'Read permission pattern' },
  ],
  banner: (ctx) => `Setting permissions for user "${ctx.args[0]}" in vhost "${ctx.vhost}" ...`,
  async run(ctx) {
    const [user, configure, write, read] = ctx.args;
    await ctx.api.expect('PUT', `/api/permissions/${seg(ctx.vhost)}/${seg(user)}`, { configure, write, read }, { 400: (answer) => refused(ctx, user, answer) });
    return { type: 'none' };
  },
};

export const clearPermissions: Command = {
  name: 'clear_permissions',
  section: 'Access Control',
  description: 'Revokes user permissions for a vhost',
  usage: '[--vhost <vhost>] <username>',
  args: [{ name: '<username>', description: 'Name of the user whose permissions should be revoked' }],
  notes: 'Clearing permissions the user does not have succeeds, as with rabbitmqctl.',
  banner: (ctx) => `Clearing permissions for user "${ctx.args[0]}" in vhost "${ctx.vhost}" ...`,
  async run(ctx) {
    const path = `/api/permissions/${seg(ctx.vhost)}/${seg(ctx.args[0])}`;
    const answer = await ctx.api.request('DELETE', path);
    if (answer.status === 404) await existingUser(ctx, ctx.args[0]); // a missing user is an error, missing permissions are not
    else if (answer.status >= 300) throw ctx.api.unexpected('DELETE', path, answer);
    return { type: 'none' };
  },
};

export const listTopicPermissions: Command = {
  name: 'list_topic_permissions',
  section: 'Access Control',
  description: 'Lists topic permissions in a virtual host',
  usage: '[--vhost <vhost>] [--no-table-headers] [--timeout <timeout>]',
  banner: (ctx) => `Listing topic permissions for vhost "${ctx.vhost}" ...`,
  async run(ctx) {
    const perms = await listOrFail(ctx, `/api/vhosts/${seg(ctx.vhost)}/topic-permissions`, () => noSuchVhost(ctx.vhost));
    return listing(plain('user', 'exchange', 'write', 'read'), ['user', 'exchange', 'write', 'read'], perms);
  },
};

export const listUserTopicPermissions: Command = {
  name: 'list_user_topic_permissions',
  section: 'Access Control',
  description: 'Lists user topic permissions',
  usage: '[--no-table-headers] <username> [--timeout <timeout>]',
  args: [{ name: '<username>', description: 'Name of the user' }],
  banner: (ctx) => `Listing topic permissions for user "${ctx.args[0]}" ...`,
  async run(ctx) {
    const perms = await listOrFail(ctx, `/api/users/${seg(ctx.args[0])}/topic-permissions`, noSuchUserListed(ctx.args[0]));
    // rabbitmqctl 3.10.8 prints this listing without a header row.
    return listing(plain('vhost', 'exchange', 'write', 'read'), ['vhost', 'exchange', 'write', 'read'], perms, false);
  },
};

export const setTopicPermissions: Command = {
  name: 'set_topic_permissions',
  section: 'Access Control',
  description: 'Sets user topic permissions for an exchange',
  usage: '[--vhost <vhost>] <username> <exchange> <write> <read>',
  args: [
    { name: '<username>', description: 'Self-explanatory' },
    { name: '<exchange>', description: 'Topic exchange to set the permissions for' },
    { name: '<write>', description: 'Write permission pattern' },
    { name: '<read>', description: 'Read permission pattern' },
  ],
  banner: (ctx) => `Setting topic permissions on "${ctx.args[1]}" for user "${ctx.args[0]}" in vhost "${ctx.vhost}" ...`,
  async run(ctx) {
    const [user, exchange, write, read] = ctx.args;
    await ctx.api.expect('PUT', `/api/topic-permissions/${seg(ctx.vhost)}/${seg(user)}`, { exchange, write, read }, { 400: (answer) => refused(ctx, user, answer) });
    return { type: 'none' };
  },
};

export const clearTopicPermissions: Command = {
  name: 'clear_topic_permissions',
  section: 'Access Control',
  description: 'Clears user topic permissions for a vhost or exchange',
  usage: '[--vhost <vhost>] <username> [<exchange>]',
  args: [
    { name: '<username>', description: 'Name of the user whose topic permissions should be revoked' },
    { name: '<exchange>', count: 'optional', description: 'Exchange the permissions are for (default: all exchanges)' },
  ],
  notes: 'The HTTP API clears a user\'s topic permissions in a vhost all at once; for one exchange,\n' +
    'warrenctl clears them and sets the other exchanges\' permissions again.',
  banner: (ctx) => ctx.args[1] === undefined
    ? `Clearing topic permissions for user "${ctx.args[0]}" in vhost "${ctx.vhost}" ...`
    : `Clearing topic permissions on "${ctx.args[1]}" for user "${ctx.args[0]}" in vhost "${ctx.vhost}" ...`,
  async run(ctx) {
    const [user, exchange] = ctx.args;
    const path = `/api/topic-permissions/${seg(ctx.vhost)}/${seg(user)}`;
    const current = await ctx.api.request('GET', path);
    if (current.status === 404) {
      await existingUser(ctx, user);
      return { type: 'none' };
    }
    if (current.status !== 200) throw ctx.api.unexpected('GET', path, current);
    const kept = exchange === undefined ? [] : (current.body as any[]).filter((p) => p.exchange !== exchange);
    if (exchange !== undefined && kept.length === current.body.length) return { type: 'none' };
    const answer = await ctx.api.request('DELETE', path);
    if (answer.status >= 300 && answer.status !== 404) throw ctx.api.unexpected('DELETE', path, answer);
    for (const p of kept) await ctx.api.call('PUT', path, { exchange: p.exchange, write: p.write, read: p.read });
    return { type: 'none' };
  },
};
