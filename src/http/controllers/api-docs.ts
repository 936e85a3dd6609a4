import type { ManagementContext } from '../context.js';
import { openApiDocument } from '../openapi.js';
import type { Router } from '../router.js';

/** GET /api/docs: the OpenAPI document of every route of the router, read at request time. */
export function registerApiDocs(router: Router, ctx: ManagementContext): void {
  router.add('GET', '/api/docs', 'management', () => ({ status: 200, body: openApiDocument(router.routes, ctx.version) }));
}
