import type { ManagementContext } from '../context.js';
import { httpErrors } from '../errors.js';
import type { Router } from '../router.js';
import { bodyObject, policyVhostFor } from './shared.js';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** /api/parameters[/{component}[/{vhost}[/{name}]]]: runtime parameters, persisted with the definitions. */
export function registerParameters(router: Router, ctx: ManagementContext): void {
  const params = ctx.broker.parameters;
  router.add('GET', '/api/parameters', 'policymaker', () => ({ status: 200, body: params.list() }));
  router.add('GET', '/api/parameters/:component', 'policymaker', (req) => ({ status: 200, body: params.list(req.params.component) }));
  router.add('GET', '/api/parameters/:component/:vhost', 'policymaker', (req) => ({
    status: 200,
    body: params.list(req.params.component, req.params.vhost),
  }));
  router.add('GET', '/api/parameters/:component/:vhost/:name', 'policymaker', (req) => {
    const p = params.get(req.params.component, req.params.vhost, req.params.name);
    if (!p) throw httpErrors.notFound();
    return { status: 200, body: p };
  });
  // Writes: policymakers in the vhosts they may use, as RabbitMQ.
  router.add('PUT', '/api/parameters/:component/:vhost/:name', 'policymaker', (req) => {
    const { component, vhost, name } = req.params;
    policyVhostFor(ctx, req.user, vhost);
    const b = bodyObject(req.body);
    if (!('value' in b)) throw httpErrors.badRequest('[{key_missing,value}]');
    const invalid = params.validate({ component, vhost, name, value: b.value });
    // RabbitMQ's management plugin HTML-escapes the validation text of this endpoint.
    if (invalid) throw httpErrors.badRequest(`Validation failed\n\n${escapeHtml(invalid)}\n`);
    const existed = params.set({ component, vhost, name, value: b.value });
    return { status: existed ? 204 : 201 };
  });
  router.add('DELETE', '/api/parameters/:component/:vhost/:name', 'policymaker', (req) => {
    if (ctx.broker.vhosts.has(req.params.vhost)) policyVhostFor(ctx, req.user, req.params.vhost);
    if (!params.clear(req.params.component, req.params.vhost, req.params.name)) throw httpErrors.notFound();
    return { status: 204 };
  });
}
