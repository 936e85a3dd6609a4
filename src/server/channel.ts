import { randomBytes } from 'node:crypto';
import { AmqpError, amqpError, truncateReplyText } from '../amqp/amqp-error.js';
import { Reader } from '../amqp/buffer-reader.js';
import type { FieldTable } from '../amqp/field-table.js';
import { numberOf } from '../amqp/field-table.js';
import { ClassId, decodeBasicProperties, MethodId, ReplyCode } from '../amqp/spec.js';
import type { BasicProperties, BasicPublish, Method } from '../amqp/spec.js';
import { Consumer } from '../broker/consumer.js';
import type { ConsumerOwner } from '../broker/consumer.js';
import { errors } from '../broker/errors.js';
import type { Exchange } from '../broker/exchange.js';
import { Message } from '../broker/message.js';
import { parseExpiration } from '../broker/message-expiry.js';
import type { Queue } from '../broker/queue.js';
import type { VHost } from '../broker/vhost.js';
import type { Connection } from './connection.js';
import { REPLY_TO_PREFIX, REPLY_TO_QUEUE } from './direct-reply.js';
import type { ReplyReceiver } from './direct-reply.js';
import { Transaction } from './transaction.js';
import { encodeProperties } from '../broker/message-properties.js';
import { Authorizer } from '../auth/authorization.js';
import { exchangeTypes } from '../broker/exchanges/exchange-types.js';
import { ConfirmTracker } from './confirm-tracker.js';
import { ChannelStats } from './channel-stats.js';
import type { ExchangeFlow } from './channel-stats.js';
import type { Persistence } from '../store/persistence.js';
import { isOverLimit } from '../broker/limits.js';
import { userIdRefusal } from '../auth/validated-user-id.js';

/** A message delivered on this channel and not yet acknowledged. */
interface Unacked {
  readonly queue: Queue;
  readonly message: Message;
  readonly consumer: Consumer | null;
  /** Date.now() when delivered (consumer timeout). */
  readonly at: number;
}

/** Content being assembled: publish method, then header, then body frames. */
interface PendingContent {
  readonly method: BasicPublish;
  properties: Buffer | null;
  bodySize: number;
  received: number;
  /** The body's pieces so far, when they are kept apart (see KEEP_PIECES). */
  parts: Buffer[];
  /** The whole body, allocated at its announced size when the first of several frames arrives. */
  body: Buffer | null;
  /** Over max_message_size: the body is counted, not kept, and the publish refused when complete. */
  tooLarge: boolean;
}

/**
 * Bodies announced below this size are assembled in place: one buffer of the announced size, each
 * frame copied once into it. Larger ones are kept as the pieces they arrive in, views of the
 * socket's chunks (which Node never reuses), so their bytes are not copied at all: deliveries
 * write the pieces as they are. A chunk may also hold the end of the previous message or the
 * start of the next, so a kept piece can hold on to up to one chunk (64 KiB) more than its own
 * bytes at either end of a body; from this size on that is a small share. It also never reserves
 * the announced size before the bytes arrive.
 */
const KEEP_PIECES = 256 * 1024;

/** Smaller pieces of a kept body are copied rather than kept as views of a whole chunk. */
const MIN_VIEW = 4096;

const noTable: FieldTable = {};

/**
 * One AMQP channel: the exchange/queue/basic/confirm/tx methods, content assembly, consumers,
 * the unacknowledged-delivery window and publisher confirms. Soft errors close only this channel.
 */
export class Channel implements ConsumerOwner, ReplyReceiver {
  private state: 'new' | 'open' | 'closing' = 'new';
  private pending: PendingContent | null = null;
  private readonly consumers = new Map<string, Consumer>();
  private readonly unacked = new Map<number, Unacked>();
  private nextDeliveryTag = 1;
  /** Per-consumer prefetch for consumers created from now on (basic.qos global=false). */
  private consumerPrefetch = 0;
  /** Channel-wide prefetch shared by all consumers (basic.qos global=true). */
  private channelPrefetch = 0;
  private consumerUnacked = 0;
  /** Set by confirm.select: numbers publishes and sends basic.ack/nack for them. */
  private confirms: ConfirmTracker | null = null;
  private tx: Transaction | null = null;
  /** Name of the queue most recently declared here ("" in later methods refers to it). */
  private lastQueue = '';
  private replyName: string | null = null;
  private replyConsumerTag: string | null = null;
  private authorizer: Authorizer | null = null;
  /** The one consumer-timeout timer of this channel, armed while deliveries are unacknowledged. */
  private timeoutTimer: NodeJS.Timeout | null = null;
  /** Smallest consumer timeout of the queues consumed or fetched from here (ms). */
  private shortestTimeout = Infinity;

  /** Message counters (management message_stats, Prometheus). */
  readonly stats: ChannelStats;

  constructor(
    readonly connection: Connection,
    readonly id: number,
  ) {
    this.stats = new ChannelStats(connection.vhost!);
  }

