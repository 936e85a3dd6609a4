// Message counters as RabbitMQ's management plugin and Prometheus plugin report them. Plain
// integer fields incremented where messages move; readers (the HTTP API's sampler, /metrics) only
// read them. Nothing here allocates per message.
import type { DeathReason } from './dead-letter.js';
import type { QueueType } from './queue.js';

/**
 * The message_stats counters of a queue, a vhost or a channel (each uses the fields that apply to
 * it, as in RabbitMQ: a queue never confirms, a vhost has them all).
 */
export class MessageCounters {
  /** Messages published (into the vhost / by the channel / routed into the queue). */
  publish = 0;
  /** Publishes confirmed to publishers (basic.ack in confirm mode). */
  confirm = 0;
  /** Unroutable mandatory publishes returned with basic.return. */
  returnUnroutable = 0;
  /** Unroutable publishes dropped (not mandatory). */
  dropUnroutable = 0;
  /** Deliveries to consumers that must acknowledge. */
  deliver = 0;
  /** Deliveries to consumers in automatic acknowledgement mode. */
  deliverNoAck = 0;
  /** basic.get in manual acknowledgement mode that returned a message. */
  get = 0;
  /** basic.get in automatic acknowledgement mode that returned a message. */
  getNoAck = 0;
  /** basic.get on an empty queue. */
  getEmpty = 0;
  /** Deliveries and gets with the redelivered flag set. */
  redeliver = 0;
  /** Deliveries acknowledged by consumers. */
  ack = 0;

  /** Adds another set of counters into this one (folding a closed channel's figures, sums). */
  add(o: MessageCounters): this {
    this.publish += o.publish;
    this.confirm += o.confirm;
    this.returnUnroutable += o.returnUnroutable;
    this.dropUnroutable += o.dropUnroutable;
    this.deliver += o.deliver;
    this.deliverNoAck += o.deliverNoAck;
    this.get += o.get;
    this.getNoAck += o.getNoAck;
    this.getEmpty += o.getEmpty;
    this.redeliver += o.redeliver;
    this.ack += o.ack;
    return this;
  }
}

/** An exchange's message_stats: publishes into it, and copies routed out of it to queues. */
export class ExchangeCounters {
  publishIn = 0;
  publishOut = 0;
}

/** Index of a queue type in the per-type counter arrays (RabbitMQ labels them queue_type=...). */
export const queueTypeIndex: Record<QueueType, number> = { classic: 0, quorum: 1, stream: 2 };
export const queueTypeLabels = ['rabbit_classic_queue', 'rabbit_quorum_queue', 'rabbit_stream_queue'] as const;

/** Why messages were dead-lettered, in the order of RabbitMQ's metric names. */
export const deathReasons: readonly DeathReason[] = ['rejected', 'expired', 'maxlen', 'delivery_limit'];
/** How a queue dead-letters: without a dead-letter exchange messages just go (disabled). */
export const deadLetterStrategies = ['disabled', 'at_most_once', 'at_least_once'] as const;

const perType = () => [0, 0, 0];

/**
 * Node-wide counters that only grow (Prometheus rabbitmq_global_*_total and the churn counters):
 * unlike per-object figures they survive the objects they counted.
 */
export class GlobalCounters {
  received = 0;
  receivedConfirm = 0;
  routed = 0;
  unroutableDropped = 0;
  unroutableReturned = 0;
  confirmed = 0;
  /** Per queue type (queueTypeIndex). */
  readonly deliveredConsumeAutoAck = perType();
  readonly deliveredConsumeManualAck = perType();
  readonly deliveredGetAutoAck = perType();
  readonly deliveredGetManualAck = perType();
  readonly redelivered = perType();
  readonly acknowledged = perType();
  readonly getEmpty = perType();
  /** [reason (deathReasons)][queue type][strategy (deadLetterStrategies)]. */
  readonly deadLettered = deathReasons.map(() => [0, 1, 2].map(() => [0, 0, 0]));
  connectionsOpened = 0;
  connectionsClosed = 0;
  channelsOpened = 0;
  channelsClosed = 0;
  queuesDeclared = 0;
  queuesCreated = 0;
  queuesDeleted = 0;

  countDeadLettered(reason: DeathReason, type: QueueType, hasDeadLetterExchange: boolean, n: number): void {
    this.deadLettered[deathReasons.indexOf(reason)][queueTypeIndex[type]][hasDeadLetterExchange ? 1 : 0] += n;
  }
}
