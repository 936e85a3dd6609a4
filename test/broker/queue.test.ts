// The queue model (src/broker/queue.ts) with a fake ConsumerOwner standing in for a channel:
// FIFO order, round-robin and consumer priorities, requeue, purge, auto-delete and deletion.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from '../../src/broker/queue.js';
import type { QueueOptions } from '../../src/broker/queue.js';
import { Consumer } from '../../src/broker/consumer.js';
import type { ConsumerOwner } from '../../src/broker/consumer.js';
import { Message } from '../../src/broker/message.js';

interface Delivery {
  tag: string;
  body: string;
  redelivered: boolean;
}

/** Plays the channel: grants capacity by the consumer's own prefetch, records deliveries and cancels. */
class FakeOwner implements ConsumerOwner {
  readonly connectionOwner = {};
  readonly deliveries: Delivery[] = [];
  readonly cancelled: string[] = [];
  /** Messages delivered and not yet settled, per consumer tag, in delivery order. */
  readonly pending = new Map<string, Message[]>();
  paused = false;
  /** Called after each delivery was recorded (to simulate a consumer that acts immediately). */
  onDeliver: ((c: Consumer, m: Message) => void) | null = null;

  canDeliver(c: Consumer): boolean {
    return !this.paused && c.hasCredit;
  }

  deliver(c: Consumer, m: Message, redelivered: boolean): void {
    this.deliveries.push({ tag: c.tag, body: m.body.toString(), redelivered });
    if (!c.noAck) {
      const list = this.pending.get(c.tag) ?? [];
      list.push(m);
      this.pending.set(c.tag, list);
    }
    this.onDeliver?.(c, m);
  }

  cancelledByServer(c: Consumer): void {
    this.cancelled.push(c.tag);
  }

  /** basic.ack of the oldest unacked delivery of `c`, as a channel does it. */
  ack(c: Consumer): void {
    const m = this.pending.get(c.tag)!.shift()!;
    c.unacked--;
    settle(c.queue, m);
    c.queue.dispatch();
  }

  tags(): string[] {
    return this.deliveries.map((d) => d.tag);
  }

  bodies(): string[] {
    return this.deliveries.map((d) => d.body);
  }
}

/**
 * Queue.settled is gaining a message parameter (for the durable store) while these tests are
 * written; calling it through this signature compiles against either version.
 */
function settle(q: Queue, m: Message): void {
  (q.settled as unknown as (this: Queue, m: Message) => void).call(q, m);
}

function makeQueue(options: Partial<QueueOptions> = {}): Queue {
  return new Queue('/', 'q', { durable: false, exclusiveOwner: null, autoDelete: false, arguments: {}, type: 'classic', ...options });
}

function msg(body: string): Message {
  return new Message('', 'q', Buffer.alloc(2), Buffer.from(body), false, 0);
}

function consumer(q: Queue, owner: ConsumerOwner, tag: string, opts: { priority?: number; prefetch?: number; noAck?: boolean; exclusive?: boolean } = {}): Consumer {
  return new Consumer(tag, q, owner, opts.noAck ?? false, opts.exclusive ?? false, opts.priority ?? 0, opts.prefetch ?? 0, {});
}

function fill(q: Queue, n: number, prefix = 'm'): Message[] {
  const out: Message[] = [];
  for (let i = 1; i <= n; i++) {
    const m = msg(prefix + i);
    out.push(m);
    q.enqueue(m);
  }
  return out;
}