  /** Read-only figures for the management API (listings of channels and consumers). */
  get info() {
    return {
      state: this.state,
      consumers: this.consumers as ReadonlyMap<string, Consumer>,
      unacked: this.unacked.size,
      prefetchCount: this.consumerPrefetch,
      globalPrefetchCount: this.channelPrefetch,
      confirm: this.confirms !== null,
      transactional: this.tx !== null,
    };
  }

  get connectionOwner(): object {
    return this.connection;
  }

  private get vhost(): VHost {
    return this.connection.vhost!;
  }

  /** Permission checks for this channel's user and vhost (RabbitMQ's access matrix). */
  private get authz(): Authorizer {
    return (this.authorizer ??= new Authorizer(this.connection.ctx.users, this.connection.user!.name, this.vhost.name));
  }

  private send(m: Method): void {
    this.connection.writer.method(this.id, m);
  }

  // --- frames ---------------------------------------------------------------------------------

  onMethod(m: Method): void {
    if (this.state === 'new') {
      if (m.id !== MethodId.ChannelOpen) throw amqpError(ReplyCode.ChannelError, "expected 'channel.open'").withMethod(m.id);
      this.checkUserChannelLimit();
      this.state = 'open';
      this.connection.ctx.broker.counters.channelsOpened++;
      this.connection.channels.set(this.id, this);
      this.send({ id: MethodId.ChannelOpenOk });
      return;
    }
    if (this.state === 'closing') {
      // After we sent channel.close only close-ok (or the peer's own close) matters.
      if (m.id === MethodId.ChannelCloseOk) this.connection.channels.delete(this.id);
      else if (m.id === MethodId.ChannelClose) this.send({ id: MethodId.ChannelCloseOk });
      return;
    }
    if (this.pending !== null) {
      const what = this.pending.properties === null
        ? 'expected content header for class 60, got non content header frame instead'
        : 'expected content body, got non content body frame instead';
      throw amqpError(ReplyCode.UnexpectedFrame, what).withMethod(MethodId.BasicPublish);
    }
    try {
      this.dispatch(m);
    } catch (err) {
      if (err instanceof AmqpError) {
        err.withMethod(m.id);
        if (!err.isHard) return this.closeWithError(err);
      }
      throw err;
    }
  }

  onHeader(buf: Buffer, start: number, end: number): void {
    if (this.state === 'closing') return;
    const p = this.pending;
    if (p === null || p.properties !== null) {
      throw amqpError(ReplyCode.UnexpectedFrame, 'expected method frame, got non method frame instead');
    }
    const r = new Reader(buf, start, end);
    const classId = r.u16();
    r.u16(); // weight
    const bodySize = r.u64();
    if (classId !== ClassId.Basic) {
      throw amqpError(ReplyCode.UnexpectedFrame, `expected content header for class 60, got one for class ${classId} instead`).withMethod(MethodId.BasicPublish);
    }
    // max_message_size: like RabbitMQ, refuse only once the whole body is in (clients such as
    // amqplib reuse the channel id as soon as it is closed, so an early close would interleave
    // with the rest of the body), but keep none of it while it streams past.
    p.tooLarge = bodySize > this.connection.ctx.options.maxMessageSize;
    // Properties are decoded when the message is complete (a bad property list is then a 541).
    p.properties = Buffer.from(buf.subarray(r.pos, end));
    p.bodySize = bodySize;
    if (bodySize === 0) this.completeContent();
  }

  /** A body frame, or a piece of one (`last` is false until the piece that ends the frame). */
  onBody(buf: Buffer, start: number, end: number, last = true): void {
    if (this.state === 'closing') return;
    const p = this.pending;
    if (p === null || p.properties === null) {
      throw amqpError(ReplyCode.UnexpectedFrame, 'expected method frame, got non method frame instead');
    }
    const size = end - start;
    p.received += size;
    if (p.received > p.bodySize) {
      // More body than announced: like RabbitMQ, the content never completes (the next method
      // on this channel fails with 505); keep nothing so a hostile peer cannot grow memory.
      p.parts.length = 0;
      p.body = null;
      return;
    }
    if (size > 0 && !p.tooLarge) {
      if (p.bodySize >= KEEP_PIECES) {
        p.parts.push(size >= MIN_VIEW ? buf.subarray(start, end) : Buffer.from(buf.subarray(start, end)));
      } else if (p.body === null && size < p.bodySize) {
        // Copy: a small body must not keep a large socket chunk alive.
        p.body = Buffer.allocUnsafe(p.bodySize);
        buf.copy(p.body, 0, start, end);
      } else if (p.body !== null) {
        buf.copy(p.body, p.received - size, start, end);
      } else {
        p.body = Buffer.from(buf.subarray(start, end));
      }
    }
    if (last && p.received === p.bodySize) this.completeContent();
  }

