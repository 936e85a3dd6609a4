import type { FieldTable } from '../amqp/field-table.js';
import type { Binding } from './binding.js';
import type { Consumer } from './consumer.js';
import type { DeathReason } from './dead-letter.js';
import type { Message } from './message.js';
import { MessageDeque, REDELIVERED } from './message-deque.js';
import type { ReadyQueue } from './message-deque.js';
import { expiresAt, Timer } from './message-expiry.js';
import { withDeliveryCount } from './message-properties.js';
import { PriorityDeque } from './priority-deque.js';
import { MessageCounters } from './message-stats.js';
import type { GlobalCounters } from './message-stats.js';
import { queueFeatures } from './queue-features.js';
import type { QueueFeatures } from './queue-features.js';
import type { QueueJournal } from './queue-journal.js';

const NO_BINDINGS: ReadonlySet<Binding> = new Set();

export type QueueType = 'classic' | 'quorum' | 'stream';

export interface QueueOptions {
  durable: boolean;
  /** Owning connection of an exclusive queue, null otherwise. */
  exclusiveOwner: object | null;
  autoDelete: boolean;
  arguments: FieldTable;
  type: QueueType;
  /**
   * Makes the FIFO(s) holding ready messages (one per priority level in use); the store supplies
   * paged ones so deep queues stay out of the heap. Default: in-memory MessageDeque.
   */
  readyQueue?: (part: string) => ReadyQueue;
}

/** A message handed out by basic.get. */
export interface GetResult {
  message: Message;
  redelivered: boolean;
  /** The property list to send when it differs from the stored one (quorum x-delivery-count). */
  properties?: Buffer;
}

/**
 * A queue: ready messages in delivery order, the consumers waiting for them, and the count of
 * messages delivered but not yet acknowledged. Delivery order per queue is preserved; among
 * consumers of the same priority, messages go round-robin to those with spare prefetch.
 *
 * The x-argument features (see QueueFeatures) live here too: message TTL (one timer, for the
 * head), x-expires, length limits and overflow, priorities (the ready messages are then a
 * PriorityDeque), single active consumer, and for quorum queues delivery counts and the delivery
 * limit. Messages leaving dead go to `onDeadLetter`, which the vhost routes to the dead-letter
 * exchange. A queue using none of them pays a few comparisons per message.
 */
export class Queue {
  readonly kind = 'queue' as const;
  features: QueueFeatures;
  /** Name of the policy in effect (for listings), null when none applies. */
  policy: string | null = null;
  operatorPolicy: string | null = null;
  /** The policy's and operator policy's definitions merged (RabbitMQ's effective_policy_definition). */
  effectivePolicyDefinition: Record<string, unknown> = {};
  readonly messages: ReadyQueue;
  /** Consumers ordered by descending x-priority, then by arrival. */
  private consumerList: Consumer[] = [];
  /** Round-robin position per consumer priority level; made on first delivery (idle queues are many). */
  private cursors: Map<number, number> | null = null;
  /** Bindings that deliver into this queue; made on the first bind (most queues have none but the default). */
  private bindingSet: Set<Binding> | null = null;
  unackedCount = 0;
  /** Body bytes of the unacknowledged deliveries (message_bytes_unacknowledged). */
  unackedBytes = 0;
  deleted = false;
  private dispatching = false;
  private dispatchAgain = false;
  private hadConsumers = false;
  /** Flags of the message most recently taken by takeHead(). */
  private takenFlags = 0;
  /** x-single-active-consumer: the consumer that gets every message; the others wait. */
  private active: Consumer | null = null;
  /** Consumers in the order they subscribed (single-active-consumer failover of quorum queues). */
  private arrivals: Consumer[] | null = null;
  /**
   * Messages here may expire: the queue has x-message-ttl, or a message with an expiration
   * property was enqueued (sticky). Keeps TTL checks off the path of queues that never use TTL;
   * code putting messages into `messages` directly (recovery) must set it for such messages.
   */
  mayExpire: boolean;
  /** Fires when the head message expires. */
  private ttlTimer: Timer | null = null;
  /** x-expires: fires when the queue has gone unused for that long. */
  private expiryTimer: Timer | null = null;
  /** Quorum queues: how often each message came back (x-delivery-count, x-delivery-limit). */
  private readonly deliveryCounts: WeakMap<Message, number> | null;
  /** Quorum reject-publish: over the limit, refusing publishes until back under 80% of it. */
  private publishBlocked = false;
  /** Durable storage for this queue's persistent messages; null for transient queues. */
  journal: QueueJournal | null = null;
  /** message_stats of this queue (publish, deliveries, acks), counted by the channels. */
  readonly stats = new MessageCounters();
  /** The node's counters (dead-lettered messages), set by the vhost. */
  counters: GlobalCounters | null = null;
  /** Called when an auto-delete queue loses its last consumer. */
  onUnused: ((q: Queue) => void) | null = null;
  /** Called when x-expires elapses with the queue unused: the owner deletes it. */
  onExpired: ((q: Queue) => void) | null = null;
  /** Messages that died here (only called when the queue has a dead-letter exchange). */
  onDeadLetter: ((q: Queue, messages: Message[], reason: DeathReason) => void) | null = null;

