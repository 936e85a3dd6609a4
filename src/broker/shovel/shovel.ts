// One dynamic shovel at work inside the node: a consumer on the source queue that republishes
// every delivery into the destination and settles the source as its ack mode says. It is the
// queue's ConsumerOwner, as an AMQP channel would be, so prefetch and round-robin with other
// consumers behave as for any client.
import { AmqpError } from '../../amqp/amqp-error.js';
import type { FieldTable, FieldValue } from '../../amqp/field-table.js';
import { Consumer } from '../consumer.js';
import type { ConsumerOwner } from '../consumer.js';
import type { Exchange } from '../exchange.js';
import { publishInternal } from '../internal-publish.js';
import { Message } from '../message.js';
import { decodeProperties, encodeProperties, long, sortedTable } from '../message-properties.js';
import type { Queue } from '../queue.js';
import type { VHost } from '../vhost.js';
import type { ShovelDefinition } from './shovel-definition.js';
import { isLocalUri } from './shovel-uri.js';
import type { ShovelUri } from './shovel-uri.js';

export type ShovelState = 'starting' | 'running' | 'terminated';

/** What a shovel needs from the node around it. */
export interface ShovelHost {
  vhost(name: string): VHost | undefined;
  /** The node's AMQP ports: a loopback URI on one of them is this node. */
  readonly localPorts: ReadonlySet<number>;
  /** For the x-shovelled header's shovelled-by. */
  readonly nodeName: string;
  /** The shovel moved all it was asked to (src-delete-after): remove its parameter. */
  finished(s: Shovel): void;
}

const noArguments: FieldTable = {};
/**
 * Deliveries a shovel takes before letting the event loop turn. With no-ack or on-publish every
 * delivery frees its credit at once, so without a bound one dispatch would move a whole deep queue
 * while no socket is served.
 */
const BURST = 1000;

export class Shovel implements ConsumerOwner {
  state: ShovelState = 'starting';
  /** Why the shovel is terminated ('' otherwise). */
  reason = '';
  /** When the state last changed (ms since the epoch). */
  changedAt = Date.now();
  readonly connectionOwner: object = this;
  private consumer: Consumer | null = null;
  private source: { v: VHost; q: Queue; temporary: boolean } | null = null;
  private dest: { v: VHost; exchange: Exchange | null; routingKey: string | undefined } | null = null;
  /** Deliveries still to take before the shovel is done (src-delete-after); Infinity: never done. */
  private remaining = Infinity;
  /** Deliveries published but not yet settled at the source (on-confirm waits for the store). */
  private inFlight = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Deliveries taken in this turn of the event loop (see BURST). */
  private burst = 0;
  private resumeScheduled = false;
  private stopped = false;

  constructor(
    readonly vhost: string,
    readonly name: string,
    readonly def: ShovelDefinition,
    private readonly host: ShovelHost,
  ) {}

  /** Connects source and destination and starts consuming; a failure retries after reconnect-delay. */
  start(): void {
    this.stopped = false;
    this.setState('starting');
    try {
      const srcV = this.localVhost(this.def.srcUri);
      const destV = this.localVhost(this.def.destUri);
      this.dest = this.openDestination(destV);
      this.source = this.openSource(srcV);
    } catch (err) {
      this.fail(err instanceof AmqpError ? err.text : (err as Error).message);
      return;
    }
    const q = this.source.q;
    const d = this.def.deleteAfter;
    this.remaining = d === 'never' ? Infinity : d === 'queue-length' ? q.messageCount : d;
    this.setState('running');
    if (this.remaining === 0) return this.finish();
    this.consumer = new Consumer(`amq.ctag-shovel-${this.name}`, q, this, this.def.ackMode === 'no-ack', false, 0, this.def.prefetch, noArguments);
    q.addConsumer(this.consumer);
  }

