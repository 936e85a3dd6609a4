import { parseTags as parseUserTags } from '../../auth/user-tags.js';
import { hashPassword } from '../../auth/password-hash.js';
import type { HashingAlgorithm } from '../../auth/password-hash.js';
import type { User } from '../../auth/user-store.js';
import type { ManagementContext } from '../context.js';
import { httpErrors } from '../errors.js';
import type { Router } from '../router.js';
import { bodyObject, requireKeys } from './shared.js';

const algorithms = new Set<string>(['rabbit_password_hashing_sha256', 'rabbit_password_hashing_sha512', 'rabbit_password_hashing_md5']);

export function userJson(u: User) {
  return { name: u.name, password_hash: u.passwordHash, hashing_algorithm: u.hashingAlgorithm, tags: u.tags, limits: u.limits ?? {} };
}

/** RabbitMQ takes tags as a comma-separated string (or, since 3.9, a list). */
export function parseTags(v: unknown): string[] {
  const tags = parseUserTags(v);
  if (tags === null) throw httpErrors.badRequest('tags must be a string or a list');
  return tags;
}

/** /api/users: list, show, create/update (PUT with password or password_hash), delete. */
export function registerUsers(router: Router, ctx: ManagementContext): void {
  router.add('GET', '/api/users', 'administrator', () => ({
    status: 200, body: [...ctx.users.users.values()].map(userJson).sort((a, b) => (a.name < b.name ? -1 : 1)),
  }));
  // Before /api/users/:user, which would otherwise take 'without-permissions' for a user name.
  router.add('GET', '/api/users/without-permissions', 'administrator', () => ({
    status: 200,
    body: [...ctx.users.users.values()]
      .filter((u) => ![...ctx.users.permissions.values()].some((perUser) => perUser.has(u.name)))
      .map(userJson).sort((a, b) => (a.name < b.name ? -1 : 1)),
  }));
  /** Deletes the users in order; an unknown one stops there with 400 (those before it are gone), as RabbitMQ. */
  router.add('POST', '/api/users/bulk-delete', 'administrator', (req) => {
    const b = bodyObject(req.body);
    requireKeys(b, ['users']);
    if (!Array.isArray(b.users)) throw httpErrors.badRequest('users must be a list');
    for (const name of b.users.map(String)) if (!ctx.users.deleteUser(name)) throw httpErrors.badRequest(['no_such_user', name]);
    return { status: 204 };
  });
  router.add('GET', '/api/users/:user', 'administrator', (req) => {
    const u = ctx.users.users.get(req.params.user);
    if (!u) throw httpErrors.notFound();
    return { status: 200, body: userJson(u) };
  });
  router.add('PUT', '/api/users/:user', 'administrator', (req) => {
    const b = bodyObject(req.body);
    const existing = ctx.users.users.get(req.params.user);
    const algorithm = (b.hashing_algorithm ?? existing?.hashingAlgorithm ?? 'rabbit_password_hashing_sha256') as HashingAlgorithm;
    if (!algorithms.has(algorithm)) throw httpErrors.badRequest(`unknown hashing algorithm ${String(algorithm)}`);
    let passwordHash: string;
    if (typeof b.password === 'string') passwordHash = hashPassword(b.password, algorithm);
    else if (typeof b.password_hash === 'string') passwordHash = b.password_hash;
    else if (existing) passwordHash = existing.passwordHash;
    else throw httpErrors.badRequest('Must include password or password_hash in the request');
    ctx.users.putUser({
      name: req.params.user, passwordHash, hashingAlgorithm: algorithm, tags: parseTags(b.tags), ...(existing?.limits ? { limits: existing.limits } : {}),
    });
    return { status: existing ? 204 : 201 };
  });
  router.add('DELETE', '/api/users/:user', 'administrator', (req) => {
    if (!ctx.users.deleteUser(req.params.user)) throw httpErrors.notFound();
    return { status: 204 };
  });
  router.add('GET', '/api/users/:user/permissions', 'administrator', (req) => {
    if (!ctx.users.users.has(req.params.user)) throw httpErrors.notFound();
    const out = [];
    for (const [vhost, perUser] of ctx.users.permissions) {
      const p = perUser.get(req.params.user);
      if (p) out.push({ user: req.params.user, vhost, ...p });
    }
    return { status: 200, body: out };
  });
  router.add('GET', '/api/whoami', 'management', (req) => ({ status: 200, body: { name: req.user.name, tags: req.user.tags } }));
}
