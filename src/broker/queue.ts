import type { FieldTable } from '../amqp/field-table.js';
import type { Binding } from './binding.js';
import type { Consumer } from './consumer.js';
import type { Message } from './message.js';
import { MessageDeque, REDELIVERED } from './message-deque.js';
import type { QueueJournal } from './queue-journal.js';

export type QueueType = 'classic' | 'quorum' | 'stream';

export interface QueueOptions {
  durable: boolean;
  /** Owning connection of an exclusive queue, null otherwise. */
  exclusiveOwner: object | null;
  autoDelete: boolean;
  arguments: FieldTable;
  type: QueueType;
}

/**
 * A queue: ready messages in FIFO order, the consumers waiting for them, and the count of
 * messages delivered but not yet acknowledged. Delivery order per queue is preserved; among
 * consumers of the same priority, messages go round-robin to those with spare prefetch.
 */
export class Queue {
  readonly kind = 'queue' as const;
  readonly messages = new MessageDeque();
  /** Consumers ordered by descending x-priority, then by arrival. */
  private consumerList: Consumer[] = [];
  private readonly cursors = new Map<number, number>();
  /** Bindings that deliver into this queue (for cleanup on delete). */
  readonly bindings = new Set<Binding>();
  unackedCount = 0;
  deleted = false;
  private dispatching = false;
  private dispatchAgain = false;
  private hadConsumers = false;
  /** Durable storage for this queue's persistent messages; null for transient queues. */
  journal: QueueJournal | null = null;
  /** Called when an auto-delete queue loses its last consumer. */
  onUnused: ((q: Queue) => void) | null = null;

  constructor(
    readonly vhost: string,
    readonly name: string,
    readonly options: QueueOptions,
  ) {}

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

  enqueue(m: Message): void {
    this.messages.push(m);
    if (this.consumerList.length > 0) this.dispatch();
  }

  /** Takes the head message for basic.get. */
  get(noAck: boolean): { message: Message; redelivered: boolean } | undefined {
    const message = this.messages.shift();
    if (!message) return undefined;
    if (!noAck) this.unackedCount++;
    this.journalDelivery(message, noAck);
    return { message, redelivered: (this.messages.lastFlags & REDELIVERED) !== 0 };
  }

  /** An unacknowledged delivery was acked (or dropped by reject/nack without requeue). */
  settled(m: Message): void {
    if (this.unackedCount > 0) this.unackedCount--;
    if (m.storeId !== 0) this.journal?.removed(m);
  }

  /** Puts unacknowledged messages back, in their original order, ahead of newer ones. */
  requeue(messages: Message[]): void {
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i];
      if (this.deleted) {
        this.settled(m);
        continue;
      }
      if (this.unackedCount > 0) this.unackedCount--;
      this.messages.unshift(m, REDELIVERED);
    }
    if (!this.deleted) this.dispatch();
  }

  purge(): number {
    this.journalPurge();
    return this.messages.clear();
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

  addConsumer(c: Consumer): void {
    const list = this.consumerList;
    let i = list.length;
    while (i > 0 && list[i - 1].priority < c.priority) i--;
    list.splice(i, 0, c);
    this.hadConsumers = true;
    this.dispatch();
  }

  removeConsumer(c: Consumer): void {
    const i = this.consumerList.indexOf(c);
    if (i < 0) return;
    this.consumerList.splice(i, 1);
    if (this.consumerList.length === 0 && this.autoDelete && this.hadConsumers && !this.deleted) {
      this.onUnused?.(this);
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
          const m = this.messages.shift()!;
          const redelivered = (this.messages.lastFlags & REDELIVERED) !== 0;
          if (!c.noAck) {
            this.unackedCount++;
            c.unacked++;
          }
          this.journalDelivery(m, c.noAck);
          c.owner.deliver(c, m, redelivered);
        }
      } while (this.dispatchAgain && !this.deleted);
    } finally {
      this.dispatching = false;
    }
  }

  /** The consumer to serve next: highest priority level with capacity, round-robin within it. */
  private nextConsumer(): Consumer | undefined {
    const list = this.consumerList;
    let start = 0;
    while (start < list.length) {
      const priority = list[start].priority;
      let end = start + 1;
      while (end < list.length && list[end].priority === priority) end++;
      const size = end - start;
      const cursor = (this.cursors.get(priority) ?? 0) % size;
      for (let k = 0; k < size; k++) {
        const idx = (cursor + k) % size;
        const c = list[start + idx];
        if (c.owner.canDeliver(c)) {
          this.cursors.set(priority, idx + 1);
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
    const n = this.messages.clear();
    const consumers = this.consumerList;
    this.consumerList = [];
    for (const c of consumers) c.owner.cancelledByServer(c);
    return n;
  }
}