  constructor(
    readonly vhost: string,
    readonly name: string,
    readonly options: QueueOptions,
  ) {
    const f = (this.features = queueFeatures(options.arguments, options.type));
    const fifo = options.readyQueue;
    this.messages = f.maxPriority > 0
      ? new PriorityDeque(f.maxPriority, fifo ? (level) => fifo(`p${level}`) : undefined)
      : fifo?.('fifo') ?? new MessageDeque();
    this.mayExpire = f.messageTtl >= 0;
    this.deliveryCounts = options.type === 'quorum' ? new WeakMap() : null;
    if (f.singleActiveConsumer) this.arrivals = [];
    this.touch();
  }

  /** Bindings that deliver into this queue (for cleanup on delete and listings). */
  get bindings(): ReadonlySet<Binding> { return this.bindingSet ?? NO_BINDINGS; }
  addBinding(b: Binding): void { (this.bindingSet ??= new Set()).add(b); }
  removeBinding(b: Binding): void { this.bindingSet?.delete(b); }

  get durable(): boolean { return this.options.durable; }
  get exclusiveOwner(): object | null { return this.options.exclusiveOwner; }
  get exclusive(): boolean { return this.options.exclusiveOwner !== null; }
  get autoDelete(): boolean { return this.options.autoDelete; }
  get arguments(): FieldTable { return this.options.arguments; }
  get type(): QueueType { return this.options.type; }
  get consumers(): readonly Consumer[] { return this.consumerList; }
  get consumerCount(): number { return this.consumerList.length; }
  get messageCount(): number { return this.messages.length; }
  get hasExclusiveConsumer(): boolean {
    return this.consumerList.length > 0 && this.consumerList[0].exclusive;
  }
  /** With x-single-active-consumer, the consumer currently receiving messages. */
  get activeConsumer(): Consumer | null { return this.active; }

  // --- publishing -----------------------------------------------------------------------------

  /**
   * Takes a routed message. Returns false when the queue refuses it (x-overflow reject-publish
   * or reject-publish-dlx over the limit): the publisher gets a basic.nack if it uses confirms.
   */
  enqueue(m: Message): boolean {
    const f = this.features;
    if (f.limited && f.overflow !== 'drop-head' && this.refuses(m)) {
      if (m.storeId !== 0) this.journal?.removed(m);
      return false;
    }
    if (m.ttl >= 0) this.mayExpire = true;
    if (m.arrivedAt === 0 && this.mayExpire) m.arrivedAt = Date.now();
    // A waiting consumer gets it straight away, whatever its TTL (RabbitMQ's attempt_delivery).
    if (this.messages.length === 0 && this.consumerList.length > 0 && !this.dispatching) {
      const c = this.nextConsumer();
      if (c !== undefined) {
        this.deliverTo(c, m, 0);
        return true;
      }
    }
    this.messages.push(m);
    if (this.dispatching) this.dispatchAgain = true;
    if (f.limited) this.enforceLimits();
    if (this.mayExpire && this.messages.peek() === m) this.dropExpired();
    return true;
  }

