import type { ManagementContext } from '../context.js';
import { nodeName } from '../context.js';
import { httpErrors } from '../errors.js';
import type { Router } from '../router.js';

/**
 * Login attempts on this node, per protocol (src/auth/auth-attempts.ts), as RabbitMQ's
 * /api/auth/attempts/{node}. The per-source breakdown (/source) stays empty, as RabbitMQ's does
 * unless rabbit.track_auth_attempt_source is on: Warren does not track sources. DELETE resets.
 */
export function registerAuthAttempts(router: Router, ctx: ManagementContext): void {
  const thisNode = (node: string) => {
    if (node !== nodeName) throw httpErrors.notFound();
  };
  router.add('GET', '/api/auth/attempts/:node', 'monitoring', (req) => {
    thisNode(req.params.node);
    return { status: 200, body: ctx.users.attempts.list() };
  });
  router.add('GET', '/api/auth/attempts/:node/source', 'monitoring', (req) => {
    thisNode(req.params.node);
    return { status: 200, body: [] };
  });
  router.add('DELETE', '/api/auth/attempts/:node', 'administrator', (req) => {
    thisNode(req.params.node);
    ctx.users.attempts.reset();
    return { status: 204 };
  });
}
