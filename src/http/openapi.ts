import type { Route } from './router.js';
import { pathParameterDocs, routeDocs } from './route-docs.js';

/** Where a route is described, e.g. "GET /api/queues/:vhost" (the key of routeDocs). */
export function routeKey(route: Route): string {
  return `${route.method} /${route.segments.join('/')}`;
}

const accessNotes: Record<string, string> = {
  public: 'No credentials needed.',
  management: 'Any user with a management tag (management, policymaker, monitoring, administrator).',
  monitoring: 'Users tagged monitoring or administrator.',
  policymaker: 'Users tagged policymaker or administrator (with access to the virtual host, for one vhost\'s objects).',
  administrator: 'Users tagged administrator only.',
};

/** Access levels that need no credentials (no basicAuth on the operation). */
const withoutCredentials = new Set<string>(['public']);

/** Error answers every route may give, defined once in components.responses. */
const errorResponses = {
  '400': { description: 'Bad request: invalid body or arguments ({"error", "reason"})' },
  '401': { description: 'Missing or wrong credentials, or a user without the tag the route needs' },
  '404': { description: 'No such object ({"error": "Object Not Found", "reason": "Not Found"})' },
};
const errorRefs = Object.fromEntries(Object.keys(errorResponses).map((code) => [code, { $ref: `#/components/responses/${code}` }]));

function successResponses(method: string): Record<string, { description: string }> {
  if (method === 'GET') return { '200': { description: 'JSON, in the shape RabbitMQ 3.10 returns' } };
  if (method === 'DELETE') return { '204': { description: 'Done' } };
  return { '201': { description: 'Created' }, '204': { description: 'Updated (it existed)' } };
}

/**
 * The OpenAPI 3.0 document of the management API, built from the router's own route table (so it
 * lists exactly what the server answers) and the descriptions in route-docs.ts.
 */
export function openApiDocument(routes: readonly Route[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const doc = routeDocs[routeKey(route)];
    const path = '/' + route.segments.map((s) => (s.startsWith(':') ? `{${s.slice(1)}}` : s)).join('/');
    const parameters = [
      ...route.segments.filter((s) => s.startsWith(':')).map((s) => ({
        name: s.slice(1), in: 'path', required: true, schema: { type: 'string' }, description: pathParameterDocs[s.slice(1)] ?? s.slice(1),
      })),
      ...Object.entries(doc?.query ?? {}).map(([name, description]) => ({ name, in: 'query', required: false, schema: { type: 'string' }, description })),
    ];
    const operation: Record<string, unknown> = {
      summary: doc?.summary ?? '(undocumented: add it to src/http/route-docs.ts)',
      description: accessNotes[route.access] ?? `Access: ${route.access}.`,
      'x-warren-access': route.access,
      tags: [route.segments[1] ?? 'api'],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(doc?.body !== undefined ? { requestBody: { content: { 'application/json': { schema: { type: 'object' }, example: doc.body } } } } : {}),
      responses: { ...successResponses(route.method), ...errorRefs },
      ...(withoutCredentials.has(route.access) ? { security: [] } : {}),
    };
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }
  const sortedPaths = Object.fromEntries(Object.keys(paths).sort().map((p) => [p, paths[p]]));
  return {
    openapi: '3.0.3',
    info: {
      title: 'Warren management HTTP API',
      version,
      description: "RabbitMQ's management API (/api/...) as Warren serves it: same paths, JSON fields and error bodies. Generated from the server's route table.",
    },
    servers: [{ url: 'http://localhost:15672' }],
    components: { securitySchemes: { basicAuth: { type: 'http', scheme: 'basic' } }, responses: errorResponses },
    security: [{ basicAuth: [] }],
    paths: sortedPaths,
  };
}
