import { RecordType, RecordWriter } from './record.js';
import type { DecodedRecord } from './record.js';
import { SegmentLog } from './segment-log.js';

/** A message found in the log at start, for one queue. */
export interface RecoveredMessage {
  id: number;
  exchange: string;
  routingKey: string;
  properties: Buffer;
  body: Buffer;
  /** It had been delivered (and not acknowledged) before the restart. */
  redelivered: boolean;
}

interface ReplayEntry {
  id: number;
  segment: number;
  exchange: string;
  routingKey: string;
  properties: Buffer;
  body: Buffer;
  queues: Set<string>;
  delivered: Set<string> | null;
}

export interface MessageStoreOptions {
  dir: string;
  segmentSize?: number;
}

/**
 * Durable storage for persistent messages in durable queues, on one shared SegmentLog. The broker
 * calls publish/ack/delivered/purge as things happen; records are gathered and written once per
 * event-loop turn, and `afterDurable` callbacks (publisher confirms, tx.commit-ok) run when the
 * sync covering them completes. Queues are named by `queueKey(vhost, name)`.
 */
export class MessageStore {
  private readonly log: SegmentLog;
  private readonly batch = new RecordWriter();
  private nextMessageId: number;
  private flushScheduled = false;
  private durableWaiters: ((err?: Error) => void)[] = [];
  private readonly pendingAcks = new Map<string, number[]>();
  private readonly pendingDelivered = new Map<string, number[]>();
  /** Live (message, queue) references per segment; a segment with none can go. */
  private readonly liveRefs = new Map<number, number>();
  /** First message id published in each segment, ascending (id → segment lookup). */
  private readonly segmentFirstId: { segment: number; firstId: number }[] = [];
  /** Ids written in the current batch with their reference counts, assigned a segment at flush. */
  private batchRefs = 0;
  private batchFirstId = 0;
  readonly recovered = new Map<string, RecoveredMessage[]>();

  private constructor(opts: MessageStoreOptions) {
    const replay = new Map<number, ReplayEntry>();
    let maxId = 0;
    this.log = SegmentLog.open(opts.dir, opts.segmentSize ?? 8 * 1024 * 1024, (r, segment) => {
      maxId = Math.max(maxId, r.id);
      applyRecord(replay, r, segment);
    });
    this.nextMessageId = maxId + 1;
    this.collectRecovered(replay);
    this.dropDeadSegments();
  }

  static open(opts: MessageStoreOptions): MessageStore {
    return new MessageStore(opts);
  }

  static queueKey(vhost: string, queue: string): string {
    return vhost + '\u0000' + queue;
  }

  /** Reserves the id a new persistent message will be stored under. */
  newId(): number {
    return this.nextMessageId++;
  }

  publish(id: number, queues: string[], exchange: string, routingKey: string, properties: Buffer, body: Buffer): void {
    if (this.batchRefs === 0 && this.batchFirstId === 0) this.batchFirstId = id;
    this.batch.publish(RecordType.Publish, id, { queues, exchange, routingKey, properties, body });
    this.batchRefs += queues.length;
    this.schedule();
  }

  /** The message left the queue for good (ack, reject without requeue, expiry, overflow...). */
  ack(queue: string, id: number): void {
    let list = this.pendingAcks.get(queue);
    if (!list) this.pendingAcks.set(queue, (list = []));
    list.push(id);
    this.schedule();
  }

  /** The message was handed to a consumer; after a restart it comes back marked redelivered. */
  delivered(queue: string, id: number): void {
    let list = this.pendingDelivered.get(queue);
    if (!list) this.pendingDelivered.set(queue, (list = []));
    list.push(id);
    this.schedule();
  }

  /** Every message of `queue` up to now is gone (purge or delete); `ids` are the ones it held. */
  purge(queue: string, ids: readonly number[]): void {
    this.pendingAcks.delete(queue);
    this.batch.purge(queue, this.nextMessageId - 1);
    for (const id of ids) this.release(id);
    this.schedule();
  }

  /** Runs `done` once everything recorded so far is on disk. */
  afterDurable(done: (err?: Error) => void): void {
    this.durableWaiters.push(done);
    this.schedule();
  }

  private schedule(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // setImmediate, not nextTick: gather everything from this I/O phase into one write.
    setImmediate(() => this.flush());
  }

