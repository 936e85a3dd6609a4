import type { Message } from './message.js';
import { MessageDeque } from './message-deque.js';
import type { ReadyQueue } from './message-deque.js';

/**
 * Ready messages of a priority queue (x-max-priority): one FIFO per priority level, created the
 * first time a message of that level arrives, so a queue declared with 255 levels but used with
 * two costs two small deques. Higher levels go first; priorities above the maximum count as the
 * maximum (the message itself keeps its priority property). Drop-head and expiry take the head in
 * this same order, as RabbitMQ does.
 */
export class PriorityDeque implements ReadyQueue {
  private readonly levels: (ReadyQueue | undefined)[];
  /** Highest level holding messages, -1 when empty. */
  private top = -1;
  length = 0;
  bytes = 0;
  lastFlags = 0;

  constructor(
    readonly maxPriority: number,
    /** Makes the FIFO of one level (paged levels for deep queues). */
    private readonly newLevel: (level: number) => ReadyQueue = () => new MessageDeque(8),
  ) {
    this.levels = new Array(maxPriority + 1);
  }

  private levelOf(m: Message): ReadyQueue {
    const p = m.priority > this.maxPriority ? this.maxPriority : m.priority;
    if (p > this.top) this.top = p;
    return (this.levels[p] ??= this.newLevel(p));
  }

  push(m: Message, flags = 0): void {
    this.levelOf(m).push(m, flags);
    this.length++;
    this.bytes += m.bodySize;
  }

  unshift(m: Message, flags = 0): void {
    this.levelOf(m).unshift(m, flags);
    this.length++;
    this.bytes += m.bodySize;
  }

  peek(): Message | undefined {
    return this.top < 0 ? undefined : this.levels[this.top]!.peek();
  }

  shift(): Message | undefined {
    if (this.top < 0) return undefined;
    const level = this.levels[this.top]!;
    const m = level.shift()!;
    this.lastFlags = level.lastFlags;
    this.length--;
    this.bytes -= m.bodySize;
    if (level.length === 0) {
      let t = this.top - 1;
      while (t >= 0 && (this.levels[t]?.length ?? 0) === 0) t--;
      this.top = t;
    }
    return m;
  }

  forEach(fn: (m: Message) => void): void {
    for (const level of this.levels) level?.forEach(fn);
  }

  clear(): number {
    const n = this.length;
    for (const level of this.levels) level?.clear();
    this.levels.fill(undefined);
    this.top = -1;
    this.length = 0;
    this.bytes = 0;
    return n;
  }
}