  private completeContent(): void {
    const p = this.pending!;
    this.pending = null;
    if (p.tooLarge) {
      const max = this.connection.ctx.options.maxMessageSize;
      return this.closeWithError(errors.messageTooLarge(p.bodySize, max).withMethod(MethodId.BasicPublish));
    }
    const body = p.body !== null ? p.body : p.parts.length === 1 ? p.parts[0] : p.parts.length === 0 ? Buffer.alloc(0) : p.parts;
    const properties = p.properties!;
    let decoded: BasicProperties;
    try {
      const r = new Reader(properties);
      decoded = decodeBasicProperties(r);
      if (r.pos !== properties.length || (properties.readUInt16BE(0) & 1) !== 0) throw new Error('malformed property list');
    } catch {
      // RabbitMQ fails the whole connection with a bare INTERNAL_ERROR here.
      throw new AmqpError(ReplyCode.InternalError, 'INTERNAL_ERROR');
    }
    try {
      this.publish(p.method, properties, decoded, body);
    } catch (err) {
      if (err instanceof AmqpError) {
        err.withMethod(MethodId.BasicPublish);
        if (!err.isHard) return this.closeWithError(err);
      }
      throw err;
    }
  }

  /** The user's max-channels limit, over all their connections: a connection error (530). */
  private checkUserChannelLimit(): void {
    const ctx = this.connection.ctx;
    const user = this.connection.user!.name;
    const max = ctx.users.users.get(user)?.limits?.['max-channels'];
    if (max !== undefined && isOverLimit(max, ctx.tracker.userChannels(user))) {
      throw amqpError(ReplyCode.NotAllowed, `number of channels opened for user '${user}' has reached the maximum allowed user limit of (${max})`)
        .withMethod(MethodId.ChannelOpen);
    }
  }

  // --- method dispatch ------------------------------------------------------------------------

  private dispatch(m: Method): void {
    switch (m.id) {
      case MethodId.ChannelOpen:
        throw amqpError(ReplyCode.ChannelError, "second 'channel.open' seen");
      case MethodId.ChannelClose:
        this.release();
        this.connection.channels.delete(this.id);
        this.send({ id: MethodId.ChannelCloseOk });
        return;
      case MethodId.AccessRequest:
        // Deprecated 0-8 access control; still sent by some old clients.
        this.send({ id: MethodId.AccessRequestOk, ticket: 1 });
        return;
      case MethodId.ChannelFlow:
        // RabbitMQ 3.x refuses to stop deliveries this way (consumers use prefetch instead).
        if (!m.active) throw amqpError(ReplyCode.NotImplemented, 'active=false');
        this.send({ id: MethodId.ChannelFlowOk, active: true });
        return;
      case MethodId.ExchangeDeclare: return this.exchangeDeclare(m);
      case MethodId.ExchangeDelete:
        if (m.exchange !== '' && !m.exchange.startsWith('amq.')) this.authz.check('exchange', m.exchange, 'configure');
        this.vhost.deleteExchange(m.exchange, m.ifUnused);
        if (!m.noWait) this.send({ id: MethodId.ExchangeDeleteOk });
        return;
      case MethodId.ExchangeBind:
      case MethodId.ExchangeUnbind: {
        const v = this.vhost;
        this.authorizeBinding(m.source, 'exchange', m.destination, m.routingKey);
        if (m.id === MethodId.ExchangeBind) v.bind(v.exchange(m.source), v.exchange(m.destination), m.routingKey, m.arguments);
        else {
          // Unbinding is idempotent: a missing end or binding is not an error.
          const src = v.exchanges.get(m.source);
          const dest = v.exchanges.get(m.destination);
          if (src && dest) v.unbind(src, dest, m.routingKey, m.arguments);
        }
        if (!m.noWait) this.send({ id: m.id === MethodId.ExchangeBind ? MethodId.ExchangeBindOk : MethodId.ExchangeUnbindOk });
        return;
      }
      case MethodId.QueueDeclare: return this.queueDeclare(m);
      case MethodId.QueueBind:
      case MethodId.QueueUnbind: {
        const v = this.vhost;
        // queue '' with routing key '' means: the last declared queue, under its own name.
        const routingKey = m.queue === '' && m.routingKey === '' ? this.queueName('') : m.routingKey;
        this.authorizeBinding(m.exchange, 'queue', this.queueName(m.queue), routingKey);
        if (m.id === MethodId.QueueBind) {
          const ex = v.exchange(m.exchange);
          v.bind(ex, v.queue(this.queueName(m.queue), this.connection), routingKey, m.arguments);
          if (!m.noWait) this.send({ id: MethodId.QueueBindOk });
        } else {
          const ex = v.exchanges.get(m.exchange);
          const q = v.queues.get(this.queueName(m.queue));
          if (ex && q) v.unbind(ex, v.queue(q.name, this.connection), routingKey, m.arguments);
          this.send({ id: MethodId.QueueUnbindOk });
        }
        return;
      }
      case MethodId.QueuePurge: {
        this.authz.check('queue', this.queueName(m.queue), 'read');
        const q = this.vhost.queue(this.queueName(m.queue), this.connection);
        const messageCount = q.purge();
        if (!m.noWait) this.send({ id: MethodId.QueuePurgeOk, messageCount });
        return;
      }
      case MethodId.QueueDelete: {
        this.authz.check('queue', this.queueName(m.queue), 'configure');
        const messageCount = this.vhost.deleteQueue(this.queueName(m.queue), m.ifUnused, m.ifEmpty, this.connection);
        if (!m.noWait) this.send({ id: MethodId.QueueDeleteOk, messageCount });
        return;
      }
      case MethodId.BasicQos:
        if (m.prefetchSize !== 0) throw amqpError(ReplyCode.NotImplemented, `prefetch_size!=0 (${m.prefetchSize})`);
        if (m.global) this.channelPrefetch = m.prefetchCount;
        else this.consumerPrefetch = m.prefetchCount;
        this.send({ id: MethodId.BasicQosOk });
        this.resumeDeliveries();
        return;
      case MethodId.BasicConsume: return this.consume(m.queue, m.consumerTag, m.noAck, m.exclusive, m.noWait, m.arguments);
      case MethodId.BasicCancel: return this.cancel(m.consumerTag, m.noWait);
      case MethodId.BasicPublish:
        if (m.immediate) throw amqpError(ReplyCode.NotImplemented, 'immediate=true');
        this.pending = { method: m, properties: null, bodySize: 0, received: 0, parts: [], body: null, tooLarge: false };
        return;
      case MethodId.BasicGet: return this.get(m.queue, m.noAck);
      case MethodId.BasicAck: return this.ack(m.deliveryTag, m.multiple);
      case MethodId.BasicReject: return this.reject(m.deliveryTag, false, m.requeue);
      case MethodId.BasicNack: return this.reject(m.deliveryTag, m.multiple, m.requeue);
      case MethodId.BasicRecover:
      case MethodId.BasicRecoverAsync:
        this.recover(m.requeue);
        if (m.id === MethodId.BasicRecover) this.send({ id: MethodId.BasicRecoverOk });
        return;
      case MethodId.ConfirmSelect:
        if (this.tx) throw errors.preconditionFailed('cannot switch from tx to confirm mode');
        this.confirms ??= new ConfirmTracker((ack, deliveryTag, multiple) => {
          if (this.state === 'open') this.send({ id: ack ? MethodId.BasicAck : MethodId.BasicNack, deliveryTag, multiple, requeue: false } as Method);
        });
        if (!m.noWait) this.send({ id: MethodId.ConfirmSelectOk });
        return;
      case MethodId.TxSelect:
        if (this.confirms) throw errors.preconditionFailed('cannot switch from confirm to tx mode');
        this.tx ??= new Transaction();
        this.send({ id: MethodId.TxSelectOk });
        return;
      case MethodId.TxCommit: return this.txCommit();
      case MethodId.TxRollback: return this.txRollback();
    }
    // Server-to-client methods (deliver, get-ok, close-ok out of turn, ...) are not accepted.
    throw amqpError(ReplyCode.CommandInvalid, 'unimplemented method');
  }