  /** Writes the batch (one write) and hands pending durability callbacks to the syncer. */
  flush(): void {
    this.flushScheduled = false;
    for (const [queue, ids] of this.pendingAcks) {
      this.batch.idList(RecordType.Ack, queue, ids);
      for (const id of ids) this.release(id);
    }
    this.pendingAcks.clear();
    for (const [queue, ids] of this.pendingDelivered) this.batch.idList(RecordType.Delivered, queue, ids);
    this.pendingDelivered.clear();
    const waiters = this.durableWaiters;
    this.durableWaiters = [];
    if (this.batch.pos > 0) {
      let landed;
      try {
        landed = this.log.append(this.batch.view());
      } catch (err) {
        this.batch.reset();
        for (const w of waiters) w(err as Error);
        return;
      }
      this.batch.reset();
      if (this.batchRefs > 0) {
        const seg = landed.segment;
        this.liveRefs.set(seg, (this.liveRefs.get(seg) ?? 0) + this.batchRefs);
        const last = this.segmentFirstId.at(-1);
        if (!last || last.segment !== seg) this.segmentFirstId.push({ segment: seg, firstId: this.batchFirstId });
      }
      this.batchRefs = 0;
      this.batchFirstId = 0;
    }
    if (waiters.length > 0) {
      this.log.syncer.whenSynced(this.log.position, (err) => {
        for (const w of waiters) w(err);
      });
    }
    this.dropDeadSegments();
  }

  private release(id: number): void {
    const seg = this.segmentOf(id);
    if (seg === undefined) {
      // Still in the unwritten batch: it never reaches a segment count.
      if (id >= this.batchFirstId && this.batchFirstId !== 0) this.batchRefs--;
      return;
    }
    const n = (this.liveRefs.get(seg) ?? 0) - 1;
    this.liveRefs.set(seg, Math.max(0, n));
  }

  private segmentOf(id: number): number | undefined {
    const list = this.segmentFirstId;
    let lo = 0;
    let hi = list.length - 1;
    let found: number | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].firstId <= id) {
        found = list[mid].segment;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found === undefined) return undefined;
    // An id beyond everything flushed belongs to the current batch.
    if (this.batchFirstId !== 0 && id >= this.batchFirstId) return undefined;
    return found;
  }

  /** Deletes oldest segments whose messages are all gone (oldest-first keeps acks sound). */
  private dropDeadSegments(): void {
    for (;;) {
      const ids = this.log.segmentIds;
      const oldest = ids[0];
      if (oldest === undefined || oldest === this.log.currentSegment) return;
      if ((this.liveRefs.get(oldest) ?? 0) > 0) return;
      this.log.dropOldest();
      this.liveRefs.delete(oldest);
      while (this.segmentFirstId.length > 0 && this.segmentFirstId[0].segment <= oldest) this.segmentFirstId.shift();
    }
  }

  private collectRecovered(replay: Map<number, ReplayEntry>): void {
    const entries = [...replay.values()].sort((a, b) => a.id - b.id);
    for (const e of entries) {
      this.liveRefs.set(e.segment, (this.liveRefs.get(e.segment) ?? 0) + e.queues.size);
      const last = this.segmentFirstId.at(-1);
      if (!last || last.segment !== e.segment) this.segmentFirstId.push({ segment: e.segment, firstId: e.id });
      for (const q of e.queues) {
        let list = this.recovered.get(q);
        if (!list) this.recovered.set(q, (list = []));
        list.push({
          id: e.id, exchange: e.exchange, routingKey: e.routingKey,
          properties: e.properties, body: e.body, redelivered: e.delivered?.has(q) ?? false,
        });
      }
    }
  }

  /** Segment files currently on disk (for tests and diagnostics). */
  get segmentCount(): number {
    return this.log.segmentIds.length;
  }

  async close(): Promise<void> {
    this.flush();
    await this.log.close();
  }
}

function applyRecord(replay: Map<number, ReplayEntry>, r: DecodedRecord, segment: number): void {
  switch (r.type) {
    case RecordType.Publish:
    case RecordType.Moved: {
      const p = r.publish!;
      replay.set(r.id, {
        id: r.id, segment, exchange: p.exchange, routingKey: p.routingKey,
        properties: Buffer.from(p.properties), body: Buffer.from(p.body), queues: new Set(p.queues), delivered: null,
      });
      return;
    }
    case RecordType.Ack:
      for (const id of r.ids!) {
        const e = replay.get(id);
        if (!e) continue;
        e.queues.delete(r.queue!);
        if (e.queues.size === 0) replay.delete(id);
      }
      return;
    case RecordType.Delivered:
      for (const id of r.ids!) {
        const e = replay.get(id);
        if (e) (e.delivered ??= new Set()).add(r.queue!);
      }
      return;
    case RecordType.Purge:
      for (const [id, e] of replay) {
        if (id > r.id) continue;
        if (e.queues.delete(r.queue!) && e.queues.size === 0) replay.delete(id);
      }
      return;
  }
}