describe('queue: order', () => {
  test('messages wait in FIFO order until a consumer arrives, then go out in that order', () => {
    const q = makeQueue();
    const owner = new FakeOwner();
    fill(q, 5);
    assert.equal(q.messageCount, 5);
    q.addConsumer(consumer(q, owner, 'c'));
    assert.deepEqual(owner.bodies(), ['m1', 'm2', 'm3', 'm4', 'm5']);
    assert.ok(owner.deliveries.every((d) => !d.redelivered));
    assert.equal(q.messageCount, 0);
    assert.equal(q.unackedCount, 5);
  });

  test('basic.get takes from the head; an empty queue gives undefined', () => {
    const q = makeQueue();
    fill(q, 2);
    assert.equal(q.get(false)!.message.body.toString(), 'm1');
    assert.equal(q.get(true)!.message.body.toString(), 'm2');
    assert.equal(q.get(false), undefined);
    assert.equal(q.unackedCount, 1, 'only the get without no-ack awaits an ack');
  });

  test('order holds across the ring buffer growing and wrapping', () => {
    const q = makeQueue();
    const seen: string[] = [];
    let n = 0;
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 7; i++) q.enqueue(msg(String(n++)));
      for (let i = 0; i < 5; i++) seen.push(q.get(true)!.message.body.toString());
    }
    while (q.messageCount > 0) seen.push(q.get(true)!.message.body.toString());
    assert.deepEqual(seen, Array.from({ length: n }, (_, i) => String(i)));
  });

  test('a no-ack consumer does not count deliveries as unacknowledged', () => {
    const q = makeQueue();
    const owner = new FakeOwner();
    q.addConsumer(consumer(q, owner, 'c', { noAck: true, prefetch: 1 }));
    fill(q, 3);
    assert.equal(owner.deliveries.length, 3);
    assert.equal(q.unackedCount, 0);
  });
});

