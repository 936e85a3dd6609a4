import type { FieldTable, FieldValue } from '../amqp/field-table.js';
import { displayFieldValue, sameFieldValue, wireTypeName } from '../amqp/field-table.js';
import { errors } from './errors.js';
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

/** Throws 406 when `received` differs from the existing queue's arguments on a compared key. */
export function checkQueueArgsEquivalent(name: string, vhost: string, current: FieldTable, received: FieldTable): void {
  for (const key of compared) {
    const a = received[key];
    const b = current[key];
    // A redeclare that omits x-queue-type means "whatever it is" (clients rarely repeat it).
    if (key === 'x-queue-type' && a === undefined) continue;
    if (sameFieldValue(a, b)) continue;
    throw errors.inequivalentArg('queue', name, vhost, key, describe(a), describe(b));
  }
}

/** The queue type from x-queue-type; anything else is a 406 as in RabbitMQ. */
export function queueTypeOf(name: string, vhost: string, args: FieldTable): QueueType {
  const t = args['x-queue-type'];
  if (t === undefined) return 'classic';
  const s = Buffer.isBuffer(t) ? t.toString() : t;
  if (s === 'classic' || s === 'quorum' || s === 'stream') return s;
  throw errors.invalidArg(name, vhost, `'x-queue-type' with value '${displayFieldValue(t)}'`);
}
