import type { FieldTable, FieldValue } from '../amqp/field-table.js';
import { numberOf } from '../amqp/field-table.js';
import type { QueueType } from './queue.js';

export type Overflow = 'drop-head' | 'reject-publish' | 'reject-publish-dlx';

/**
 * What a queue's x-arguments ask of it, read once at declare (the arguments are validated by
 * then). Absent limits are Infinity and absent times -1, so the hot path compares numbers only.
 */
export interface QueueFeatures {
  /** x-message-ttl in ms, -1 when absent. */
  readonly messageTtl: number;
  /** x-expires in ms, -1 when absent. */
  readonly expires: number;
  readonly maxLength: number;
  readonly maxBytes: number;
  /** Either limit is set. */
  readonly limited: boolean;
  readonly overflow: Overflow;
  readonly deadLetterExchange: string | undefined;
  readonly deadLetterRoutingKey: string | undefined;
  /** x-max-priority, -1 when the queue is not a priority queue. */
  readonly maxPriority: number;
  readonly singleActiveConsumer: boolean;
  /** x-delivery-limit of a quorum queue, Infinity when absent. */
  readonly deliveryLimit: number;
  /** x-consumer-timeout in ms (unacknowledged deliveries), -1 when absent (broker default). */
  readonly consumerTimeout: number;
}

function str(v: FieldValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  return Buffer.isBuffer(v) ? v.toString() : String(v);
}

function num(v: FieldValue | undefined, absent: number): number {
  return numberOf(v) ?? absent;
}

/** Features of a queue without x-arguments, one shared object per type (idle queues are many). */
const plain = new Map<QueueType, QueueFeatures>();

export function queueFeatures(args: FieldTable, type: QueueType): QueueFeatures {
  if (Object.keys(args).length === 0) {
    let f = plain.get(type);
    if (f === undefined) plain.set(type, (f = Object.freeze(readFeatures(args, type))));
    return f;
  }
  return readFeatures(args, type);
}

function readFeatures(args: FieldTable, type: QueueType): QueueFeatures {
  const maxLength = num(args['x-max-length'], Infinity);
  const maxBytes = num(args['x-max-length-bytes'], Infinity);
  let overflow = (str(args['x-overflow']) ?? 'drop-head') as Overflow;
  // Quorum queues in 3.10 do not know reject-publish-dlx and fall back to drop-head.
  if (type === 'quorum' && overflow === 'reject-publish-dlx') overflow = 'drop-head';
  return {
    messageTtl: num(args['x-message-ttl'], -1),
    expires: num(args['x-expires'], -1),
    maxLength,
    maxBytes,
    limited: maxLength !== Infinity || maxBytes !== Infinity,
    overflow,
    deadLetterExchange: str(args['x-dead-letter-exchange']),
    deadLetterRoutingKey: str(args['x-dead-letter-routing-key']),
    maxPriority: num(args['x-max-priority'], -1),
    singleActiveConsumer: args['x-single-active-consumer'] === true,
    deliveryLimit: type === 'quorum' ? num(args['x-delivery-limit'], Infinity) : Infinity,
    consumerTimeout: num(args['x-consumer-timeout'], -1),
  };
}
