import type { ManagementContext } from '../context.js';
import { httpErrors } from '../errors.js';
import type { Router } from '../router.js';
import { bodyObject } from './shared.js';

/** /api/permissions: list, show, set (PUT), clear (DELETE); administrators only. */
export function registerPermissions(router: Router, ctx: ManagementContext): void {
  router.add('GET', '/api/permissions', 'administrator', () => {
    const out = [];
    for (const [vhost, perUser] of ctx.users.permissions) for (const [user, p] of perUser) out.push({ user, vhost, ...p });
    return { status: 200, body: out };
  });
  router.add('GET', '/api/permissions/:vhost/:user', 'administrator', (req) => {
    const p = ctx.users.permission(req.params.user, req.params.vhost);
    if (!p) throw httpErrors.notFound();
    return { status: 200, body: { user: req.params.user, vhost: req.params.vhost, ...p } };
  });
  router.add('PUT', '/api/permissions/:vhost/:user', 'administrator', (req) => {
    const { vhost, user } = req.params;
    if (!ctx.broker.vhosts.has(vhost)) throw httpErrors.badRequest('vhost_not_found');
    if (!ctx.users.users.has(user)) throw httpErrors.badRequest('user_not_found');
    const b = bodyObject(req.body);
    for (const k of ['configure', 'write', 'read']) {
      if (typeof b[k] !== 'string') throw httpErrors.badRequest(`[{key_missing,${k}}]`);
      try {
        new RegExp(b[k] as string);
      } catch {
        throw httpErrors.badRequest(`invalid regular expression '${b[k]}'`);
      }
    }
    const existed = ctx.users.permission(user, vhost) !== undefined;
    ctx.users.setPermissions(user, vhost, { configure: b.configure as string, write: b.write as string, read: b.read as string });
    return { status: existed ? 204 : 201 };
  });
  router.add('DELETE', '/api/permissions/:vhost/:user', 'administrator', (req) => {
    if (!ctx.users.clearPermissions(req.params.user, req.params.vhost)) throw httpErrors.notFound();
    return { status: 204 };
  });
}