  /** "" as a queue name means the queue last declared on this channel (AMQP 0-9-1). */
  private queueName(name: string): string {
    if (name !== '') return name;
    if (this.lastQueue === '') throw amqpError(ReplyCode.NotFound, 'no previously declared queue');
    return this.lastQueue;
  }

  // --- exchange and queue ---------------------------------------------------------------------

  /**
   * queue.bind/unbind and exchange.bind/unbind, in RabbitMQ's order: write on the destination,
   * the default exchange refused, read on the source, then read on the binding key when the source
   * is a topic exchange with a topic permission.
   */
  private authorizeBinding(source: string, destKind: 'queue' | 'exchange', destination: string, routingKey: string): void {
    this.authz.check(destKind, destination, 'write');
    if (source === '' || (destKind === 'exchange' && destination === '')) throw errors.defaultExchange();
    this.authz.check('exchange', source, 'read');
    const x = this.vhost.exchanges.get(source);
    if (x?.type === 'topic') this.authz.checkTopic(source, routingKey, 'read');
  }

  private exchangeDeclare(m: Extract<Method, { id: typeof MethodId.ExchangeDeclare }>): void {
    // As RabbitMQ: passive needs no permission; an unknown type (503) and the default exchange
    // come first; an alternate exchange of a new exchange needs read on it and write on the AE.
    if (!m.passive && m.exchange !== '' && exchangeTypes.has(m.type)) {
      this.authz.check('exchange', m.exchange, 'configure');
      const ae = m.arguments['alternate-exchange'];
      if (typeof ae === 'string' && !this.vhost.exchanges.has(m.exchange) && !m.exchange.startsWith('amq.')) {
        this.authz.check('exchange', m.exchange, 'read');
        this.authz.check('exchange', ae, 'write');
      }
    }
    this.vhost.declareExchange(m.exchange, m.type, {
      passive: m.passive, durable: m.durable, autoDelete: m.autoDelete, internal: m.internal, arguments: m.arguments,
    });
    if (!m.noWait) this.send({ id: MethodId.ExchangeDeclareOk });
  }