  /** Whether a publish is refused by a reject-publish overflow policy (dead-lettering it for -dlx). */
  private refuses(m: Message): boolean {
    const f = this.features;
    if (this.deliveryCounts !== null) return this.publishBlocked; // quorum: blocked until under 80%
    if (this.messages.length + 1 <= f.maxLength && this.messages.bytes + m.bodySize <= f.maxBytes) return false;
    if (f.overflow === 'reject-publish-dlx') this.discard([m], 'maxlen', true); // enqueue journals the refusal
    return true;
  }

  /** After a message was added: drop from the head while over a limit (or block publishers). */
  private enforceLimits(): void {
    const f = this.features;
    const over = () => this.messages.length > f.maxLength || this.messages.bytes > f.maxBytes;
    if (f.overflow !== 'drop-head') {
      if (this.deliveryCounts !== null && over()) this.publishBlocked = true;
      return;
    }
    let dropped: Message[] | null = null;
    while (this.messages.length > 0 && over()) (dropped ??= []).push(this.messages.shift()!);
    if (dropped !== null) {
      this.discard(dropped, 'maxlen');
      this.dropExpired();
    }
  }

  // --- taking messages ------------------------------------------------------------------------

  /** Takes the head message for basic.get. */
  get(noAck: boolean): GetResult | undefined {
    if (this.expiryTimer !== null) this.touch();
    const message = this.takeHead();
    if (!message) return undefined;
    if (!noAck) {
      this.unackedCount++;
      this.unackedBytes += message.bodySize;
    }
    this.journalDelivery(message, noAck);
    const redelivered = (this.takenFlags & REDELIVERED) !== 0;
    if (this.deliveryCounts !== null) {
      // Quorum queues put x-delivery-count on every basic.get, 0 the first time.
      const n = this.deliveryCounts.get(message) ?? 0;
      return { message, redelivered, properties: withDeliveryCount(message.properties, n) };
    }
    return { message, redelivered };
  }

  /**
   * Removes the head for delivery, first dropping any expired messages in front of it; then
   * deals with the next head (expired already, or the TTL timer set for it), as RabbitMQ does
   * after each fetch, so counts reported right after never include expired heads.
   */
  private takeHead(): Message | undefined {
    if (this.mayExpire) this.dropExpired();
    const m = this.messages.shift();
    if (m === undefined) return undefined;
    this.takenFlags = this.messages.lastFlags;
    if (this.mayExpire) this.dropExpired();
    if (this.publishBlocked) this.maybeUnblock();
    return m;
  }

  private deliverTo(c: Consumer, m: Message, flags: number): void {
    if (!c.noAck) {
      this.unackedCount++;
      this.unackedBytes += m.bodySize;
      c.unacked++;
    }
    this.journalDelivery(m, c.noAck);
    const count = this.deliveryCounts?.get(m);
    // Quorum queues add x-delivery-count to consumer deliveries once a message has come back.
    if (count !== undefined) c.owner.deliver(c, m, true, withDeliveryCount(m.properties, count));
    else c.owner.deliver(c, m, (flags & REDELIVERED) !== 0);
  }

  // --- settling -------------------------------------------------------------------------------

  /** An unacknowledged delivery was acked (or rejected, or dead-lettered): it is gone. */
  settled(m: Message): void {
    if (this.unackedCount > 0) this.unackedCount--;
    this.unackedBytes = Math.max(0, this.unackedBytes - m.bodySize);
    if (m.storeId !== 0) this.journal?.removed(m);
  }

  /** Unacknowledged deliveries rejected without requeue: they die (reason rejected). */
  reject(messages: Message[]): void {
    for (const m of messages) this.settled(m);
    this.discard(messages, 'rejected', true);
  }

