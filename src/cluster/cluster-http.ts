import { createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { UserStore } from '../auth/user-store.js';
import { authenticate, authorize } from '../http/auth.js';
import { HttpError } from '../http/errors.js';
import { closeHttp, listenHttp } from '../http/server.js';
import { parseAddress } from './tcp-proxy.js';

/** One node as /api/nodes shows it in cluster mode (RabbitMQ's fields plus Warren's cluster ones). */
export interface ClusterNodeView {
  name: string;
  node_id: string;
  type: 'disc';
  running: boolean;
  cluster_role: 'leader' | 'follower' | 'unknown';
  in_sync: boolean;
  /** Bytes of the leader's log this node has not acknowledged; null when unknown (not connected). */
  replication_lag_bytes: number | null;
  replication_connected: boolean;
  amqp_address: string | null;
  /** Where the node's HTTP API and the leader's replication listener are (cluster_status lists them). */
  http_address: string | null;
  replication_address: string | null;
}

/** What the cluster front needs to know about its node, read at every request. */
export interface ClusterHttpState {
  /** This node leads and its broker serves. */
  leading(): boolean;
  /** The current leader's name and HTTP address (null: no leader known). */
  leader(): { name: string; http: string | null } | null;
  /** The local broker's management API (only while leading). */
  localApi(): { port: number; users: UserStore } | null;
  nodes(): Promise<ClusterNodeView[]>;
  forget(name: string): Promise<void>;
}

/**
 * The HTTP listener of a cluster node. Every node answers the health checks a load balancer asks
 * (no credentials needed: they only reveal the role):
 *   GET /api/health/checks/leader  200 on the leader, 503 elsewhere (HAProxy: route to the leader)
 *   GET /api/health/checks/ready   200 when the node can serve clients, itself or through the
 *                                  leader (Kubernetes readiness)
 * The leader also answers the cluster's node list (/api/nodes, DELETE /api/nodes/NAME = forget);
 * everything else goes to the leader's management API (its local broker when leading, proxied
 * from a follower).
 */
export class ClusterHttp {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async listen(port: number, host: string, state: ClusterHttpState): Promise<ClusterHttp> {
    const server = createServer((req, res) => {
      handle(state, req, res).catch((err) => {
        if (err instanceof HttpError) return send(res, err.status, err.error === '' ? undefined : { error: err.error, reason: err.reason }, err.headers);
        if (!res.headersSent) send(res, 500, { error: 'internal_server_error', reason: String((err as Error).message ?? err) });
        else res.destroy();
      });
    });
    return new ClusterHttp(server, await listenHttp(server, port, host));
  }

  close(): Promise<void> {
    return closeHttp(this.server);
  }
}

async function handle(state: ClusterHttpState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
  const leader = state.leader();
  if (req.method === 'GET' && path === '/api/health/checks/leader') {
    if (state.leading()) return send(res, 200, { status: 'ok', leader: leader?.name ?? null });
    return send(res, 503, { status: 'failed', reason: 'not the cluster leader', leader: leader?.name ?? null });
  }
  if (req.method === 'GET' && path === '/api/health/checks/ready') {
    if (state.leading() || (leader !== null && leader.http !== null)) return send(res, 200, { status: 'ok', leader: leader?.name ?? null });
    return send(res, 503, { status: 'failed', reason: 'no cluster leader', leader: null });
  }
  const local = state.localApi();
  if (local && (path === '/api/nodes' || path.startsWith('/api/nodes/'))) {
    const user = authenticate(local.users, req.headers.authorization);
    const name = path.length > '/api/nodes/'.length ? decodeURIComponent(path.slice('/api/nodes/'.length)) : null;
    if (req.method === 'DELETE' && name !== null) {
      authorize(user, 'administrator');
      try {
        await state.forget(name);
      } catch (err) {
        throw new HttpError(400, 'bad_request', (err as Error).message);
      }
      return send(res, 204);
    }
    authorize(user, 'monitoring');
    if (req.method !== 'GET') throw new HttpError(405, '', '', { allow: 'GET' });
    const nodes = await withBrokerFigures(await state.nodes(), local.port, req.headers.authorization);
    if (name === null) return send(res, 200, nodes);
    const node = nodes.find((n) => n.name === name);
    if (!node) throw new HttpError(404, 'Object Not Found', 'Not Found');
    return send(res, 200, node);
  }
  const target = local ? `127.0.0.1:${local.port}` : leader?.http ?? null;
  if (target === null || (!local && state.leading())) return send(res, 503, { error: 'unavailable', reason: 'no cluster leader' });
  forward(req, res, target);
}

/**
 * The cluster view of each node, with RabbitMQ's node fields (memory, file descriptors, disk,
 * alarms, uptime...) added for the node whose broker answers them: the leader. Followers run no
 * broker, so their records carry only the cluster fields. Without the broker's answer (it is
 * stopping), the cluster view alone.
 */
async function withBrokerFigures(nodes: ClusterNodeView[], port: number, authorization: string | undefined): Promise<ClusterNodeView[]> {
  const records = await getJson(port, '/api/nodes', authorization).catch(() => null);
  if (!Array.isArray(records)) return nodes;
  return nodes.map((n) => {
    const own = records.find((r: { name?: string }) => r?.name === n.name);
    return own ? { ...own, ...n } : n;
  });
}

async function getJson(port: number, path: string, authorization: string | undefined): Promise<unknown> {
  const answer = await fetch(`http://127.0.0.1:${port}${path}`, { headers: authorization ? { authorization } : {} });
  if (answer.status !== 200) throw new Error(`HTTP ${answer.status}`);
  return answer.json();
}

/** Passes the request to the management API at target and streams its answer back. */
function forward(req: IncomingMessage, res: ServerResponse, target: string): void {
  const { host, port } = parseAddress(target);
  const out = request({ host, port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on('error', (err) => {
    if (!res.headersSent) send(res, 502, { error: 'bad_gateway', reason: `leader unreachable: ${err.message}` });
    else res.destroy();
  });
  req.pipe(out);
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const payload = body === undefined ? '' : JSON.stringify(body);
  const h: Record<string, string | number> = { ...headers, 'content-length': Buffer.byteLength(payload), server: 'Warren' };
  if (body !== undefined) h['content-type'] = 'application/json';
  res.writeHead(status, h);
  res.end(payload);
}