  private queueDeclare(m: Extract<Method, { id: typeof MethodId.QueueDeclare }>): void {
    if (m.passive && m.queue === REPLY_TO_QUEUE) {
      if (!m.noWait) this.send({ id: MethodId.QueueDeclareOk, queue: m.queue, messageCount: 0, consumerCount: 1 });
      return;
    }
    const q = this.vhost.declareQueue(m.queue, {
      passive: m.passive, durable: m.durable, exclusive: m.exclusive, autoDelete: m.autoDelete, arguments: m.arguments,
    }, this.connection, (name) => {
      // Configure on the actual name (amq.gen-... too); a dead-letter exchange needs read on the
      // queue and write on the exchange.
      this.authz.check('queue', name, 'configure');
      const dlx = m.arguments['x-dead-letter-exchange'];
      if (typeof dlx === 'string') {
        this.authz.check('queue', name, 'read');
        this.authz.check('exchange', dlx, 'write');
      }
    });
    this.lastQueue = q.name;
    if (!m.noWait) this.send({ id: MethodId.QueueDeclareOk, queue: q.name, messageCount: q.messageCount, consumerCount: q.consumerCount });
  }

  // --- consumers ------------------------------------------------------------------------------

  private consume(queueName: string, tag: string, noAck: boolean, exclusive: boolean, noWait: boolean, args: FieldTable): void {
    if (tag === '') tag = 'amq.ctag-' + randomBytes(16).toString('base64url').slice(0, 22);
    else if (this.consumers.has(tag) || tag === this.replyConsumerTag) {
      throw amqpError(ReplyCode.NotAllowed, `attempt to reuse consumer tag '${tag}'`);
    }
    if (queueName === REPLY_TO_QUEUE) return this.consumeReplies(tag, noAck, noWait);
    this.authz.check('queue', this.queueName(queueName), 'read');
    const q = this.vhost.queue(this.queueName(queueName), this.connection);
    // A single-active-consumer queue refuses exclusive consumers outright.
    if (q.hasExclusiveConsumer || (exclusive && (q.consumerCount > 0 || q.features.singleActiveConsumer))) {
      throw errors.exclusiveConsumer(q.name, this.vhost.name);
    }
    const priority = numberOf(args['x-priority']) ?? 0;
    const c = new Consumer(tag, q, this, noAck, exclusive, priority, this.consumerPrefetch, args ?? noTable);
    this.consumers.set(tag, c);
    if (!noAck) this.noteTimeout(q);
    // consume-ok must reach the client before the first delivery for this tag.
    if (!noWait) this.send({ id: MethodId.BasicConsumeOk, consumerTag: tag });
    q.addConsumer(c);
  }

  private consumeReplies(tag: string, noAck: boolean, noWait: boolean): void {
    if (!noAck) throw errors.preconditionFailed('reply consumer cannot acknowledge');
    if (this.replyConsumerTag !== null) throw errors.preconditionFailed('reply consumer already set');
    this.replyConsumerTag = tag;
    this.replyName ??= this.connection.ctx.directReply.register(this);
    if (!noWait) this.send({ id: MethodId.BasicConsumeOk, consumerTag: tag });
  }

  private cancel(tag: string, noWait: boolean): void {
    if (tag === this.replyConsumerTag) {
      this.replyConsumerTag = null;
    } else {
      const c = this.consumers.get(tag);
      if (c) {
        this.consumers.delete(tag);
        c.queue.removeConsumer(c);
      }
    }
    if (!noWait) this.send({ id: MethodId.BasicCancelOk, consumerTag: tag });
  }

  canDeliver(c: Consumer): boolean {
    if (this.state !== 'open' || !this.connection.canWrite) return false;
    if (c.noAck) return true;
    return c.hasCredit && (this.channelPrefetch === 0 || this.consumerUnacked < this.channelPrefetch);
  }

  deliver(c: Consumer, message: Message, redelivered: boolean, properties = message.properties): void {
    const deliveryTag = this.nextDeliveryTag++;
    this.stats.delivered(c.queue, c.noAck, redelivered);
    if (!c.noAck) {
      this.unacked.set(deliveryTag, { queue: c.queue, message, consumer: c, at: Date.now() });
      this.consumerUnacked++;
      if (this.timeoutTimer === null) this.armConsumerTimeout();
    }
    this.connection.writer.content(
      this.id,
      { id: MethodId.BasicDeliver, consumerTag: c.tag, deliveryTag, redelivered, exchange: message.exchange, routingKey: message.routingKey },
      ClassId.Basic,
      properties,
      message.bodyPieces,
    );
  }

  cancelledByServer(c: Consumer): void {
    if (!this.consumers.delete(c.tag)) return;
    if (this.state !== 'open') return;
    // consumer_cancel_notify: tell the client its consumer is gone (queue deleted).
    this.send({ id: MethodId.BasicCancel, consumerTag: c.tag, noWait: true });
  }

