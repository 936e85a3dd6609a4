// Which node warrenctl talks to and as whom. Precedence: --host/--port/--username/--password, then
// -n/--node (rabbit@HOST names the host), then WARRENCTL_URL or WARREN_HTTP_URL
// (http://user:pass@host:15672), then localhost:15672 as guest/guest.
import { hostname } from 'node:os';
import type { GeneralOptions } from './argv.js';
import type { Endpoint } from './client.js';
import { UsageError } from './errors.js';

export const DEFAULT_HTTP_PORT = 15672;
export const DEFAULT_TIMEOUT_SECONDS = 60;

const loopback = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function resolveEndpoint(o: GeneralOptions, env: NodeJS.ProcessEnv): Endpoint {
  const envUrl = env.WARRENCTL_URL || env.WARREN_HTTP_URL;
  let fromEnv: URL | undefined;
  if (envUrl) {
    try {
      fromEnv = new URL(envUrl);
    } catch {
      throw new UsageError(`${env.WARRENCTL_URL ? 'WARRENCTL_URL' : 'WARREN_HTTP_URL'} is not a URL: ${envUrl}`);
    }
  }
  const nodeHost = o.node?.includes('@') ? o.node.slice(o.node.indexOf('@') + 1) : undefined;
  const host = o.host ?? nodeHost ?? fromEnv?.hostname ?? 'localhost';
  const port = o.port ?? (fromEnv?.port || undefined) ?? String(DEFAULT_HTTP_PORT);
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) throw new UsageError(`'${port}' is not a valid port`);
  const protocol = fromEnv?.protocol === 'https:' ? 'https:' : 'http:';
  const path = (fromEnv?.pathname ?? '').replace(/\/+$/, '');
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const timeout = o.timeout ?? String(DEFAULT_TIMEOUT_SECONDS);
  const seconds = Number(timeout);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`Invalid options for this command:\n--timeout : ${timeout} (a number of seconds above 0)`);
  return {
    baseUrl: `${protocol}//${bracketed}:${port}${path}`,
    username: o.username ?? (fromEnv?.username ? decodeURIComponent(fromEnv.username) : 'guest'),
    password: o.password ?? (fromEnv?.password ? decodeURIComponent(fromEnv.password) : 'guest'),
    node: o.node ?? `warren@${loopback.has(host) ? hostname() : host}`,
    timeoutMs: Math.round(seconds * 1000),
  };
}
