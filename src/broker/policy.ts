import type { FieldTable, FieldValue } from '../amqp/field-table.js';
import { numberOf } from '../amqp/field-table.js';

export type ApplyTo = 'queues' | 'exchanges' | 'all' | 'classic_queues' | 'quorum_queues' | 'streams';

/** A policy (or operator policy) as rabbitmqctl set_policy / the HTTP API define it. */
export interface Policy {
  readonly vhost: string;
  readonly name: string;
  readonly pattern: string;
  readonly applyTo: ApplyTo;
  readonly priority: number;
  readonly definition: Record<string, unknown>;
}

/** Policy keys Warren applies, and the queue argument each corresponds to. */
const queueKeys: Record<string, string> = {
  'message-ttl': 'x-message-ttl',
  expires: 'x-expires',
  'max-length': 'x-max-length',
  'max-length-bytes': 'x-max-length-bytes',
  overflow: 'x-overflow',
  'dead-letter-exchange': 'x-dead-letter-exchange',
  'dead-letter-routing-key': 'x-dead-letter-routing-key',
  'delivery-limit': 'x-delivery-limit',
  'queue-mode': 'x-queue-mode',
};

/** Keys where the smaller of argument, policy and operator policy wins (RabbitMQ's resolution). */
const lowerWins = new Set(['message-ttl', 'expires', 'max-length', 'max-length-bytes', 'delivery-limit']);

/** Keys an operator policy may set (RabbitMQ 3.10). */
export const operatorPolicyKeys = new Set(['expires', 'message-ttl', 'max-length', 'max-length-bytes', 'delivery-limit']);

export const policyKeys = new Set([...Object.keys(queueKeys), 'alternate-exchange']);

/** Why a policy is invalid, or undefined when it is fine (texts as RabbitMQ's validation). */
export function validatePolicy(p: Policy, operator: boolean): string | undefined {
  try {
    new RegExp(p.pattern);
  } catch {
    return `invalid pattern '${p.pattern}'`;
  }
  if (!['queues', 'exchanges', 'all', 'classic_queues', 'quorum_queues', 'streams'].includes(p.applyTo)) {
    return `"${p.applyTo}" is not a valid value for apply-to`;
  }
  if (!Number.isInteger(p.priority)) return 'priority must be an integer';
  const keys = Object.keys(p.definition);
  if (keys.length === 0) return 'no policy definition';
  const allowed = operator ? operatorPolicyKeys : policyKeys;
  for (const k of keys) if (!allowed.has(k)) return `Unrecognised terms ${k} in policy`;
  for (const k of lowerWins) {
    const v = p.definition[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) return `${k} must be a non-negative integer`;
  }
  return undefined;
}

type Kind = 'queue' | 'exchange';

function applies(p: Policy, kind: Kind, queueType: string | undefined, name: string): boolean {
  const target =
    p.applyTo === 'all' ||
    (kind === 'exchange' && p.applyTo === 'exchanges') ||
    (kind === 'queue' &&
      (p.applyTo === 'queues' ||
        (p.applyTo === 'classic_queues' && queueType === 'classic') ||
        (p.applyTo === 'quorum_queues' && queueType === 'quorum') ||
        (p.applyTo === 'streams' && queueType === 'stream')));
  return target && new RegExp(p.pattern).test(name);
}

/** The one policy that applies to an object: matching pattern and kind, highest priority. */
export function effectivePolicy(policies: Iterable<Policy>, kind: Kind, name: string, queueType?: string): Policy | undefined {
  let best: Policy | undefined;
  for (const p of policies) {
    if (!applies(p, kind, queueType, name)) continue;
    if (best === undefined || p.priority > best.priority) best = p;
  }
  return best;
}

/**
 * What RabbitMQ reports as a queue's effective_policy_definition: the policy's keys and the operator
 * policy's, the lower number winning where both set one (operator policies only set numbers).
 */
export function effectivePolicyDefinition(policy: Policy | undefined, operator: Policy | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(policy?.definition ?? {}) };
  for (const [key, value] of Object.entries(operator?.definition ?? {})) {
    const own = out[key];
    out[key] = typeof own === 'number' && typeof value === 'number' ? Math.min(own, value) : own ?? value;
  }
  return out;
}

/**
 * A queue's arguments with its policy and operator policy folded in, as RabbitMQ resolves them:
 * numeric limits take the lowest of the three; for the others the queue's own argument wins over
 * the policy.
 */
export function effectiveQueueArguments(args: FieldTable, policy: Policy | undefined, operator: Policy | undefined): FieldTable {
  if (!policy && !operator) return args;
  const out: FieldTable = { ...args };
  for (const [key, arg] of Object.entries(queueKeys)) {
    const fromPolicy = policy?.definition[key] as FieldValue | undefined;
    const fromOperator = operator?.definition[key] as FieldValue | undefined;
    if (lowerWins.has(key)) {
      const candidates = [numberOf(args[arg]), numberOf(fromPolicy ?? undefined), numberOf(fromOperator ?? undefined)].filter(
        (n): n is number => n !== undefined,
      );
      if (candidates.length > 0) out[arg] = Math.min(...candidates);
    } else if (out[arg] === undefined && fromPolicy !== undefined) {
      out[arg] = fromPolicy;
    }
  }
  return out;
}
