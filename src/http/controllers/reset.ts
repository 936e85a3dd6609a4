import type { ManagementContext } from '../context.js';
import { nodeName } from '../context.js';
import { httpErrors } from '../errors.js';
import type { Router } from '../router.js';

/**
 * DELETE /api/reset and /api/reset/{node}: the management statistics (message_stats and rate
 * histories) start again from zero (StatsSampler.reset); 404 for a node that is not this one.
 */
export function registerReset(router: Router, ctx: ManagementContext): void {
  router.add('DELETE', '/api/reset', 'administrator', () => {
    ctx.stats.reset();
    return { status: 204 };
  });
  router.add('DELETE', '/api/reset/:node', 'administrator', (req) => {
    if (req.params.node !== nodeName) throw httpErrors.notFound();
    ctx.stats.reset();
    return { status: 204 };
  });
}
