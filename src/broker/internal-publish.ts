import type { FieldTable } from '../amqp/field-table.js';
import type { BasicProperties } from '../amqp/spec.js';
import type { Exchange } from './exchange.js';
import type { Message } from './message.js';
import { countConfirmed, countReceived, countRouted } from './publish-stats.js';
import type { Queue } from './queue.js';
import type { VHost } from './vhost.js';

export interface InternalPublish {
  /** Queues the message reached (none: unroutable; a delayed exchange holds it instead). */
  readonly queues: number;
  /** False when a queue refused it (x-overflow reject-publish): a publisher confirm would be a nack. */
  readonly accepted: boolean;
  /** Resolves once the message is as safe as a publisher confirm promises (stored and synced). */
  readonly durable: Promise<void>;
}

/**
 * How an internal publisher counts in message_stats. RabbitMQ's management API publishes on a
 * channel in confirm mode with mandatory set; a shovel's publishes are neither.
 */
export interface InternalPublishMode {
  /** An unroutable message counts as returned rather than dropped. */
  readonly mandatory: boolean;
  /** Counted as a confirm-mode publish, and as confirmed once durable. */
  readonly confirm: boolean;
}

const plain: InternalPublishMode = { mandatory: false, confirm: false };

/**
 * Publishes a message from inside the broker (the management API's publish, shovels): routed
 * through `exchange` like a basic.publish, stored when persistent and routed to durable queues,
 * counted in message_stats like one. Permission checks are the caller's.
 */
export function publishInternal(v: VHost, exchange: Exchange, message: Message, props: BasicProperties, mode = plain): InternalPublish {
  const published = route(v, exchange, message, props, mode.mandatory);
  countReceived(v, exchange, mode.confirm);
  if (!mode.confirm) return published;
  // A refused message (x-overflow reject-publish) would be nacked, not confirmed.
  return { ...published, durable: published.durable.then(() => {
    if (published.accepted) countConfirmed(v);
  }) };
}

function route(v: VHost, exchange: Exchange, message: Message, props: BasicProperties, mandatory: boolean): InternalPublish {
  const headers: FieldTable | undefined = props.headers;
  const keys = message.routingKeys ?? [message.routingKey];
  if (exchange.type === 'x-delayed-message') {
    const held = v.delay(exchange, message, keys, headers);
    if (held !== 'no') return { queues: 0, accepted: true, durable: held === 'stored' ? synced(v) : Promise.resolve() };
  }
  const queues = new Set<Queue>();
  v.route(exchange, keys, headers, queues, props);
  countRouted(v, exchange, queues, mandatory);
  const stored = queues.size > 0 && (v.storeMessage?.(message, queues) ?? false);
  let accepted = true;
  for (const q of queues) if (!q.deleted && !q.enqueue(message)) accepted = false;
  return { queues: queues.size, accepted, durable: stored ? synced(v) : Promise.resolve() };
}

function synced(v: VHost): Promise<void> {
  return new Promise((resolve, reject) => {
    if (v.afterDurable === null) return resolve();
    v.afterDurable((err) => (err ? reject(err) : resolve()));
  });
}