  /**
   * Puts unacknowledged messages back. Classic queues put them ahead of newer ones in their
   * original order. Quorum queues count the return (x-delivery-count) and dead-letter a message
   * returned more than x-delivery-limit times; as in RabbitMQ 3.10 they put messages from
   * nack/reject/recover at the back, and those of a closed channel or connection (`released`)
   * at the front.
   */
  requeue(messages: Message[], released = false): void {
    if (this.deleted) {
      for (const m of messages) this.settled(m);
      return;
    }
    this.unackedCount = Math.max(0, this.unackedCount - messages.length);
    for (const m of messages) this.unackedBytes -= m.bodySize;
    if (this.unackedBytes < 0) this.unackedBytes = 0;
    const counts = this.deliveryCounts;
    if (counts === null) {
      for (let i = messages.length - 1; i >= 0; i--) this.messages.unshift(messages[i], REDELIVERED);
    } else {
      const limit = this.features.deliveryLimit;
      const front: Message[] = [];
      let dead: Message[] | null = null;
      for (const m of messages) {
        const n = (counts.get(m) ?? 0) + 1;
        if (n > limit) {
          (dead ??= []).push(m);
          continue;
        }
        counts.set(m, n);
        if (released) front.push(m);
        else this.messages.push(m, REDELIVERED);
      }
      for (let i = front.length - 1; i >= 0; i--) this.messages.unshift(front[i], REDELIVERED);
      if (dead !== null) this.discard(dead, 'delivery_limit');
    }
    // Requeued messages count against the length limit too (drop-head may drop them again).
    if (this.features.limited) this.enforceLimits();
    this.dropExpired();
    this.dispatch();
  }

  purge(): number {
    this.journalPurge();
    const n = this.messages.clear();
    if (this.publishBlocked) this.maybeUnblock();
    return n;
  }

  // --- expiry and dead-lettering --------------------------------------------------------------

  /** Quorum queues: how often a recovered message had been delivered before a restart. */
  restoreDeliveryCount(m: Message, count: number): void {
    if (this.deliveryCounts !== null && count > 0) this.deliveryCounts.set(m, count);
  }

  /**
   * Re-reads the queue's features from arguments with its policies folded in (see policy.ts):
   * new limits, TTLs and expiry apply at once to what the queue holds. The shape of the ready list
   * (priority levels) and single-active-consumer stay as declared, as in RabbitMQ.
   */
  applyPolicyArguments(args: FieldTable): void {
    const before = this.features;
    this.features = { ...queueFeatures(args, this.options.type), maxPriority: before.maxPriority, singleActiveConsumer: before.singleActiveConsumer };
    if (this.features.messageTtl >= 0) this.mayExpire = true;
    if (this.deleted) return;
    this.dropExpired();
    if (this.features.limited) this.enforceLimits();
    this.touch();
  }

  /**
   * Drops expired messages from the head (dead-lettering them with reason expired) and sets the
   * TTL timer for the first one that has not expired. Only the head is looked at: an expired
   * message behind a live one waits (and counts) until it reaches the head, as in RabbitMQ.
   */
  private dropExpired(): void {
    let head = this.messages.peek();
    const queueTtl = this.features.messageTtl;
    if (head === undefined || (head.ttl < 0 && queueTtl < 0)) return;
    const now = Date.now();
    let expired: Message[] | null = null;
    do {
      if (head.arrivedAt === 0) head.arrivedAt = now; // put here without enqueue (recovery): counts from now
      const at = expiresAt(head, queueTtl);
      if (at > now) {
        if (at !== Infinity) (this.ttlTimer ??= new Timer(() => this.onTtlTimer())).setNoLaterThan(at, now);
        break;
      }
      this.messages.shift();
      (expired ??= []).push(head);
      head = this.messages.peek();
    } while (head !== undefined);
    if (expired !== null) {
      if (this.publishBlocked) this.maybeUnblock();
      this.discard(expired, 'expired');
    }
  }

  private onTtlTimer(): void {
    if (!this.deleted) this.dropExpired();
  }

  /**
   * Messages leave the queue dead: to the dead-letter exchange if there is one. `journaled`: their
   * removal was already reported to the journal.
   */
  private discard(messages: Message[], reason: DeathReason, journaled = false): void {
    if (!journaled && this.journal !== null) for (const m of messages) if (m.storeId !== 0) this.journal.removed(m);
    const dlx = this.features.deadLetterExchange !== undefined;
    this.counters?.countDeadLettered(reason, this.type, dlx, messages.length);
    if (dlx) this.onDeadLetter?.(this, messages, reason);
  }

  /** Tells the journal about a delivery: a no-ack delivery is the end of the message here. */
  private journalDelivery(m: Message, noAck: boolean): void {
    if (m.storeId === 0 || this.journal === null) return;
    if (noAck) this.journal.removed(m);
    else this.journal.delivered(m);
  }

  private journalPurge(): void {
    if (this.journal === null) return;
    const stored: Message[] = [];
    this.messages.forEach((m) => {
      if (m.storeId !== 0) stored.push(m);
    });
    if (stored.length > 0) this.journal.purged(stored);
  }