  /** Stops consuming (publishes already made still settle their source messages). */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.detach();
    this.setState('terminated');
  }

  restart(): void {
    this.stop();
    this.start();
  }

  private localVhost(uri: ShovelUri): VHost {
    if (!isLocalUri(uri, this.host.localPorts)) throw new Error(`${uri.text} is not this node: Warren's shovels run within the node only`);
    const v = this.host.vhost(uri.vhost);
    if (v === undefined) throw new Error(`no vhost '${uri.vhost}' (${uri.text})`);
    return v;
  }

  /** RabbitMQ's shovel declares a missing source or destination queue durable. */
  private ensureQueue(v: VHost, name: string): Queue {
    const q = v.queues.get(name) ?? v.declareQueue(name, { passive: false, durable: true, exclusive: false, autoDelete: false, arguments: {} }, this);
    return v.queue(q.name, this); // refuses another connection's exclusive queue (405)
  }

  private openSource(v: VHost): { v: VHost; q: Queue; temporary: boolean } {
    if (this.def.srcQueue !== undefined) return { v, q: this.ensureQueue(v, this.def.srcQueue), temporary: false };
    // An exchange source: a private queue bound with the key, gone with the shovel.
    const exchange = v.exchange(this.def.srcExchange ?? '');
    const q = v.declareQueue('', { passive: false, durable: false, exclusive: true, autoDelete: false, arguments: {} }, this);
    v.bind(exchange, q, this.def.srcExchangeKey, {});
    return { v, q, temporary: true };
  }

  private openDestination(v: VHost): { v: VHost; exchange: Exchange | null; routingKey: string | undefined } {
    if (this.def.destQueue !== undefined) {
      this.ensureQueue(v, this.def.destQueue);
      return { v, exchange: v.defaultExchange, routingKey: this.def.destQueue };
    }
    // No destination exchange: each message goes to the exchange it was published to.
    const exchange = this.def.destExchange === undefined ? null : v.exchange(this.def.destExchange);
    return { v, exchange, routingKey: this.def.destExchangeKey };
  }

  private detach(): void {
    const c = this.consumer;
    this.consumer = null;
    if (c !== null) c.queue.removeConsumer(c);
    if (this.source?.temporary && !this.source.q.deleted) this.source.v.removeQueue(this.source.q);
    this.source = null;
  }

  private fail(reason: string): void {
    this.detach();
    this.reason = reason;
    this.setState('terminated');
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.start();
    }, this.def.reconnectDelay * 1000);
    this.retryTimer.unref();
  }

  private finish(): void {
    this.detach();
    // Not from inside the queue's dispatch loop: removing the parameter stops and drops this shovel.
    setImmediate(() => this.host.finished(this));
  }

  private setState(s: ShovelState): void {
    if (s !== 'terminated') this.reason = '';
    if (this.state !== s) this.changedAt = Date.now();
    this.state = s;
  }

  // --- ConsumerOwner --------------------------------------------------------------------------

  canDeliver(c: Consumer): boolean {
    if (c !== this.consumer || this.remaining <= 0 || !(c.noAck || c.hasCredit)) return false;
    if (this.burst < BURST) return true;
    if (!this.resumeScheduled) {
      this.resumeScheduled = true;
      setImmediate(() => {
        this.resumeScheduled = false;
        this.burst = 0;
        if (this.consumer !== null) this.consumer.queue.dispatch();
      });
    }
    return false;
  }

  deliver(c: Consumer, m: Message, _redelivered: boolean): void {
    this.remaining--;
    this.burst++;
    const q = c.queue;
    let published;
    try {
      published = this.publish(m);
    } catch (err) {
      // The destination went away (exchange deleted): the shovel retries later and the message
      // goes back (after the consumer is gone, so it is not handed straight back to it).
      this.fail(err instanceof AmqpError ? err.text : (err as Error).message);
      if (!c.noAck) this.settle(c, m, false);
      return;
    }
    if (c.noAck) return this.checkDone();
    if (this.def.ackMode === 'on-publish') return this.settle(c, m, true);
    // on-confirm: the source lets go only once the destination holds the message as a publisher
    // confirm would promise (stored and synced when persistent and routed to durable queues).
    this.inFlight++;
    published.durable.then(
      () => this.settle(c, m, published.accepted, q),
      () => this.settle(c, m, false, q),
    ).finally(() => {
      this.inFlight--;
      this.checkDone();
    });
  }

  /** Acks (or, refused by the destination, requeues) a source delivery and lets more come. */
  private settle(c: Consumer, m: Message, ok: boolean, q = c.queue): void {
    c.unacked--;
    if (ok) q.settled(m);
    else {
      this.remaining++;
      q.requeue([m]);
    }
    if (c === this.consumer) q.dispatch();
    this.checkDone();
  }

  private checkDone(): void {
    if (this.remaining === 0 && this.inFlight === 0 && this.consumer !== null) this.finish();
  }

  private publish(m: Message) {
    const dest = this.dest!;
    const exchange = dest.exchange ?? dest.v.exchange(m.exchange);
    const routingKey = dest.routingKey ?? m.routingKey;
    const props = decodeProperties(m.properties);
    let properties = m.properties;
    if (this.def.addForwardHeaders || this.def.addTimestampHeader) {
      const headers: FieldTable = { ...props.headers };
      if (this.def.addForwardHeaders) {
        const previous = Array.isArray(headers['x-shovelled']) ? (headers['x-shovelled'] as FieldValue[]) : [];
        headers['x-shovelled'] = [...previous, this.forwardHeader()];
      }
      if (this.def.addTimestampHeader) headers['x-shovelled-timestamp'] = long(Math.floor(Date.now() / 1000));
      props.headers = sortedTable(headers);
      properties = encodeProperties(props);
    }
    const keys = dest.routingKey === undefined ? m.routingKeys : undefined;
    const copy = new Message(exchange.name, routingKey, properties, m.bodyPieces, m.persistent, m.priority, m.ttl, keys);
    return publishInternal(dest.v, exchange, copy, props);
  }

  /** The table RabbitMQ appends to x-shovelled (dest-add-forward-headers). */
  private forwardHeader(): FieldTable {
    const d = this.def;
    const t: FieldTable = {
      'shovel-name': this.name,
      'shovel-type': 'dynamic',
      'shovel-vhost': this.vhost,
      'shovelled-by': this.host.nodeName,
      'src-uri': d.srcUri.text,
      'dest-uri': d.destUri.text,
    };
    if (d.srcQueue !== undefined) t['src-queue'] = d.srcQueue;
    if (d.srcExchange !== undefined) {
      t['src-exchange'] = d.srcExchange;
      t['src-exchange-key'] = d.srcExchangeKey;
    }
    if (d.destQueue !== undefined) t['dest-queue'] = d.destQueue;
    if (d.destExchange !== undefined) t['dest-exchange'] = d.destExchange;
    if (d.destExchangeKey !== undefined) t['dest-exchange-key'] = d.destExchangeKey;
    return sortedTable(t);
  }

  cancelledByServer(c: Consumer): void {
    if (c !== this.consumer) return;
    this.consumer = null;
    this.fail(`source queue '${c.queue.name}' was deleted`);
  }
}