  receiveReply(exchange: string, routingKey: string, properties: Buffer, body: Buffer): void {
    if (this.replyConsumerTag === null || this.state !== 'open') return;
    this.connection.writer.content(
      this.id,
      { id: MethodId.BasicDeliver, consumerTag: this.replyConsumerTag, deliveryTag: this.nextDeliveryTag++, redelivered: false, exchange, routingKey },
      ClassId.Basic,
      properties,
      body,
    );
  }

  /** Re-runs dispatch on every queue we consume from (credit returned, socket drained, flow on). */
  resumeDeliveries(): void {
    if (this.state !== 'open') return;
    const queues = new Set<Queue>();
    for (const c of this.consumers.values()) queues.add(c.queue);
    for (const q of queues) q.dispatch();
  }

  // --- consumer timeout -----------------------------------------------------------------------

  /** x-consumer-timeout of the queue, else the broker's consumer_timeout; null: none. */
  private timeoutOf(q: Queue): number | null {
    const t = q.features.consumerTimeout;
    return t >= 0 ? t : this.connection.ctx.options.consumerTimeout;
  }

  /** Lowers the channel's shortest timeout in use when a consumer or basic.get uses queue `q`. */
  private noteTimeout(q: Queue): void {
    const t = this.timeoutOf(q);
    if (t !== null && t < this.shortestTimeout) this.shortestTimeout = t;
  }

  /**
   * Arms the channel's single timer for the earliest moment the oldest unacknowledged delivery
   * (the first in the tag-ordered map) could time out under the shortest timeout in use here.
   * Acks in between cost nothing: a timer that fires early just re-arms.
   */
  private armConsumerTimeout(): void {
    if (this.state !== 'open' || this.shortestTimeout === Infinity) return;
    const first = this.unacked.values().next();
    if (first.done) return;
    const wait = Math.max(0, first.value.at + this.shortestTimeout - Date.now());
    this.timeoutTimer = setTimeout(this.checkConsumerTimeout, wait + 1);
    this.timeoutTimer.unref();
  }

  /** Deliveries are scanned oldest first, up to the first one younger than the shortest timeout. */
  private readonly checkConsumerTimeout = (): void => {
    this.timeoutTimer = null;
    if (this.state !== 'open') return;
    const now = Date.now();
    for (const u of this.unacked.values()) {
      const age = now - u.at;
      if (age < this.shortestTimeout) break;
      const timeout = this.timeoutOf(u.queue);
      if (timeout !== null && age >= timeout) {
        this.connection.log.warning('consumer_timeout', { channel: this.id, timeoutMs: timeout });
        this.closeWithError(errors.preconditionFailed(
          `delivery acknowledgement on channel ${this.id} timed out. Timeout value used: ${timeout} ms. ` +
          'This timeout value can be configured, see consumers doc guide to learn more'));
        return;
      }
    }
    this.armConsumerTimeout();
  };

  // --- get, ack, reject, recover --------------------------------------------------------------

  private get(queueName: string, noAck: boolean): void {
    this.authz.check('queue', this.queueName(queueName), 'read');
    const q = this.vhost.queue(this.queueName(queueName), this.connection);
    const got = q.get(noAck);
    if (!got) {
      this.stats.gotEmpty(q);
      this.send({ id: MethodId.BasicGetEmpty });
      return;
    }
    this.stats.got(q, noAck, got.redelivered);
    const deliveryTag = this.nextDeliveryTag++;
    if (!noAck) {
      this.noteTimeout(q);
      this.unacked.set(deliveryTag, { queue: q, message: got.message, consumer: null, at: Date.now() });
      if (this.timeoutTimer === null) this.armConsumerTimeout();
    }
    this.connection.writer.content(
      this.id,
      {
        id: MethodId.BasicGetOk, deliveryTag, redelivered: got.redelivered,
        exchange: got.message.exchange, routingKey: got.message.routingKey, messageCount: q.messageCount,
      },
      ClassId.Basic,
      got.properties ?? got.message.properties,
      got.message.bodyPieces,
    );
  }

  /** Removes and returns the deliveries an ack/nack/reject refers to; 406 for unknown tags. */
  private take(deliveryTag: number, multiple: boolean): [number, Unacked][] {
    const taken: [number, Unacked][] = [];
    if (multiple) {
      for (const [tag, u] of this.unacked) {
        if (deliveryTag !== 0 && tag > deliveryTag) break;
        this.unacked.delete(tag);
        taken.push([tag, u]);
      }
      if (taken.length === 0 && deliveryTag !== 0 && deliveryTag >= this.nextDeliveryTag) {
        throw errors.preconditionFailed(`unknown delivery tag ${deliveryTag}`);
      }
      return taken;
    }
    const u = this.unacked.get(deliveryTag);
    if (!u) throw errors.preconditionFailed(`unknown delivery tag ${deliveryTag}`);
    this.unacked.delete(deliveryTag);
    taken.push([deliveryTag, u]);
    return taken;
  }

