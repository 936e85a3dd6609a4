import type { IncomingMessage } from 'node:http';
import type { User } from '../auth/user-store.js';
import { httpErrors } from './errors.js';

export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

/** What a controller gets: decoded path parameters, query, parsed JSON body, the caller. */
export interface Request {
  readonly method: Method;
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly user: User;
  readonly headers: IncomingMessage['headers'];
}

/** A controller's answer: a JSON body (200), or a bare status (201/204) for writes. */
export type Response = {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** The body already went through the list parameters (a page); the server must not shape it again. */
  shaped?: boolean;
};

/** Who may call a route: anyone (no credentials), any management user (reads), or administrators only. */
/**
 * Who may call a route, by RabbitMQ's user tags: any management tag; monitoring (or administrator:
 * node-wide figures); policymaker (or administrator: policies and parameters); administrator.
 */
export type Access = 'public' | 'management' | 'monitoring' | 'policymaker' | 'administrator';

export interface Route {
  method: Method;
  /** Path segments; ':name' matches one percent-decoded segment. */
  segments: string[];
  access: Access;
  handle(req: Request): Response | Promise<Response>;
}

/**
 * A tiny router over '/'-separated paths. Segments are matched before percent-decoding, so a
 * vhost named '/' travels as '%2F' and never splits the path, as in RabbitMQ's API.
 */
export class Router {
  /** Every route, in registration order (the OpenAPI document, src/http/openapi.ts, is built from it). */
  readonly routes: Route[] = [];

  add(method: Method, path: string, access: Access, handle: Route['handle']): this {
    this.routes.push({ method, segments: path.split('/').filter(Boolean), access, handle });
    return this;
  }

  /** The route and parameters for a request; 404 for an unknown path, 405 for a wrong method. */
  match(method: string, rawPath: string): { route: Route; params: Record<string, string> } {
    const parts = rawPath.split('/').filter(Boolean);
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (params === null) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params };
      allowed.push(route.method);
    }
    if (allowed.length > 0) throw httpErrors.methodNotAllowed([...new Set(allowed)]);
    throw httpErrors.notFound();
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p.startsWith(':')) {
      try {
        params[p.slice(1)] = decodeURIComponent(parts[i]);
      } catch {
        return null;
      }
    } else if (p !== parts[i]) return null;
  }
  return params;
}