  /** Quorum reject-publish lets publishers in again once at most 80% of the limit is used. */
  private maybeUnblock(): void {
    const f = this.features;
    if (this.messages.length <= Math.trunc(f.maxLength * 0.8) && this.messages.bytes <= Math.trunc(f.maxBytes * 0.8)) {
      this.publishBlocked = false;
    }
  }

  /**
   * The queue was used (declared, or read with basic.get): restarts the x-expires countdown,
   * which only runs while the queue has no consumers.
   */
  touch(): void {
    const expires = this.features.expires;
    if (expires < 0 || this.consumerList.length > 0 || this.deleted) return;
    (this.expiryTimer ??= new Timer(() => this.onExpiryTimer())).set(Date.now() + expires);
  }

  private onExpiryTimer(): void {
    if (!this.deleted && this.consumerList.length === 0) this.onExpired?.(this);
  }

  // --- consumers ------------------------------------------------------------------------------

  addConsumer(c: Consumer): void {
    const list = this.consumerList;
    let i = list.length;
    while (i > 0 && list[i - 1].priority < c.priority) i--;
    list.splice(i, 0, c);
    if (this.arrivals !== null) {
      this.arrivals.push(c);
      this.active ??= c; // the first consumer stays active; later ones, whatever their priority, wait
    }
    this.hadConsumers = true;
    this.expiryTimer?.clear();
    this.dispatch();
  }

  removeConsumer(c: Consumer): void {
    const i = this.consumerList.indexOf(c);
    if (i < 0) return;
    this.consumerList.splice(i, 1);
    if (this.arrivals !== null) {
      this.arrivals.splice(this.arrivals.indexOf(c), 1);
      if (this.active === c) {
        // Failover: classic queues pick the highest-priority waiting consumer (earliest first),
        // quorum queues (3.10) the one waiting longest.
        const list = this.deliveryCounts !== null ? this.arrivals : this.consumerList;
        this.active = list.length > 0 ? list[0] : null;
        if (this.active !== null) this.dispatch();
      }
    }
    if (this.consumerList.length === 0) {
      if (this.autoDelete && this.hadConsumers && !this.deleted) this.onUnused?.(this);
      else this.touch();
    }
  }

  /**
   * Hands ready messages to consumers with capacity. Re-entrant calls (a delivery that triggers
   * another dispatch) are folded into the running loop instead of recursing.
   */
  dispatch(): void {
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.dispatchAgain = false;
        while (this.messages.length > 0 && this.consumerList.length > 0) {
          const c = this.nextConsumer();
          if (c === undefined) break;
          const m = this.takeHead();
          if (m === undefined) break;
          this.deliverTo(c, m, this.takenFlags);
        }
      } while (this.dispatchAgain && !this.deleted);
    } finally {
      this.dispatching = false;
    }
  }

  /** The consumer to serve next: highest priority level with capacity, round-robin within it. */
  private nextConsumer(): Consumer | undefined {
    if (this.arrivals !== null) {
      const a = this.active;
      return a !== null && a.owner.canDeliver(a) ? a : undefined;
    }
    const list = this.consumerList;
    let start = 0;
    while (start < list.length) {
      const priority = list[start].priority;
      let end = start + 1;
      while (end < list.length && list[end].priority === priority) end++;
      const size = end - start;
      const cursor = (this.cursors?.get(priority) ?? 0) % size;
      for (let k = 0; k < size; k++) {
        const idx = (cursor + k) % size;
        const c = list[start + idx];
        if (c.owner.canDeliver(c)) {
          (this.cursors ??= new Map()).set(priority, idx + 1);
          return c;
        }
      }
      start = end;
    }
    return undefined;
  }

  /** Marks the queue deleted and cancels its consumers; returns the ready message count. */
  markDeleted(): number {
    this.deleted = true;
    this.journalPurge();
    this.ttlTimer?.clear();
    this.expiryTimer?.clear();
    const n = this.messages.clear();
    const consumers = this.consumerList;
    this.consumerList = [];
    this.active = null;
    if (this.arrivals !== null) this.arrivals = [];
    for (const c of consumers) c.owner.cancelledByServer(c);
    return n;
  }
}
