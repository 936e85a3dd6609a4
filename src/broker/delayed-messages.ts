import type { FieldTable } from '../amqp/field-table.js';
import type { Exchange } from './exchange.js';
import type { Message } from './message.js';

interface Held {
  readonly due: number;
  readonly seq: number;
  readonly exchange: Exchange;
  readonly message: Message;
  readonly routingKeys: readonly string[];
  readonly headers: FieldTable | undefined;
}

/**
 * Messages waiting out their x-delay, in a binary heap by due time (ties in publish order), with a
 * single timer for the earliest. When one is due, `release` routes it as if published then.
 */
export class DelayedMessages {
  private readonly heap: Held[] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerDue = Infinity;
  private seq = 0;

  constructor(private readonly release: (exchange: Exchange, message: Message, routingKeys: readonly string[], headers: FieldTable | undefined) => void) {}

  get size(): number {
    return this.heap.length;
  }

  hold(due: number, exchange: Exchange, message: Message, routingKeys: readonly string[], headers: FieldTable | undefined): void {
    const h: Held = { due, seq: this.seq++, exchange, message, routingKeys, headers };
    const heap = this.heap;
    heap.push(h);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
    this.arm();
  }

  /** Drops everything held for an exchange that was deleted; returns those messages. */
  dropExchange(exchange: Exchange): Message[] {
    const kept = this.heap.filter((h) => h.exchange !== exchange);
    const dropped = this.heap.filter((h) => h.exchange === exchange).map((h) => h.message);
    this.heap.length = 0;
    for (const h of kept.sort((a, b) => (before(a, b) ? -1 : 1))) this.heap.push(h);
    this.arm();
    return dropped;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerDue = Infinity;
  }

  private arm(): void {
    const next = this.heap[0];
    if (!next) return this.stop();
    if (this.timer && this.timerDue <= next.due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = next.due;
    this.timer = setTimeout(() => this.fire(), Math.max(0, next.due - Date.now()));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    this.timerDue = Infinity;
    const now = Date.now();
    while (this.heap.length > 0 && this.heap[0].due <= now) {
      const h = this.pop();
      this.release(h.exchange, h.message, h.routingKeys, h.headers);
    }
    this.arm();
  }

  private pop(): Held {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l], heap[m])) m = l;
        if (r < heap.length && before(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Held, b: Held): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
