import type { BasicProperties } from '../amqp/spec.js';

/**
 * A published message as queues hold it. One instance is shared by every queue it was routed to.
 * `properties` is the encoded property list exactly as the publisher sent it (flags onward), so
 * delivery forwards it without re-encoding; decoded properties are not kept (memory per message).
 * What queues need from the properties (priority, per-message TTL) is decoded once at publish.
 */
export class Message {
  /**
   * When the message reached its queues (ms since the epoch), set by the first queue that needs
   * it for TTL; 0 until then. A publish reaches all its queues at the same moment, so one value
   * serves every queue, and a requeued message keeps its original expiry, as in RabbitMQ.
   */
  arrivedAt = 0;

  /** Id in the durable message store; 0 when the message is not stored (transient). */
  storeId = 0;

  constructor(
    readonly exchange: string,
    readonly routingKey: string,
    public properties: Buffer,
    readonly body: Buffer,
    /** delivery_mode = 2 */
    readonly persistent: boolean,
    /** priority property, 0 when absent */
    readonly priority: number,
    /** The expiration property in ms (validated at publish), -1 when absent. */
    readonly ttl: number = -1,
    /**
     * Every routing key the message was published with when there are several (the routing key,
     * then CC and BCC keys); undefined means just `routingKey`. Dead-lettering republishes with them.
     */
    readonly routingKeys?: readonly string[],
  ) {}
}

/** What the router needs to know about a message besides its routing key. */
export interface RoutingInfo {
  readonly properties: BasicProperties;
}
