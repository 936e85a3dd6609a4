import type { UserStore } from '../../auth/user-store.js';
import type { ManagementContext } from '../context.js';
import { httpErrors } from '../errors.js';
import type { Router } from '../router.js';
import { bodyObject, requireKeys } from './shared.js';

export interface TopicPermissionJson { user: string; vhost: string; exchange: string; write: string; read: string }

/** Topic permissions as RabbitMQ lists them, optionally narrowed to one vhost and/or user. */
export function topicPermissionsJson(users: UserStore, vhost?: string, user?: string): TopicPermissionJson[] {
  const out: TopicPermissionJson[] = [];
  for (const [v, perUser] of users.topicPermissions) {
    if (vhost !== undefined && v !== vhost) continue;
    for (const [u, perExchange] of perUser) {
      if (user !== undefined && u !== user) continue;
      for (const [exchange, p] of perExchange) out.push({ user: u, vhost: v, exchange, write: p.write, read: p.read });
    }
  }
  return out;
}

/**
 * /api/topic-permissions: list, show and clear a user's topic permissions in a vhost, set one
 * exchange's (PUT {exchange, write, read}); administrators only, as in RabbitMQ.
 */
export function registerTopicPermissions(router: Router, ctx: ManagementContext): void {
  router.add('GET', '/api/topic-permissions', 'administrator', () => ({ status: 200, body: topicPermissionsJson(ctx.users) }));
  router.add('GET', '/api/topic-permissions/:vhost/:user', 'administrator', (req) => {
    const list = topicPermissionsJson(ctx.users, req.params.vhost, req.params.user);
    if (list.length === 0) throw httpErrors.notFound();
    return { status: 200, body: list };
  });
  router.add('PUT', '/api/topic-permissions/:vhost/:user', 'administrator', (req) => {
    const { vhost, user } = req.params;
    const b = bodyObject(req.body);
    requireKeys(b, ['exchange', 'write', 'read']);
    if (!ctx.broker.vhosts.has(vhost) || !ctx.users.users.has(user)) throw httpErrors.badRequest('vhost_or_user_not_found');
    for (const k of ['exchange', 'write', 'read']) if (typeof b[k] !== 'string') throw httpErrors.badRequest(`${k} must be a string`);
    for (const k of ['write', 'read']) {
      try {
        new RegExp(b[k] as string);
      } catch {
        throw httpErrors.badRequest(`invalid regular expression '${b[k]}'`);
      }
    }
    const existed = topicPermissionsJson(ctx.users, vhost, user).length > 0;
    ctx.users.setTopicPermission(user, vhost, b.exchange as string, { write: b.write as string, read: b.read as string });
    return { status: existed ? 204 : 201 };
  });
  router.add('DELETE', '/api/topic-permissions/:vhost/:user', 'administrator', (req) => {
    const { vhost, user } = req.params;
    if (topicPermissionsJson(ctx.users, vhost, user).length === 0) throw httpErrors.notFound();
    ctx.users.clearTopicPermissions(user, vhost);
    return { status: 204 };
  });
  router.add('GET', '/api/vhosts/:vhost/topic-permissions', 'administrator', (req) => {
    if (!ctx.broker.vhosts.has(req.params.vhost)) throw httpErrors.notFound();
    return { status: 200, body: topicPermissionsJson(ctx.users, req.params.vhost) };
  });
  router.add('GET', '/api/users/:user/topic-permissions', 'administrator', (req) => {
    if (!ctx.users.users.has(req.params.user)) throw httpErrors.notFound();
    return { status: 200, body: topicPermissionsJson(ctx.users, undefined, req.params.user) };
  });
}
