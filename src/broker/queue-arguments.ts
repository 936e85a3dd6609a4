import type { FieldTable, FieldValue } from '../amqp/field-table.js';
import { displayFieldValue, numberOf, sameFieldValue, wireTypeName } from '../amqp/field-table.js';
import { errors } from './errors.js';
import { MAX_EXPIRY_MS } from './message-expiry.js';
import type { QueueType } from './queue.js';

/**
 * Queue arguments that take part in the declare equivalence check: redeclaring a queue with a
 * different value for one of these is a 406, as in RabbitMQ. Other x- arguments are accepted
 * and kept but not compared.
 */
const compared = [
  'x-dead-letter-exchange', 'x-dead-letter-routing-key', 'x-expires', 'x-max-length',
  'x-max-length-bytes', 'x-max-priority', 'x-message-ttl', 'x-overflow', 'x-queue-mode',
  'x-queue-type', 'x-single-active-consumer', 'x-delivery-limit', 'x-queue-master-locator',
  'x-max-in-memory-length', 'x-max-in-memory-bytes', 'x-quorum-initial-group-size',
];

function describe(v: FieldValue | undefined): string {
  return v === undefined ? 'none' : `the value '${displayFieldValue(v)}' of type '${wireTypeName(v)}'`;
}

/** RabbitMQ prints both values bare when both are present, with their types when one is absent. */
function describePair(received: FieldValue | undefined, current: FieldValue | undefined): [string, string] {
  if (received !== undefined && current !== undefined) return [`'${displayFieldValue(received)}'`, `'${displayFieldValue(current)}'`];
  return [describe(received), describe(current)];
}

type Validator = (v: FieldValue) => string | undefined;

const integerTypes = new Set(['byte', 'unsignedbyte', 'short', 'unsignedshort', 'signedint', 'unsignedint', 'long', 'unsignedlong']);

function integer(v: FieldValue): number | string {
  const t = wireTypeName(v);
  if (!integerTypes.has(t)) return `"expected integer, got ${t}"`;
  return numberOf(v)!;
}

const nonNegative: Validator = (v) => {
  const n = integer(v);
  if (typeof n === 'string') return n;
  return n < 0 ? `{value_negative,${n}}` : undefined;
};

const positive: Validator = (v) => {
  const n = integer(v);
  if (typeof n === 'string') return n;
  if (n === 0) return `{value_zero,${n}}`;
  return n < 0 ? `{value_negative,${n}}` : undefined;
};

/** TTLs: RabbitMQ's check_expiry (at most ten years). */
const expiry = (base: Validator): Validator => (v) => {
  const bad = base(v);
  if (bad) return bad;
  const n = numberOf(v)!;
  return n > MAX_EXPIRY_MS ? `{value_too_large,${n}}` : undefined;
};

const maxPriority: Validator = (v) => {
  const bad = nonNegative(v);
  if (bad) return bad;
  const n = numberOf(v)!;
  return n > 255 ? `{max_value_exceeded,${n}}` : undefined;
};

const oneOf = (allowed: string[], error: string): Validator => (v) => {
  const s = Buffer.isBuffer(v) ? v.toString() : v;
  return typeof s === 'string' && allowed.includes(s) ? undefined : error;
};

const stringArg: Validator = (v) => {
  const t = wireTypeName(v);
  return t === 'longstr' || t === 'binary' ? undefined : `"expected longstr, got ${t}"`;
};

const boolArg: Validator = (v) => (typeof v === 'boolean' ? undefined : `"expected bool, got ${wireTypeName(v)}"`);

/** One validator per queue argument, as RabbitMQ checks them on declare (406 invalid arg). */
const validators: Record<string, Validator> = {
  'x-expires': expiry(positive),
  'x-message-ttl': expiry(nonNegative),
  'x-max-length': nonNegative,
  'x-max-length-bytes': nonNegative,
  'x-max-priority': maxPriority,
  'x-delivery-limit': nonNegative,
  'x-consumer-timeout': nonNegative,
  'x-overflow': oneOf(['drop-head', 'reject-publish', 'reject-publish-dlx'], 'invalid_overflow'),
  'x-queue-mode': oneOf(['default', 'lazy'], 'invalid_queue_mode'),
  'x-dead-letter-exchange': stringArg,
  'x-dead-letter-routing-key': stringArg,
  'x-single-active-consumer': boolArg,
};

/** Throws 406 "invalid arg" for the first queue argument RabbitMQ would refuse. */
export function validateQueueArgs(name: string, vhost: string, args: FieldTable): void {
  for (const key of Object.keys(args)) {
    const check = validators[key];
    const problem = check?.(args[key]);
    if (problem !== undefined) throw errors.invalidArg(name, vhost, `'${key}'`, problem);
  }
}

/** Throws 406 when `received` differs from the existing queue's arguments on a compared key. */
export function checkQueueArgsEquivalent(name: string, vhost: string, current: FieldTable, received: FieldTable): void {
  for (const key of compared) {
    const a = received[key];
    const b = current[key];
    // A redeclare that omits x-queue-type means "whatever it is" (clients rarely repeat it).
    if (key === 'x-queue-type' && a === undefined) continue;
    if (sameFieldValue(a, b)) continue;
    const [receivedText, currentText] = describePair(a, b);
    throw errors.inequivalentArg('queue', name, vhost, key, receivedText, currentText);
  }
}

/** The queue type from x-queue-type; anything else is a 406 as in RabbitMQ. */
export function queueTypeOf(name: string, vhost: string, args: FieldTable): QueueType {
  const t = args['x-queue-type'];
  if (t === undefined) return 'classic';
  const s = Buffer.isBuffer(t) ? t.toString() : t;
  if (s === 'classic' || s === 'quorum' || s === 'stream') return s;
  throw errors.invalidArg(name, vhost, "'x-queue-type'", `"unsupported queue type '${displayFieldValue(t)}'"`);
}