  private ack(deliveryTag: number, multiple: boolean): void {
    const taken = this.take(deliveryTag, multiple);
    if (this.tx) return this.tx.addAcks(taken, 'ack');
    this.settle(taken.map(([, u]) => u), 'ack');
  }

  private reject(deliveryTag: number, multiple: boolean, requeue: boolean): void {
    const taken = this.take(deliveryTag, multiple);
    const how = requeue ? 'requeue' : 'drop';
    if (this.tx) return this.tx.addAcks(taken, how);
    this.settle(taken.map(([, u]) => u), how);
  }

  /**
   * Applies acks or rejects to the queues, then lets freed credit pull more messages. Rejects
   * without requeue dead-letter (reason rejected) where the queue has a dead-letter exchange.
   */
  private settle(deliveries: Unacked[], how: 'ack' | 'drop' | 'requeue'): void {
    const byQueue = new Map<Queue, Message[]>();
    for (const u of deliveries) {
      if (u.consumer !== null) {
        u.consumer.unacked--;
        this.consumerUnacked--;
      }
      if (how === 'ack') {
        this.stats.acked(u.queue);
        u.queue.settled(u.message);
      } else {
        let list = byQueue.get(u.queue);
        if (!list) byQueue.set(u.queue, (list = []));
        list.push(u.message);
      }
    }
    for (const [q, msgs] of byQueue) {
      if (how === 'requeue') q.requeue(msgs);
      else q.reject(msgs);
    }
    this.resumeDeliveries();
  }

  private recover(requeue: boolean): void {
    if (!requeue) throw amqpError(ReplyCode.NotImplemented, 'requeue=false');
    const all = [...this.unacked.values()];
    this.unacked.clear();
    this.settle(all, 'requeue');
  }

  // --- publish --------------------------------------------------------------------------------

  private publish(m: BasicPublish, properties: Buffer, props: BasicProperties, body: Buffer | readonly Buffer[]): void {
    const v = this.vhost;
    this.authz.check('exchange', m.exchange, 'write');
    const exchange = v.exchange(m.exchange);
    if (exchange.internal) throw errors.internalExchange(m.exchange, v.name);
    if (exchange.type === 'topic') this.authz.checkTopic(m.exchange, m.routingKey, 'write');
    const refusal = userIdRefusal(this.connection.user!, props.userId);
    if (refusal !== null) throw errors.preconditionFailed(refusal);
    if (props.replyTo === REPLY_TO_QUEUE) {
      if (this.replyName === null || this.replyConsumerTag === null) throw errors.preconditionFailed('fast reply consumer does not exist');
      props.replyTo = this.replyName;
      properties = encodeProperties(props);
    }
    const ttl = parseExpiration(props.expiration);
    const headers = props.headers;
    let routingKeys: string[] = [m.routingKey];
    if (headers !== undefined && (headers['CC'] !== undefined || headers['BCC'] !== undefined)) {
      routingKeys = routingKeys.concat(stringList(headers['CC']), stringList(headers['BCC']));
      if (headers['BCC'] !== undefined) {
        // BCC recipients are routed to but never shown to consumers.
        delete headers['BCC'];
        properties = encodeProperties(props);
      }
    }
    const message = new Message(m.exchange, m.routingKey, properties, body, props.deliveryMode === 2, props.priority ?? 0, ttl,
      routingKeys.length > 1 ? routingKeys : undefined);
    const seq = this.confirms ? this.confirms.next() : 0;

    if (exchange === v.defaultExchange && m.routingKey.startsWith(REPLY_TO_PREFIX)) {
      const receiver = this.connection.ctx.directReply.lookup(m.routingKey);
      const flow = this.stats.received(exchange, seq !== 0);
      if (receiver) receiver.receiveReply(m.exchange, m.routingKey, properties, message.body);
      else if (m.mandatory) this.returnMessage(message);
      if (seq) this.confirm(seq, flow, true);
      return;
    }

    if (exchange.type === 'x-delayed-message') {
      // Held until its x-delay passes, then routed (the plugin makes no mandatory returns either).
      const held = v.delay(exchange, message, routingKeys, headers);
      if (held !== 'no') {
        const flow = this.stats.received(exchange, seq !== 0);
        if (seq === 0) return;
        if (held === 'held') return this.confirm(seq, flow, true);
        return this.persistence!.afterDurable((err) => this.confirm(seq, flow, !err));
      }
    }

    const queues = new Set<Queue>();
    v.route(exchange, routingKeys, headers, queues, props);
    if (this.tx) {
      this.tx.addPublish(message, queues, m.mandatory);
      return;
    }
    const stored = this.persistence?.storeMessage(message, queues) ?? false;
    const flow = this.stats.routed(exchange, queues, m.mandatory, seq !== 0);
    const accepted = this.deliverRouted(message, queues, m.mandatory);
    if (seq === 0) return;
    // A queue refusing the message (x-overflow reject-publish) makes it a nack.
    if (!accepted || !stored) return this.confirm(seq, flow, accepted);
    // A stored message is confirmed only once the fdatasync covering it has completed.
    this.persistence!.afterDurable((err) => this.confirm(seq, flow, !err));
  }

