import { jsonToTable } from '../../store/json-table.js';
import type { ManagementContext } from '../context.js';
import { httpErrors } from '../errors.js';
import type { Request, Router } from '../router.js';
import { page } from '../pagination.js';
import { bindingJson, exchangeJson } from './present.js';
import { bodyObject, bool, byName, modelOp, vhostFor, vhostOrNull, vhostsFor } from './shared.js';
import { exchangeStats, statsView } from '../stats/stats-json.js';

/** /api/exchanges: list, show, declare (PUT), delete; the default exchange is shown as ''. */
export function registerExchanges(router: Router, ctx: ManagementContext): void {
  const list = (vhost?: string) => (req: Request) => {
    const view = statsView(ctx.stats, req.query);
    return page(vhostsFor(ctx, req.user, vhost).flatMap((v) => [...v.exchanges.values()].map((e) => ({ ...exchangeJson(e), ...exchangeStats(view, e) }))).sort(byName), req.query);
  };
  router.add('GET', '/api/exchanges', 'management', (req) => list()(req));
  router.add('GET', '/api/exchanges/:vhost', 'management', (req) => list(req.params.vhost)(req));
  router.add('GET', '/api/exchanges/:vhost/:name', 'management', (req) => {
    const v = vhostFor(ctx, req.user, req.params.vhost);
    const e = v.exchanges.get(req.params.name === 'amq.default' ? '' : req.params.name);
    if (!e) throw httpErrors.notFound();
    return { status: 200, body: { ...exchangeJson(e), ...exchangeStats(statsView(ctx.stats, req.query), e), incoming: [], outgoing: [] } };
  });
  router.add('PUT', '/api/exchanges/:vhost/:name', 'management', (req) => {
    const v = vhostFor(ctx, req.user, req.params.vhost);
    const b = bodyObject(req.body);
    const existed = v.exchanges.has(req.params.name);
    // RabbitMQ's defaults for an empty body: a transient direct exchange.
    modelOp(() => v.declareExchange(req.params.name, b.type === undefined ? 'direct' : String(b.type), {
      passive: false,
      durable: bool(b.durable, false),
      autoDelete: bool(b.auto_delete, false),
      internal: bool(b.internal, false),
      arguments: jsonToTable(b.arguments ?? {}),
    }));
    return { status: existed ? 204 : 201 };
  });
  router.add('DELETE', '/api/exchanges/:vhost/:name', 'management', (req) => {
    const v = vhostFor(ctx, req.user, req.params.vhost);
    if (!v.exchanges.has(req.params.name)) throw httpErrors.notFound();
    modelOp(() => v.deleteExchange(req.params.name, req.query.get('if-unused') === 'true'));
    return { status: 204 };
  });
  // Bindings with this exchange as source / destination; none (as RabbitMQ) when it does not exist.
  const exchangeOrNull = (req: Request) => vhostOrNull(ctx, req.user, req.params.vhost)?.exchanges.get(req.params.name);
  router.add('GET', '/api/exchanges/:vhost/:name/bindings/source', 'management', (req) => {
    const e = exchangeOrNull(req);
    return { status: 200, body: e ? [...e.bindings.values()].map(bindingJson) : [] };
  });
  router.add('GET', '/api/exchanges/:vhost/:name/bindings/destination', 'management', (req) => {
    const e = exchangeOrNull(req);
    return { status: 200, body: e ? [...e.incoming].map(bindingJson) : [] };
  });
}
