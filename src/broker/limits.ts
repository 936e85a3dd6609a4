// Vhost limits (max-connections, max-queues) and user limits (max-connections, max-channels), as
// `rabbitmqctl set_vhost_limits` / `set_user_limits` define them and RabbitMQ 3.10 applies them.
import { erlangTerm } from './erlang-format.js';

/** A set of limits by name; a negative value means "no limit", 0 allows nothing. */
export type Limits = Readonly<Record<string, number>>;

/** RabbitMQ keeps vhost limits as the runtime parameter vhost-limits/{vhost}/limits. */
export const VHOST_LIMITS_COMPONENT = 'vhost-limits';
export const VHOST_LIMITS_NAME = 'limits';

export const vhostLimitNames: ReadonlySet<string> = new Set(['max-connections', 'max-queues']);
export const userLimitNames: ReadonlySet<string> = new Set(['max-connections', 'max-channels']);

/**
 * Why a limits value is refused, in RabbitMQ's words (`what` is "limits" for vhosts and
 * "user-limits" for users), or undefined when it is valid.
 */
export function limitsError(value: unknown, names: ReadonlySet<string>, what: 'limits' | 'user-limits'): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${erlangTerm(value)} is not a valid ${what} value`;
  const entries = Object.entries(value);
  const unknown = entries.filter(([k]) => !names.has(k));
  if (unknown.length > 0) return `Unrecognised terms [${unknown.map(([k, v]) => `{${erlangTerm(k)},${erlangTerm(v)}}`).join(',')}] in ${what}`;
  for (const [k, v] of entries) if (typeof v !== 'number' || !Number.isFinite(v)) return `${k} should be a number, actually was ${erlangTerm(v)}`;
  return undefined;
}

/** Whether `count` existing objects already use up `limit` (undefined or negative: unlimited). */
export function isOverLimit(limit: number | undefined, count: number): boolean {
  return limit !== undefined && limit >= 0 && count >= limit;
}

/** `limits` with `name` set to `value`, or removed when `value` is undefined. */
export function withLimit(limits: Limits | undefined, name: string, value: number | undefined): Limits {
  const out: Record<string, number> = { ...limits };
  if (value === undefined) delete out[name];
  else out[name] = value;
  return out;
}