  /** Settles a publish in confirm mode (basic.ack or basic.nack), counting the acks. */
  private confirm(seq: number, flow: ExchangeFlow, ack: boolean): void {
    if (ack && this.state === 'open') this.stats.confirmed(flow);
    this.confirms?.settle(seq, ack);
  }

  private get persistence(): Persistence | null {
    return this.connection.ctx.persistence;
  }

  /** Returns false when a queue refused the message (x-overflow reject-publish). */
  private deliverRouted(message: Message, queues: Set<Queue>, mandatory: boolean): boolean {
    if (queues.size === 0) {
      if (mandatory) this.returnMessage(message);
      return true;
    }
    let accepted = true;
    for (const q of queues) if (!q.deleted && !q.enqueue(message)) accepted = false;
    return accepted;
  }

  private returnMessage(message: Message): void {
    this.connection.writer.content(
      this.id,
      { id: MethodId.BasicReturn, replyCode: ReplyCode.NoRoute, replyText: 'NO_ROUTE', exchange: message.exchange, routingKey: message.routingKey },
      ClassId.Basic,
      message.properties,
      message.bodyPieces,
    );
  }

  // --- transactions ---------------------------------------------------------------------------

  private txCommit(): void {
    if (!this.tx) throw errors.preconditionFailed('channel is not transactional');
    const tx = this.tx;
    this.tx = new Transaction();
    let stored = false;
    for (const p of tx.publishes) {
      if (this.persistence?.storeMessage(p.message, p.queues)) stored = true;
      const exchange = this.vhost.exchanges.get(p.message.exchange);
      if (exchange !== undefined) this.stats.routed(exchange, p.queues, p.mandatory, false);
      this.deliverRouted(p.message, p.queues, p.mandatory);
    }
    for (const [how, deliveries] of tx.settlements<Unacked>()) this.settle(deliveries, how);
    if (!stored) return this.send({ id: MethodId.TxCommitOk });
    // commit-ok promises durability of the persistent messages in the transaction.
    this.persistence!.afterDurable(() => {
      if (this.state === 'open') this.send({ id: MethodId.TxCommitOk });
    });
  }

  private txRollback(): void {
    if (!this.tx) throw errors.preconditionFailed('channel is not transactional');
    const tx = this.tx;
    this.tx = new Transaction();
    // Acks made inside the transaction are undone: the deliveries are unacknowledged again.
    const restored = [...this.unacked.entries(), ...tx.ackedDeliveries()].sort((a, b) => a[0] - b[0]);
    this.unacked.clear();
    for (const [tag, u] of restored) this.unacked.set(tag, u as Unacked);
    if (this.timeoutTimer === null) this.armConsumerTimeout();
    this.send({ id: MethodId.TxRollbackOk });
  }

  // --- closing --------------------------------------------------------------------------------

  /** A soft error: send channel.close and drop everything the channel holds. */
  closeWithError(e: AmqpError): void {
    this.connection.log.info('channel_error', { channel: this.id, code: e.code, text: e.text });
    this.release();
    this.state = 'closing';
    this.send({ id: MethodId.ChannelClose, replyCode: e.code, replyText: truncateReplyText(e.text), classId: e.classId, methodId: e.methodId });
  }

  /** Cancels consumers and requeues unacknowledged messages (channel or connection closing). */
  release(): void {
    if (this.state === 'closing') return;
    if (this.state === 'open') this.connection.ctx.broker.counters.channelsClosed++;
    this.state = 'closing';
    if (this.timeoutTimer !== null) clearTimeout(this.timeoutTimer);
    this.timeoutTimer = null;
    this.confirms?.stop();
    this.pending = null;
    if (this.replyName !== null) this.connection.ctx.directReply.unregister(this.replyName);
    this.replyName = null;
    this.replyConsumerTag = null;
    const unacked = [...this.unacked.values()];
    if (this.tx) unacked.push(...this.tx.ackedDeliveries().map(([, u]) => u as Unacked));
    this.unacked.clear();
    this.tx = null;
    const byQueue = new Map<Queue, Message[]>();
    for (const u of unacked) {
      let list = byQueue.get(u.queue);
      if (!list) byQueue.set(u.queue, (list = []));
      list.push(u.message);
    }
    // Unacked messages go back before the consumers go away (this channel no longer takes
    // deliveries), so a consumer taking over (single active consumer) gets them first, in order.
    for (const [q, msgs] of byQueue) q.requeue(msgs, true);
    for (const c of this.consumers.values()) c.queue.removeConsumer(c);
    this.consumers.clear();
  }
}

function stringList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map((x) => (Buffer.isBuffer(x) ? x.toString() : String(x)));
  return [];
}
