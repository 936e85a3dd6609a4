import type { ManagementContext } from '../context.js';
import { nodeName } from '../context.js';
import { httpErrors } from '../errors.js';
import type { Router } from '../router.js';
import { bodyObject, requireKeys } from './shared.js';

/**
 * The cluster's name: the global parameter cluster_name, by default the node's name (as RabbitMQ),
 * or in cluster mode the name the nodes were configured with.
 */
export function clusterName(ctx: ManagementContext): string {
  const set = ctx.broker.parameters.globals.get('cluster_name');
  return typeof set === 'string' ? set : ctx.cluster?.clusterName ?? nodeName;
}

/**
 * Cluster-wide settings and what the UI asks first: /api/cluster-name (GET, PUT by
 * administrators), /api/global-parameters, /api/extensions (the UI's plugin scripts) and
 * /api/auth (the login page's OAuth settings, answered without credentials as RabbitMQ does).
 */
export function registerCluster(router: Router, ctx: ManagementContext): void {
  const params = ctx.broker.parameters;
  router.add('GET', '/api/cluster-name', 'management', () => ({ status: 200, body: { name: clusterName(ctx) } }));
  router.add('PUT', '/api/cluster-name', 'administrator', (req) => {
    const b = bodyObject(req.body);
    requireKeys(b, ['name']);
    if (typeof b.name !== 'string' || b.name === '') throw httpErrors.badRequest('cluster name must be a non-empty string');
    params.setGlobal('cluster_name', b.name);
    return { status: 204 };
  });

  const globalJson = (name: string, value: unknown) => ({ name, value });
  router.add('GET', '/api/global-parameters', 'policymaker', () => ({
    status: 200, body: [...params.globals].map(([name, value]) => globalJson(name, value)).sort((a, b) => (a.name < b.name ? -1 : 1)),
  }));
  router.add('GET', '/api/global-parameters/:name', 'policymaker', (req) => {
    if (!params.globals.has(req.params.name)) throw httpErrors.notFound();
    return { status: 200, body: globalJson(req.params.name, params.globals.get(req.params.name)) };
  });
  router.add('PUT', '/api/global-parameters/:name', 'administrator', (req) => {
    const b = bodyObject(req.body);
    requireKeys(b, ['value']);
    return { status: params.setGlobal(req.params.name, b.value) ? 204 : 201 };
  });
  router.add('DELETE', '/api/global-parameters/:name', 'administrator', (req) => {
    if (!params.clearGlobal(req.params.name)) throw httpErrors.notFound();
    return { status: 204 };
  });

  router.add('GET', '/api/extensions', 'management', () => ({ status: 200, body: [{ javascript: 'dispatcher.js' }] }));
  router.add('GET', '/api/auth', 'public', () => ({ status: 200, body: { enable_uaa: false, uaa_client_id: '', uaa_location: '' } }));
}
