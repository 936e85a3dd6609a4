import { jsonToTable } from '../../store/json-table.js';
import type { ManagementContext } from '../context.js';
import { httpErrors } from '../errors.js';
import type { Request, Router } from '../router.js';
import { page } from '../pagination.js';
import { bindingJson, consumerJson, defaultBindingJson, queueJson } from './present.js';
import { bodyObject, bool, byName, modelOp, vhostFor, vhostOrNull, vhostsFor } from './shared.js';
import { queueStats, statsView } from '../stats/stats-json.js';

/** /api/queues: list, show (with consumer_details), declare (PUT), delete, purge. */
export function registerQueues(router: Router, ctx: ManagementContext): void {
  const list = (req: Request, vhost?: string) => {
    const view = statsView(ctx.stats, req.query);
    return page(vhostsFor(ctx, req.user, vhost).flatMap((v) => [...v.queues.values()].map((q) => ({ ...queueJson(q), ...queueStats(view, q) }))).sort(byName), req.query);
  };
  router.add('GET', '/api/queues', 'management', (req) => list(req));
  router.add('GET', '/api/queues/:vhost', 'management', (req) => list(req, req.params.vhost));
  const find = (user: Parameters<typeof vhostFor>[1], vhost: string, name: string) => {
    const v = vhostFor(ctx, user, vhost);
    const q = v.queues.get(name);
    if (!q) throw httpErrors.notFound();
    return { v, q };
  };
  router.add('GET', '/api/queues/:vhost/:name', 'management', (req) => {
    const { q } = find(req.user, req.params.vhost, req.params.name);
    const consumerDetails = [];
    for (const c of ctx.connections) {
      for (const ch of c.channels.values()) {
        for (const consumer of ch.info.consumers.values()) if (consumer.queue === q) consumerDetails.push(consumerJson(c, ch, consumer));
      }
    }
    const stats = queueStats(statsView(ctx.stats, req.query), q);
    return { status: 200, body: { ...queueJson(q), ...stats, consumer_details: consumerDetails, deliveries: [], incoming: [] } };
  });
  router.add('PUT', '/api/queues/:vhost/:name', 'management', (req) => {
    const v = vhostFor(ctx, req.user, req.params.vhost);
    const b = bodyObject(req.body);
    const existed = v.queues.has(req.params.name);
    // RabbitMQ's defaults for an empty body: a transient classic queue.
    modelOp(() => v.declareQueue(req.params.name, {
      passive: false,
      durable: bool(b.durable, false),
      exclusive: false,
      autoDelete: bool(b.auto_delete, false),
      arguments: jsonToTable(b.arguments ?? {}),
    }, {}));
    return { status: existed ? 204 : 201 };
  });
  router.add('DELETE', '/api/queues/:vhost/:name', 'management', (req) => {
    const { v, q } = find(req.user, req.params.vhost, req.params.name);
    if (req.query.get('if-unused') === 'true' && q.consumerCount > 0) throw httpErrors.badRequest(`queue '${q.name}' in vhost '${v.name}' in use`);
    if (req.query.get('if-empty') === 'true' && q.messageCount > 0) throw httpErrors.badRequest(`queue '${q.name}' in vhost '${v.name}' not empty`);
    v.removeQueue(q);
    return { status: 204 };
  });
  router.add('DELETE', '/api/queues/:vhost/:name/contents', 'management', (req) => {
    find(req.user, req.params.vhost, req.params.name).q.purge();
    return { status: 204 };
  });
  // As RabbitMQ: a missing queue still has its implicit default binding listed; a missing vhost, none.
  router.add('GET', '/api/queues/:vhost/:name/bindings', 'management', (req) => {
    const v = vhostOrNull(ctx, req.user, req.params.vhost);
    if (v === null) return { status: 200, body: [] };
    const q = v.queues.get(req.params.name);
    return { status: 200, body: [defaultBindingJson({ vhost: v.name, name: req.params.name }), ...[...(q?.bindings ?? [])].map(bindingJson)] };
  });
}
