// list_users, add_user, delete_user, change_password, authenticate_user, set_user_tags.
import { seg, reasonOf } from '../client.js';
import type { Command, CommandContext } from '../command.js';
import { CtlError, ExitCode } from '../errors.js';
import { listing, type ColumnTable } from '../listing.js';

const userColumns: ColumnTable = { user: { get: (u) => u.name }, tags: { kind: 'atoms' } };

const noSuchUser = (name: string) => new CtlError(ExitCode.noUser, `User "${name}" does not exist`);

/** The user's record from the node; exit 67 when there is no such user. */
export async function existingUser(ctx: CommandContext, name: string): Promise<any> {
  return (await ctx.api.expect('GET', `/api/users/${seg(name)}`, undefined, { 404: () => noSuchUser(name) })).body;
}

/** The user's tags as the API's PUT takes them (a list; older nodes report a comma-separated string). */
const tagsOf = (u: any): string[] => (Array.isArray(u.tags) ? u.tags : String(u.tags ?? '').split(',').filter(Boolean));

async function putUser(ctx: CommandContext, name: string, body: Record<string, unknown>): Promise<void> {
  await ctx.api.expect('PUT', `/api/users/${seg(name)}`, body, { 400: (answer) => new CtlError(ExitCode.dataErr, reasonOf(answer)) });
}

export const listUsers: Command = {
  name: 'list_users',
  section: 'Users',
  description: 'List user names and tags',
  usage: '[--no-table-headers] [--timeout <timeout>]',
  banner: () => 'Listing users ...',
  async run(ctx) {
    return listing(userColumns, ['user', 'tags'], await ctx.api.get('/api/users'));
  },
};

export const addUser: Command = {
  name: 'add_user',
  section: 'Users',
  description: 'Creates a new user in the internal database. This user will have no permissions for any virtual hosts by default.',
  usage: '<username> <password>',
  args: [
    { name: '<username>', description: 'Self-explanatory' },
    { name: '<password>', count: 'optional', description: 'Password this user will authenticate with. When omitted, it is read from standard input (its first line).' },
  ],
  banner: (ctx) => `Adding user "${ctx.args[0]}" ...`,
  async run(ctx) {
    const [name] = ctx.args;
    let password = ctx.args[1];
    if (password === undefined) {
      password = (await ctx.readStdin()).split(/\r?\n/)[0];
      if (password === '') throw new CtlError(ExitCode.dataErr, 'Password is not provided via argument or stdin');
    }
    const exists = await ctx.api.request('GET', `/api/users/${seg(name)}`);
    if (exists.status === 200) throw new CtlError(ExitCode.software, `User "${name}" already exists`);
    await putUser(ctx, name, { password, tags: '' });
    const text = "Done. Don't forget to grant the user permissions to some virtual hosts! See 'warrenctl help set_permissions' to learn more.";
    return { type: 'message', text, json: { status: 'ok', node: ctx.node, message: text }, level: 'info' };
  },
};

export const deleteUser: Command = {
  name: 'delete_user',
  section: 'Users',
  description: 'Removes a user from the internal database',
  usage: '<username>',
  args: [{ name: '<username>', description: 'Name of the user to delete.' }],
  banner: (ctx) => `Deleting user "${ctx.args[0]}" ...`,
  async run(ctx) {
    await ctx.api.expect('DELETE', `/api/users/${seg(ctx.args[0])}`, undefined, { 404: () => noSuchUser(ctx.args[0]) });
    return { type: 'none' };
  },
};

export const changePassword: Command = {
  name: 'change_password',
  section: 'Users',
  description: 'Changes the user password',
  usage: '<username> <password>',
  args: [
    { name: '<username>', description: 'Name of the user whose password should be changed' },
    { name: '<password>', description: 'New password to set' },
  ],
  banner: (ctx) => `Changing password for user "${ctx.args[0]}" ...`,
  async run(ctx) {
    const [name, password] = ctx.args;
    const user = await existingUser(ctx, name);
    await putUser(ctx, name, { password, tags: tagsOf(user), ...(user.hashing_algorithm ? { hashing_algorithm: user.hashing_algorithm } : {}) });
    return { type: 'none' };
  },
};

export const authenticateUser: Command = {
  name: 'authenticate_user',
  section: 'Users',
  description: 'Attempts to authenticate a user. Exits with a non-zero code if authentication fails.',
  usage: '<username> <password>',
  args: [
    { name: '<username>', description: 'Username to use' },
    { name: '<password>', description: 'Password to use' },
  ],
  notes: 'The credentials are checked by the node\'s HTTP API (basic auth); a user without a management tag still\n' +
    'authenticates successfully.',
  banner: (ctx) => `Authenticating user "${ctx.args[0]}" ...`,
  async run(ctx) {
    const [name, password] = ctx.args;
    const answer = await ctx.api.requestAs(name, password, 'GET', '/api/whoami');
    // 401 "Not management user" means the password was right and only the tags are missing.
    const authenticated = answer.status === 200 || (answer.status === 401 && reasonOf(answer) !== '' && !/login failed/i.test(reasonOf(answer)));
    if (authenticated) return { type: 'message', text: 'Success', json: { result: 'success', user: name } };
    if (answer.status === 401) throw new CtlError(ExitCode.dataErr, `Error: failed to authenticate user "${name}"\nuser '${name}' - invalid credentials`);
    throw ctx.api.unexpected('GET', '/api/whoami', answer);
  },
};

export const setUserTags: Command = {
  name: 'set_user_tags',
  section: 'Users',
  description: 'Sets user tags',
  usage: '<username> <tag> [...]',
  args: [
    { name: '<username>', description: 'Self-explanatory' },
    { name: '<tags>', count: 'many', description: 'Space separated list of tags (none: clear all tags)' },
  ],
  banner: (ctx) => `Setting tags for user "${ctx.args[0]}" to [${ctx.args.slice(1).join(', ')}] ...`,
  async run(ctx) {
    const [name, ...tags] = ctx.args;
    const user = await existingUser(ctx, name);
    // The stored hash goes back unchanged, so the password stays what it was.
    await putUser(ctx, name, { password_hash: user.password_hash, hashing_algorithm: user.hashing_algorithm, tags: tags.join(',') });
    return { type: 'none' };
  },
};
