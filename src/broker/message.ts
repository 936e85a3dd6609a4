import type { BasicProperties } from '../amqp/spec.js';

/**
 * A published message as queues hold it. One instance is shared by every queue it was routed to.
 * `properties` is the encoded property list exactly as the publisher sent it (flags onward), so
 * delivery forwards it without re-encoding; decoded properties are not kept (memory per message).
 */
export class Message {
  constructor(
    readonly exchange: string,
    readonly routingKey: string,
    public properties: Buffer,
    readonly body: Buffer,
    /** delivery_mode = 2 */
    readonly persistent: boolean,
    /** priority property, 0 when absent */
    readonly priority: number,
  ) {}

  /** Id in the durable message store; 0 when the message is not stored (transient). */
  storeId = 0;
}

/** What the router needs to know about a message besides its routing key. */
export interface RoutingInfo {
  readonly properties: BasicProperties;
}
