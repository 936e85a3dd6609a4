import { limitsError, userLimitNames, vhostLimitNames, VHOST_LIMITS_COMPONENT, VHOST_LIMITS_NAME, withLimit } from '../../broker/limits.js';
import type { Limits } from '../../broker/limits.js';
import type { ManagementContext } from '../context.js';
import { HttpError, httpErrors } from '../errors.js';
import type { Router } from '../router.js';
import { bodyObject, keyMissing } from './shared.js';

/** The limit value of a PUT body ({"value": N}). */
function limitValue(body: unknown): unknown {
  const b = bodyObject(body);
  if (!('value' in b)) throw httpErrors.badRequest(keyMissing(['value']));
  return b.value;
}

/**
 * /api/vhost-limits[/{vhost}[/{name}]] and /api/user-limits[/{user}[/{name}]]: list, set one limit
 * (PUT {"value": N}), clear one (DELETE, also when it was not set), with RabbitMQ's answers.
 */
export function registerLimits(router: Router, ctx: ManagementContext): void {
  const params = ctx.broker.parameters;
  const vhostLimits = (vhost: string): Limits => (params.get(VHOST_LIMITS_COMPONENT, vhost, VHOST_LIMITS_NAME)?.value ?? {}) as Limits;
  const vhostEntry = (vhost: string) => {
    const value = vhostLimits(vhost);
    return Object.keys(value).length === 0 ? [] : [{ vhost, value }];
  };
  router.add('GET', '/api/vhost-limits', 'management', () => ({
    status: 200, body: [...ctx.broker.vhosts.keys()].flatMap(vhostEntry),
  }));
  router.add('GET', '/api/vhost-limits/:vhost', 'management', (req) => {
    if (!ctx.broker.vhosts.has(req.params.vhost)) throw httpErrors.notFound();
    return { status: 200, body: vhostEntry(req.params.vhost) };
  });
  const setVhostLimit = (vhost: string, name: string, value: number | undefined) => {
    const next = withLimit(vhostLimits(vhost), name, value);
    if (Object.keys(next).length === 0) params.clear(VHOST_LIMITS_COMPONENT, vhost, VHOST_LIMITS_NAME);
    else params.set({ component: VHOST_LIMITS_COMPONENT, vhost, name: VHOST_LIMITS_NAME, value: next });
  };
  router.add('PUT', '/api/vhost-limits/:vhost/:name', 'administrator', (req) => {
    const { vhost, name } = req.params;
    const value = limitValue(req.body);
    if (!ctx.broker.vhosts.has(vhost)) throw new HttpError(404, 'not_found', 'vhost_not_found');
    const invalid = limitsError({ [name]: value }, vhostLimitNames, 'limits');
    if (invalid) throw httpErrors.badRequest(`Validation failed\n\n${invalid}\n`);
    setVhostLimit(vhost, name, value as number);
    return { status: 204 };
  });
  router.add('DELETE', '/api/vhost-limits/:vhost/:name', 'administrator', (req) => {
    if (!ctx.broker.vhosts.has(req.params.vhost)) throw httpErrors.notFound();
    setVhostLimit(req.params.vhost, req.params.name, undefined);
    return { status: 204 };
  });

  const userEntry = (user: string) => {
    const value = ctx.users.users.get(user)?.limits ?? {};
    return Object.keys(value).length === 0 ? [] : [{ user, value }];
  };
  router.add('GET', '/api/user-limits', 'management', () => ({
    status: 200, body: [...ctx.users.users.keys()].sort().flatMap(userEntry),
  }));
  router.add('GET', '/api/user-limits/:user', 'management', (req) => {
    if (!ctx.users.users.has(req.params.user)) throw httpErrors.notFound();
    return { status: 200, body: userEntry(req.params.user) };
  });
  router.add('PUT', '/api/user-limits/:user/:name', 'administrator', (req) => {
    const { user, name } = req.params;
    const value = limitValue(req.body);
    const u = ctx.users.users.get(user);
    if (!u) throw httpErrors.badRequest(['no_such_user', user]);
    const invalid = limitsError({ [name]: value }, userLimitNames, 'user-limits');
    if (invalid) throw httpErrors.badRequest(invalid);
    ctx.users.setLimits(user, withLimit(u.limits, name, value as number));
    return { status: 204 };
  });
  router.add('DELETE', '/api/user-limits/:user/:name', 'administrator', (req) => {
    const u = ctx.users.users.get(req.params.user);
    if (!u) throw httpErrors.notFound();
    if (u.limits?.[req.params.name] !== undefined) ctx.users.setLimits(u.name, withLimit(u.limits, req.params.name, undefined));
    return { status: 204 };
  });
}
