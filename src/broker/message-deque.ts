import type { Message } from './message.js';

/**
 * The ready messages of a queue in delivery order, as the queue uses them: a plain FIFO
 * (MessageDeque) or one FIFO per priority level (PriorityDeque). `flags` are per-entry bits such
 * as REDELIVERED; `lastFlags` are those of the entry most recently taken by shift().
 */
export interface ReadyQueue {
  readonly length: number;
  /** Sum of the body sizes of the messages held (x-max-length-bytes). */
  readonly bytes: number;
  readonly lastFlags: number;
  push(m: Message, flags?: number): void;
  /** Puts a message back at the head of its place in delivery order. */
  unshift(m: Message, flags?: number): void;
  /** The message shift() would return next. */
  peek(): Message | undefined;
  shift(): Message | undefined;
  /** Empties the queue; returns how many messages it held. */
  clear(): number;
  /** Visits the messages (in no particular order). */
  forEach(fn: (m: Message) => void): void;
}

const NO_ITEMS: (Message | undefined)[] = [];
const NO_FLAGS = new Uint8Array(0);

/**
 * The ready messages of a queue: a growable ring buffer of message references with a parallel
 * byte of per-queue flags (redelivered). No wrapper object per queued message, so a deep queue
 * costs one pointer and one byte per entry on top of the shared message.
 */
export class MessageDeque implements ReadyQueue {
  private items: (Message | undefined)[];
  private flags: Uint8Array;
  private head = 0;
  private count = 0;
  /** Flags of the entry most recently taken by shift(). */
  lastFlags = 0;
  /** Sum of body sizes of the queued messages. */
  bytes = 0;

  /** Storage is allocated on the first push: thousands of idle queues hold none. */
  constructor(capacity = 0) {
    this.items = capacity > 0 ? new Array(capacity) : NO_ITEMS;
    this.flags = capacity > 0 ? new Uint8Array(capacity) : NO_FLAGS;
  }

  get length(): number {
    return this.count;
  }

  push(m: Message, flags = 0): void {
    if (this.count === this.items.length) this.grow();
    const at = (this.head + this.count) % this.items.length;
    this.items[at] = m;
    this.flags[at] = flags;
    this.count++;
    this.bytes += m.bodySize;
  }

  /** Puts a message back at the head (requeue keeps its place before newer messages). */
  unshift(m: Message, flags = 0): void {
    if (this.count === this.items.length) this.grow();
    this.head = (this.head - 1 + this.items.length) % this.items.length;
    this.items[this.head] = m;
    this.flags[this.head] = flags;
    this.count++;
    this.bytes += m.bodySize;
  }

  peek(): Message | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  shift(): Message | undefined {
    if (this.count === 0) return undefined;
    const at = this.head;
    const m = this.items[at]!;
    this.lastFlags = this.flags[at];
    this.items[at] = undefined;
    this.head = (at + 1) % this.items.length;
    this.count--;
    this.bytes -= m.bodySize;
    if (this.count === 0) this.head = 0;
    return m;
  }

  forEach(fn: (m: Message) => void): void {
    for (let i = 0; i < this.count; i++) fn(this.items[(this.head + i) % this.items.length]!);
  }

  /** Empties the deque; returns how many messages it held. */
  clear(): number {
    const n = this.count;
    this.items = NO_ITEMS;
    this.flags = NO_FLAGS;
    this.head = 0;
    this.count = 0;
    this.bytes = 0;
    return n;
  }

  private grow(): void {
    const size = Math.max(16, this.items.length * 2);
    const items: (Message | undefined)[] = new Array(size);
    const flags = new Uint8Array(size);
    for (let i = 0; i < this.count; i++) {
      const from = (this.head + i) % this.items.length;
      items[i] = this.items[from];
      flags[i] = this.flags[from];
    }
    this.items = items;
    this.flags = flags;
    this.head = 0;
  }
}

export const REDELIVERED = 1;
