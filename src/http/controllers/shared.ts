import type { User } from '../../auth/user-store.js';
import type { VHost } from '../../broker/vhost.js';
import { AmqpError } from '../../amqp/amqp-error.js';
import { canSeeVhost } from '../auth.js';
import type { ManagementContext } from '../context.js';
import { httpErrors } from '../errors.js';
import { erlangList } from '../../broker/erlang-format.js';

/** A vhost that exists and that the caller may see; 404 otherwise (as RabbitMQ). */
export function vhostFor(ctx: ManagementContext, user: User, name: string): VHost {
  const v = ctx.broker.vhost(name);
  if (!v) throw httpErrors.notFound();
  if (!canSeeVhost(ctx.users, user, name)) throw httpErrors.vhostAccessRefused();
  return v;
}

/**
 * A vhost whose policies or parameters a policymaker changes: it must exist (404) and the caller
 * may use it, else RabbitMQ's 401 for policy objects.
 */
export function policyVhostFor(ctx: ManagementContext, user: User, name: string): VHost {
  const v = ctx.broker.vhost(name);
  if (!v) throw httpErrors.notFound();
  if (!canSeeVhost(ctx.users, user, name)) throw httpErrors.notAuthorisedObject();
  return v;
}

/** As vhostFor, but null for a vhost that does not exist (listings RabbitMQ answers with []). */
export function vhostOrNull(ctx: ManagementContext, user: User, name: string): VHost | null {
  return ctx.broker.vhost(name) ? vhostFor(ctx, user, name) : null;
}

/** The vhosts a listing covers: one (when given) or all the caller may see. */
export function vhostsFor(ctx: ManagementContext, user: User, name: string | undefined): VHost[] {
  if (name !== undefined) return [vhostFor(ctx, user, name)];
  return [...ctx.broker.vhosts.values()].filter((v) => canSeeVhost(ctx.users, user, v.name));
}

/** The request body as an object (PUT/POST bodies are JSON objects); {} when empty. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw httpErrors.badRequest('not_json');
  return body as Record<string, unknown>;
}

/** Runs a model operation, turning its AMQP errors into RabbitMQ's HTTP 400 answers. */
export function modelOp<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof AmqpError) throw httpErrors.fromAmqp(err);
    throw err;
  }
}

export function bool(v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw httpErrors.badRequest(`${JSON.stringify(v)} is not a boolean`);
}

/** Sorted by name (then vhost), as RabbitMQ's listings are. */
export function byName<T extends { name: string; vhost?: string | null }>(a: T, b: T): number {
  return (a.vhost ?? '').localeCompare(b.vhost ?? '') || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** RabbitMQ's 400 text for required body keys that are missing: [{key_missing,k},...] as ~p prints it. */
export function keyMissing(keys: string[]): string {
  return erlangList(keys.map((k) => `{key_missing,${k}}`));
}

/** The body's required keys, or a 400 naming every missing one (RabbitMQ's with_decode). */
export function requireKeys(b: Record<string, unknown>, keys: string[]): void {
  const missing = keys.filter((k) => !(k in b));
  if (missing.length > 0) throw httpErrors.badRequest(keyMissing(missing));
}
