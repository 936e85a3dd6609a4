import type { BasicProperties } from '../amqp/spec.js';
import { piecesLength } from '../amqp/octets.js';

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

  /** Body length in bytes. */
  readonly bodySize: number;

  /**
   * The body: one buffer, or the pieces a large body arrived in (views of the socket's chunks,
   * see Channel.onBody), which deliveries write as they are and `body` joins only when asked.
   */
  private content: Buffer | readonly Buffer[];

  constructor(
    readonly exchange: string,
    readonly routingKey: string,
    public properties: Buffer,
    body: Buffer | readonly Buffer[],
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
  ) {
    this.content = body;
    this.bodySize = Buffer.isBuffer(body) ? body.length : piecesLength(body);
  }

  /** The body as one buffer; a body kept in pieces is joined (once) by the first caller. */
  get body(): Buffer {
    const c = this.content;
    if (Buffer.isBuffer(c)) return c;
    return (this.content = Buffer.concat(c, this.bodySize));
  }

  /** Copies the body into `target` at `at` without joining its pieces; returns the bytes copied. */
  copyBodyTo(target: Buffer, at: number): number {
    const c = this.content;
    if (Buffer.isBuffer(c)) return c.copy(target, at);
    let n = 0;
    for (const p of c) n += p.copy(target, at + n);
    return n;
  }

  /** The body as it is held, for writing without joining it: one buffer or its pieces. */
  get bodyPieces(): Buffer | readonly Buffer[] {
    return this.content;
  }
}

/** What the router needs to know about a message besides its routing key. */
export interface RoutingInfo {
  readonly properties: BasicProperties;
}
