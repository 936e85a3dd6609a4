import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { User } from '../auth/user-store.js';
import { authenticate, authorize } from './auth.js';
import type { ManagementContext } from './context.js';
import { HttpError, httpErrors } from './errors.js';
import { Router } from './router.js';
import { defaultUiRoot, isApiPath, serveStatic } from './static.js';
import { shape } from './pagination.js';
import type { Method } from './router.js';
import { registerApiDocs } from './controllers/api-docs.js';
import { registerNodeEndpoints } from './controllers/node-endpoints.js';
import { registerBindings } from './controllers/bindings.js';
import { registerCluster } from './controllers/cluster.js';
import { registerTopicPermissions } from './controllers/topic-permissions.js';
import { registerConnections } from './controllers/connections.js';
import { registerDefinitions } from './controllers/definitions.js';
import { registerExchanges } from './controllers/exchanges.js';
import { registerHealth } from './controllers/health.js';
import { registerHealthChecks } from './controllers/health-checks.js';
import { registerLimits } from './controllers/limits.js';
import { registerMessages } from './controllers/messages.js';
import { registerOverview } from './controllers/overview.js';
import { registerPermissions } from './controllers/permissions.js';
import { registerPolicies } from './controllers/policies.js';
import { registerParameters } from './controllers/parameters.js';
import { registerShovels } from './controllers/shovels.js';
import { registerQueues } from './controllers/queues.js';
import { registerUsers } from './controllers/users.js';
import { registerVhosts } from './controllers/vhosts.js';

/** The caller of a public route, which needs no credentials. */
const anonymous: User = { name: '', passwordHash: '', hashingAlgorithm: 'rabbit_password_hashing_sha256', tags: [] };

/** Request bodies larger than this are refused (definitions files are the big ones). */
const MAX_BODY = 32 * 1024 * 1024;

export function managementRouter(ctx: ManagementContext): Router {
  const router = new Router();
  registerOverview(router, ctx);
  registerVhosts(router, ctx);
  registerUsers(router, ctx);
  registerPermissions(router, ctx);
  registerTopicPermissions(router, ctx);
  registerCluster(router, ctx);
  registerPolicies(router, ctx);
  registerParameters(router, ctx);
  registerShovels(router, ctx);
  registerLimits(router, ctx);
  registerExchanges(router, ctx);
  registerQueues(router, ctx);
  registerBindings(router, ctx);
  registerMessages(router, ctx);
  registerConnections(router, ctx);
  registerHealth(router, ctx);
  registerHealthChecks(router, ctx);
  registerDefinitions(router, ctx);
  registerNodeEndpoints(router, ctx);
  registerApiDocs(router, ctx);
  return router;
}

/** The management HTTP API (RabbitMQ's /api) and, outside /api, the web UI's files from uiRoot. */
export function createManagementServer(ctx: ManagementContext, uiRoot = defaultUiRoot): Server {
  const router = managementRouter(ctx);
  return createServer((req, res) => {
    const rawPath = (req.url ?? '/').split('?')[0];
    const served = isApiPath(rawPath) ? handle(router, ctx, req, res) : serveStatic(uiRoot, req, res, rawPath);
    served.catch((err) => {
      ctx.log.error('http_internal_error', { error: err instanceof Error ? err.stack ?? err.message : String(err) });
      if (!res.headersSent) send(res, 500, { error: 'internal_server_error', reason: 'Internal error' });
      else res.end();
    });
  });
}

async function handle(router: Router, ctx: ManagementContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // Match on the raw path so that '%2F' stays inside one segment.
    const rawPath = (req.url ?? '/').split('?')[0];
    const { route, params } = router.match(req.method ?? 'GET', rawPath);
    const user = route.access === 'public' ? anonymous : authenticate(ctx.users, req.headers.authorization);
    authorize(user, route.access);
    const raw = await readBody(req);
    let body: unknown;
    if (raw.length > 0 && /^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) {
      // A form (POST /api/login, as RabbitMQ's login page sends it).
      body = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
    } else if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw httpErrors.notJson();
      }
    }
    const out = await route.handle({ method: route.method as Method, params, query: url.searchParams, body, user, headers: req.headers });
    // columns apply to every JSON answer, sort / sort_reverse to listings (GETs), as in RabbitMQ.
    const answer = out.status === 200 && out.body !== undefined && !out.shaped ? shape(out.body, url.searchParams, req.method !== 'POST') : out.body;
    send(res, out.status, answer, out.headers, req.method === 'HEAD');
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    req.resume();
    send(res, err.status, err.error === '' ? undefined : { error: err.error, reason: err.reason }, err.headers);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, 'bad_request', 'request body too large'));
        req.destroy();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}, headOnly = false): void {
  const payload = body === undefined ? '' : JSON.stringify(body);
  const h: Record<string, string | number> = { ...headers, 'content-length': Buffer.byteLength(payload), vary: 'origin', server: 'Warren' };
  if (body !== undefined) h['content-type'] = 'application/json';
  res.writeHead(status, h);
  res.end(headOnly ? undefined : payload);
}

/** Listens on port (0: any free port) and resolves with the bound port. */
export function listenHttp(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes the server and any idle or in-flight keep-alive sockets. */
export function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