describe('queue: consumers of equal priority', () => {
  test('messages go round-robin among consumers with capacity', () => {
    const q = makeQueue();
    const owner = new FakeOwner();
    for (const t of ['a', 'b', 'c']) q.addConsumer(consumer(q, owner, t));
    fill(q, 9);
    assert.deepEqual(owner.tags(), ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c']);
    assert.deepEqual(owner.bodies(), ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9']);
  });

  test('a consumer without capacity is skipped and the rotation continues after the one served', () => {
    const q = makeQueue();
    const owner = new FakeOwner();
    q.addConsumer(consumer(q, owner, 'a'));
    q.addConsumer(consumer(q, owner, 'b', { prefetch: 1 }));
    q.addConsumer(consumer(q, owner, 'c'));
    fill(q, 6);
    assert.deepEqual(owner.tags(), ['a', 'b', 'c', 'a', 'c', 'a']);
  });

  test('when every consumer is at its prefetch limit, messages stay ready until an ack frees one', () => {
    const q = makeQueue();
    const owner = new FakeOwner();
    const a = consumer(q, owner, 'a', { prefetch: 1 });
    const b = consumer(q, owner, 'b', { prefetch: 1 });
    q.addConsumer(a);
    q.addConsumer(b);
    fill(q, 4);
    assert.deepEqual(owner.tags(), ['a', 'b']);
    assert.equal(q.messageCount, 2);
    owner.ack(b);
    assert.deepEqual(owner.tags(), ['a', 'b', 'b']);
    owner.ack(a);
    assert.deepEqual(owner.bodies(), ['m1', 'm2', 'm3', 'm4']);
    assert.equal(q.messageCount, 0);
  });

  test('an owner that cannot take deliveries (flow, back-pressure) holds the messages back', () => {
    const q = makeQueue();
    const owner = new FakeOwner();
    owner.paused = true;
    q.addConsumer(consumer(q, owner, 'a'));
    fill(q, 3);
    assert.equal(owner.deliveries.length, 0);
    owner.paused = false;
    q.dispatch();
    assert.deepEqual(owner.bodies(), ['m1', 'm2', 'm3']);
  });

  test('a removed consumer gets nothing more; the others carry on', () => {
    const q = makeQueue();
    const owner = new FakeOwner();
    const a = consumer(q, owner, 'a');
    q.addConsumer(a);
    q.addConsumer(consumer(q, owner, 'b'));
    q.removeConsumer(a);
    fill(q, 3);
    assert.deepEqual(owner.tags(), ['b', 'b', 'b']);
    assert.equal(q.consumerCount, 1);
  });
});

describe('queue: consumer priorities (x-priority)', () => {
  test('a higher-priority consumer is served first while it has capacity, whatever the order of arrival', () => {
    const q = makeQueue();
    const owner = new FakeOwner();
    q.addConsumer(consumer(q, owner, 'low', { priority: 0 }));
    const high = consumer(q, owner, 'high', { priority: 10, prefetch: 2 });
    q.addConsumer(high);
    fill(q, 5);
    assert.deepEqual(owner.tags(), ['high', 'high', 'low', 'low', 'low']);
    owner.ack(high);
    fill(q, 2, 'n');
    assert.deepEqual(owner.tags().slice(5), ['high', 'low']);
  });

  test('ready messages go to the high-priority consumer as soon as it has capacity again', () => {
    const q = makeQueue();
    const owner = new FakeOwner();
    const high = consumer(q, owner, 'high', { priority: 5, prefetch: 1 });
    const low = consumer(q, owner, 'low', { priority: 1, prefetch: 1 });
    q.addConsumer(high);
    q.addConsumer(low);
    fill(q, 4);
    assert.deepEqual(owner.tags(), ['high', 'low']);
    owner.ack(high);
    assert.deepEqual(owner.tags(), ['high', 'low', 'high']);
    owner.ack(low);
    assert.deepEqual(owner.tags(), ['high', 'low', 'high', 'low']);
  });

  test('round-robin within the highest level that has capacity; lower levels only when it is full', () => {
    const q = makeQueue();
    const owner = new FakeOwner();
    q.addConsumer(consumer(q, owner, 'l1', { priority: -1 }));
    q.addConsumer(consumer(q, owner, 'h1', { priority: 3, prefetch: 2 }));
    q.addConsumer(consumer(q, owner, 'm1', { priority: 1 }));
    q.addConsumer(consumer(q, owner, 'h2', { priority: 3, prefetch: 2 }));
    fill(q, 7);
    assert.deepEqual(owner.tags(), ['h1', 'h2', 'h1', 'h2', 'm1', 'm1', 'm1']);
  });

  test('consumers are listed by descending priority, then by arrival', () => {
    const q = makeQueue();
    const owner = new FakeOwner();
    for (const [tag, priority] of [['a', 0], ['b', 5], ['c', 0], ['d', 5], ['e', -2], ['f', 9]] as const) {
      q.addConsumer(consumer(q, owner, tag, { priority }));
    }
    assert.deepEqual(q.consumers.map((c) => c.tag), ['f', 'b', 'd', 'a', 'c', 'e']);
  });
});

describe('queue: requeue', () => {
  test('requeued messages go back to the head in their original order, marked redelivered', () => {
    const q = makeQueue();
    const owner = new FakeOwner();
    const c = consumer(q, owner, 'c', { prefetch: 3 });
    q.addConsumer(c);
    const ms = fill(q, 5);
    assert.equal(q.messageCount, 2);
    q.removeConsumer(c);
    q.requeue([ms[0], ms[1], ms[2]]);
    assert.equal(q.unackedCount, 0);
    const out: [string, boolean][] = [];
    for (;;) {
      const r = q.get(true);
      if (!r) break;
      out.push([r.message.body.toString(), r.redelivered]);
    }
    assert.deepEqual(out, [['m1', true], ['m2', true], ['m3', true], ['m4', false], ['m5', false]]);
  });

  test('requeueing a subset keeps the relative order of what was requeued', () => {
    const q = makeQueue();
    const ms = fill(q, 4);
    for (let i = 0; i < 4; i++) q.get(false);
    q.requeue([ms[0], ms[2]]);
    assert.equal(q.unackedCount, 2);
    assert.deepEqual([q.get(true)!.message, q.get(true)!.message], [ms[0], ms[2]]);
  });

  test('a requeued message is delivered again at once to a consumer with capacity, flagged redelivered', () => {
    const q = makeQueue();
    const owner = new FakeOwner();
    const ms = fill(q, 2);
    q.get(false);
    q.addConsumer(consumer(q, owner, 'c'));
    q.requeue([ms[0]]);
    assert.deepEqual(owner.deliveries, [
      { tag: 'c', body: 'm2', redelivered: false },
      { tag: 'c', body: 'm1', redelivered: true },
    ]);
  });

  test('requeue to a deleted queue drops the messages but still settles them', () => {
    const q = makeQueue();
    const ms = fill(q, 2);
    q.get(false);
    q.get(false);
    q.markDeleted();
    q.requeue(ms);
    assert.equal(q.messageCount, 0);
    assert.equal(q.unackedCount, 0);
  });
});

describe('queue: purge, auto-delete, deletion', () => {
  test('purge removes the ready messages and returns how many; unacknowledged ones are untouched', () => {
    const q = makeQueue();
    fill(q, 5);
    q.get(false);
    assert.equal(q.purge(), 4);
    assert.equal(q.messageCount, 0);
    assert.equal(q.unackedCount, 1);
    assert.equal(q.purge(), 0);
    assert.equal(q.messages.bytes, 0);
  });

  test('an auto-delete queue reports itself unused when its last consumer leaves', () => {
    const q = makeQueue({ autoDelete: true });
    const owner = new FakeOwner();
    const unused: Queue[] = [];
    q.onUnused = (u) => unused.push(u);
    const a = consumer(q, owner, 'a');
    const b = consumer(q, owner, 'b');
    q.addConsumer(a);
    q.addConsumer(b);
    q.removeConsumer(a);
    assert.equal(unused.length, 0, 'one consumer is still there');
    q.removeConsumer(b);
    assert.deepEqual(unused, [q]);
  });

  test('an auto-delete queue that never had a consumer is not reported unused', () => {
    const q = makeQueue({ autoDelete: true });
    let fired = 0;
    q.onUnused = () => fired++;
    fill(q, 2);
    q.get(true);
    q.purge();
    q.removeConsumer(consumer(q, new FakeOwner(), 'never-added'));
    assert.equal(fired, 0);
  });

  test('a queue without auto-delete is never reported unused', () => {
    const q = makeQueue({ autoDelete: false });
    let fired = 0;
    q.onUnused = () => fired++;
    const c = consumer(q, new FakeOwner(), 'c');
    q.addConsumer(c);
    q.removeConsumer(c);
    assert.equal(fired, 0);
  });

  test('markDeleted cancels every consumer through its owner and returns the ready count', () => {
    const q = makeQueue({ autoDelete: true });
    const owner = new FakeOwner();
    let fired = 0;
    q.onUnused = () => fired++;
    q.addConsumer(consumer(q, owner, 'a', { prefetch: 1 }));
    q.addConsumer(consumer(q, owner, 'b', { prefetch: 1 }));
    fill(q, 5);
    assert.equal(q.markDeleted(), 3);
    assert.deepEqual(owner.cancelled.sort(), ['a', 'b']);
    assert.equal(q.consumerCount, 0);
    assert.equal(q.messageCount, 0);
    assert.equal(q.deleted, true);
    assert.equal(fired, 0, 'deletion is not the auto-delete path');
  });

  test('the first consumer being exclusive makes the queue report an exclusive consumer', () => {
    const q = makeQueue();
    assert.equal(q.hasExclusiveConsumer, false);
    q.addConsumer(consumer(q, new FakeOwner(), 'x', { exclusive: true }));
    assert.equal(q.hasExclusiveConsumer, true);
  });
});

describe('queue: re-entrant dispatch', () => {
  test('a consumer that acks inside deliver gets every message in order, without recursion', () => {
    const q = makeQueue();
    const owner = new FakeOwner();
    const c = consumer(q, owner, 'c', { prefetch: 1 });
    owner.onDeliver = (cons) => owner.ack(cons);
    q.addConsumer(c);
    fill(q, 20_000);
    assert.equal(owner.deliveries.length, 20_000);
    assert.equal(owner.deliveries[19_999].body, 'm20000');
    assert.ok(owner.deliveries.every((d, i) => d.body === 'm' + (i + 1)));
    assert.equal(q.unackedCount, 0);
  });

  test('a message enqueued from inside deliver is delivered after the current one, in order', () => {
    const q = makeQueue();
    const owner = new FakeOwner();
    let republished = false;
    owner.onDeliver = (_c, m) => {
      if (!republished && m.body.toString() === 'm1') {
        republished = true;
        q.enqueue(msg('again'));
      }
    };
    fill(q, 2);
    q.addConsumer(consumer(q, owner, 'c'));
    assert.deepEqual(owner.bodies(), ['m1', 'm2', 'again']);
  });
});
