import type { ManagementContext } from '../context.js';
import { nodeName } from '../context.js';
import { canSeeVhost } from '../auth.js';
import { httpErrors } from '../errors.js';
import type { Router } from '../router.js';
import { page } from '../pagination.js';
import type { VHost } from '../../broker/vhost.js';
import { statsView, vhostStats } from '../stats/stats-json.js';
import { erlangTerm } from '../../broker/erlang-format.js';

/** Closes the AMQP connections to a vhost being deleted (RabbitMQ does the same). */
const VHOST_DELETED = 'CONNECTION_FORCED - vhost is being deleted';

export function vhostJson(v: VHost) {
  let ready = 0;
  let unacked = 0;
  for (const q of v.queues.values()) {
    ready += q.messageCount;
    unacked += q.unackedCount;
  }
  return {
    cluster_state: { [nodeName]: 'running' },
    default_queue_type: 'undefined',
    description: '',
    messages: ready + unacked,
    messages_ready: ready,
    messages_unacknowledged: unacked,
    metadata: { description: '', tags: [] as string[] },
    name: v.name,
    tags: [] as string[],
    tracing: false,
  };
}

/** /api/vhosts: list, show, create (PUT), delete; writes need the administrator tag. */
export function registerVhosts(router: Router, ctx: ManagementContext): void {
  router.add('GET', '/api/vhosts', 'management', (req) => page(
    [...ctx.broker.vhosts.values()].filter((v) => canSeeVhost(ctx.users, req.user, v.name))
      .map((v) => ({ ...vhostJson(v), ...vhostStats(statsView(ctx.stats, req.query), v) })).sort((a, b) => (a.name < b.name ? -1 : 1)),
    req.query,
  ));
  router.add('GET', '/api/vhosts/:vhost', 'management', (req) => {
    const v = ctx.broker.vhost(req.params.vhost);
    if (!v || !canSeeVhost(ctx.users, req.user, v.name)) throw httpErrors.notFound();
    return { status: 200, body: { ...vhostJson(v), ...vhostStats(statsView(ctx.stats, req.query), v) } };
  });
  router.add('PUT', '/api/vhosts/:vhost', 'administrator', (req) => {
    const existed = ctx.broker.vhosts.has(req.params.vhost);
    ctx.broker.addVhost(req.params.vhost);
    // RabbitMQ grants the creating user full access to a new vhost.
    if (!existed) ctx.users.setPermissions(req.user.name, req.params.vhost, { configure: '.*', write: '.*', read: '.*' });
    return { status: existed ? 204 : 201 };
  });
  router.add('DELETE', '/api/vhosts/:vhost', 'administrator', (req) => {
    const name = req.params.vhost;
    if (!ctx.broker.vhosts.has(name)) throw httpErrors.notFound();
    for (const c of ctx.connections) if (c.vhost?.name === name) c.close(320, VHOST_DELETED);
    ctx.broker.removeVhost(name);
    ctx.users.clearVhost(name);
    return { status: 204 };
  });
  /** Starting a vhost that already runs (Warren's always do) succeeds; RabbitMQ's texts otherwise. */
  router.add('POST', '/api/vhosts/:vhost/start/:node', 'administrator', (req) => {
    if (req.params.node !== nodeName) throw httpErrors.badRequest(`Request to node ${req.params.node} failed with nodedown`);
    if (!ctx.broker.vhosts.has(req.params.vhost)) {
      throw httpErrors.badRequest(`Request to node ${nodeName} failed with {no_such_vhost,${erlangTerm(req.params.vhost)}}`);
    }
    return { status: 204 };
  });
  router.add('GET', '/api/vhosts/:vhost/permissions', 'administrator', (req) => {
    if (!ctx.broker.vhosts.has(req.params.vhost)) throw httpErrors.notFound();
    const perms = ctx.users.permissions.get(req.params.vhost) ?? new Map();
    return { status: 200, body: [...perms].map(([user, p]) => ({ user, vhost: req.params.vhost, ...p })) };
  });
}
