import type { FieldTable } from '../amqp/field-table.js';
import type { Message } from './message.js';
import type { Queue } from './queue.js';

/**
 * The side of a consumer that the model talks to: in practice an AMQP channel. The queue asks
 * whether it may send (prefetch, socket back-pressure) and hands messages over; it never sees the
 * socket.
 */
export interface ConsumerOwner {
  /** The connection the consumer belongs to (exclusive-queue ownership). */
  readonly connectionOwner: object;
  canDeliver(consumer: Consumer): boolean;
  /**
   * Sends a delivery. `properties`, when given, replaces the message's stored property list on
   * the wire (a quorum queue's x-delivery-count); the message itself stays as stored.
   */
  deliver(consumer: Consumer, message: Message, redelivered: boolean, properties?: Buffer): void;
  /** The queue went away (deleted): tell the client with a server-sent basic.cancel. */
  cancelledByServer(consumer: Consumer): void;
}

export class Consumer {
  /** Unacknowledged deliveries to this consumer (for its own prefetch limit). */
  unacked = 0;

  constructor(
    readonly tag: string,
    readonly queue: Queue,
    readonly owner: ConsumerOwner,
    readonly noAck: boolean,
    readonly exclusive: boolean,
    /** x-priority: higher-priority consumers are served first while they have capacity. */
    readonly priority: number,
    /** Per-consumer prefetch (basic.qos global=false), 0 = unlimited. */
    readonly prefetch: number,
    readonly args: FieldTable,
  ) {}

  /** Has room under its own prefetch limit. */
  get hasCredit(): boolean {
    return this.prefetch === 0 || this.unacked < this.prefetch;
  }
}
