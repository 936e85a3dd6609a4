import { SegmentLiveness } from './live-index.js';
import { ReplayIndex } from './replay-index.js';
import { RecordType, RecordWriter } from './record.js';
import type { PublishPayload } from './record.js';
import { SegmentLog } from './segment-log.js';
import { decodeRecord } from './record.js';
import type { StoreTap } from './store-tap.js';

/** A message found in the log at start, for one queue. */
export interface RecoveredMessage {
  id: number;
  exchange: string;
  routingKey: string;
  properties: Buffer;
  body: Buffer;
  /** It had been delivered (and not acknowledged) before the restart. */
  redelivered: boolean;
  /** How many times it had been delivered (quorum queues' x-delivery-count survives restarts). */
  deliveries: number;
  /** Publish time, ms since the epoch. */
  timestamp: number;
}

export interface MessageStoreOptions {
  dir: string;
  segmentSize?: number;
  /** Compact the oldest segment once at most this fraction of its messages is live (0.5). */
  compactBelow?: number;
  /**
   * Sees every change to the log's files, paths relative to `dir` (replication). With a tap,
   * `afterDurable` also waits for its `whenReplicated`.
   */
  tap?: StoreTap | null;
}

/**
 * Durable storage for persistent messages in durable queues, on one shared SegmentLog. The broker
 * calls publish/ack/delivered/purge as things happen; records are gathered and written once per
 * event-loop turn, and `afterDurable` callbacks (publisher confirms, tx.commit-ok) run when the
 * sync covering them completes. Queues are named by `queueKey(vhost, name)`.
 *
 * Disk use follows live data: segments are deleted oldest-first once nothing in them is live
 * (oldest-first, so an ack record never disappears while the message it acknowledges still
 * exists in an older segment), and an old segment that is mostly dead is compacted: its live
 * messages are copied forward as Moved records, after which it is deleted.
 */
export class MessageStore {
  private readonly log: SegmentLog;
  private readonly batch = new RecordWriter();
  private nextMessageId: number;
  private flushScheduled = false;
  private durableWaiters: ((err?: Error) => void)[] = [];
  private readonly pendingAcks = new Map<string, number[]>();
  private readonly pendingDelivered = new Map<string, number[]>();
  /** Releases to apply once the current batch has landed (publishes first, then releases). */
  private pendingReleases: [number, string][] = [];
  /** Liveness per segment, oldest first. */
  private readonly segments: SegmentLiveness[] = [];
  /** Publishes in the unwritten batch: first id and queues of multi-queue messages. */
  private batchFirstId = 0;
  private batchMulti: [number, string[]][] = [];
  private batchMoved: [number, string[]][] = [];
  private readonly compactBelow: number;
  /** Messages whose live copy is a Moved record, and the segment holding it. */
  private readonly movedIndex = new Map<number, SegmentLiveness>();
  /** What replay found at open, until `recover` has handed the live messages over. */
  private replayed: ReplayIndex | null;
  private readonly tap: StoreTap | null;

  private constructor(opts: MessageStoreOptions) {
    this.compactBelow = opts.compactBelow ?? 0.5;
    this.tap = opts.tap ?? null;
    const index = new ReplayIndex();
    this.log = SegmentLog.open(opts.dir, opts.segmentSize ?? 8 * 1024 * 1024, (r, segment, offset) => index.apply(r, segment, offset), this.tap);
    this.nextMessageId = index.maxId + 1;
    this.rebuildLiveness(index);
    this.replayed = index;
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

  publish(id: number, queues: string[], exchange: string, routingKey: string, properties: Buffer, body: Buffer, timestamp = Date.now()): void {
    if (this.batchFirstId === 0) this.batchFirstId = id;
    this.batch.publish(RecordType.Publish, id, { timestamp, queues, exchange, routingKey, properties, body });
    if (queues.length > 1) this.batchMulti.push([id, queues]);
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
    const acks = this.pendingAcks.get(queue);
    if (acks) {
      for (const id of acks) this.pendingReleases.push([id, queue]);
      this.pendingAcks.delete(queue);
    }
    this.batch.purge(queue, this.nextMessageId - 1);
    for (const id of ids) this.pendingReleases.push([id, queue]);
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
      for (const id of ids) this.pendingReleases.push([id, queue]);
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
        this.forgetBatch();
        for (const w of waiters) w(err as Error);
        return;
      }
      this.batch.reset();
      this.account(landed.segment);
    }
    for (const [id, queue] of this.pendingReleases) this.segmentOf(id)?.release(id, queue);
    this.pendingReleases = [];
    if (waiters.length > 0) {
      const tap = this.tap;
      const release = (err?: Error) => {
        for (const w of waiters) w(err);
      };
      // With a tap, durable means synced here and then replicated. The replication position is
      // taken after the local sync, so it also covers definitions flushed in the meantime (a
      // queue declared in the same turn as a publish to it is never confirmed without it).
      this.log.syncer.whenSynced(this.log.position, tap === null ? release : (err) => (err ? release(err) : tap.whenReplicated(release)));
    }
    this.dropDeadSegments();
    this.maybeCompact();
  }

  /** Records which segment the batch's publishes and moved messages landed in. */
  private account(segment: number): void {
    let info = this.segments.at(-1);
    if (!info || info.segment !== segment) {
      info = new SegmentLiveness(segment, this.batchFirstId || this.nextMessageId);
      this.segments.push(info);
    }
    // Every id reserved since the last batch was published in this one (newId, then publish).
    if (this.batchFirstId !== 0) info.extend(this.nextMessageId);
    for (const [id, queues] of this.batchMulti) info.multi.set(id, new Set(queues));
    for (const [id, queues] of this.batchMoved) {
      this.segmentOf(id)?.movedOut(id);
      info.addMoved(id, queues);
      this.movedIndex.set(id, info);
    }
    this.forgetBatch();
  }

  private forgetBatch(): void {
    this.batchFirstId = 0;
    this.batchMulti = [];
    this.batchMoved = [];
  }

  /** The segment whose liveness covers message `id`: where its latest copy lives. */
  private segmentOf(id: number): SegmentLiveness | undefined {
    const moved = this.movedIndex.get(id);
    if (moved) {
      if (moved.moved.has(id)) return moved;
      this.movedIndex.delete(id);
    }
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.segments[mid];
      if (id < s.firstId) hi = mid - 1;
      else if (id >= s.endId) lo = mid + 1;
      else return s;
    }
    return undefined;
  }

  /** Deletes oldest segments whose messages are all gone. */
  private dropDeadSegments(): void {
    for (;;) {
      const oldest = this.log.segmentIds[0];
      if (oldest === undefined || oldest === this.log.currentSegment) return;
      const info = this.segments[0];
      if (info && info.segment === oldest && info.live > 0) return;
      if (info && info.segment === oldest) this.segments.shift();
      this.log.dropOldest();
    }
  }

  /**
   * Copies the live messages of the oldest segment forward when most of it is dead, so one
   * long-lived message cannot pin every segment written after it.
   */
  private maybeCompact(): void {
    const info = this.segments[0];
    if (!info || info.segment === this.log.currentSegment || this.segments.length < 3) return;
    const total = info.endId - info.firstId + info.moved.size;
    if (total === 0 || info.live > total * this.compactBelow || this.compacting === info.segment) return;
    this.compacting = info.segment;
    const data = this.log.readSegment(info.segment);
    for (let at = 0; ; ) {
      const r = decodeRecord(data, at, data.length);
      if (!r) break;
      at += r.length;
      if ((r.type !== RecordType.Publish && r.type !== RecordType.Moved) || !info.holds(r.id) || !info.isLive(r.id)) continue;
      if (r.type === RecordType.Publish && info.moved.has(r.id)) continue;
      const queues = info.queuesOf(r.id) ?? r.publish!.queues;
      const p: PublishPayload = { ...r.publish!, queues };
      this.batch.publish(RecordType.Moved, r.id, p);
      this.batchMoved.push([r.id, queues]);
    }
    this.schedule();
  }
  private compacting = 0;

  private rebuildLiveness(index: ReplayIndex): void {
    const ranges = new Map(index.segments.map((r) => [r.segment, r]));
    let lastEnd = 1;
    for (const seg of this.log.segmentIds) {
      const range = ranges.get(seg);
      // A segment without publishes gets an empty id range where it sits, keeping ranges sorted.
      const info = new SegmentLiveness(seg, range ? range.firstId : lastEnd);
      if (range) {
        lastEnd = range.endId;
        info.extend(range.endId);
        for (let id = range.firstId; id < range.endId; id++) if (!index.isLiveInPlace(range, id)) info.markGone(id);
      }
      this.segments.push(info);
    }
    const bySegment = new Map(this.segments.map((s) => [s.segment, s]));
    index.forEachLive((m) => {
      const info = bySegment.get(m.segment)!;
      if (m.moved) {
        info.addMoved(m.id, m.queues);
        this.movedIndex.set(m.id, info);
      } else if (m.fanout) info.multi.set(m.id, new Set(m.queues));
    });
  }

  /**
   * Hands every message found at open to `visit`, per queue holding it, in publish (id) order,
   * reading bodies one segment at a time. Call once, right after open.
   */
  recover(visit: (queueKey: string, m: RecoveredMessage) => void): void {
    const index = this.replayed;
    this.replayed = null;
    if (!index) return;
    // Segments are read one at a time; copies moved by compaction (few, and oldest first in id
    // order) may send us back to a newer segment, so the last two reads are kept.
    const cache = new Map<number, Buffer>();
    const segmentData = (segment: number): Buffer => {
      let data = cache.get(segment);
      if (!data) {
        if (cache.size >= 2) cache.delete(cache.keys().next().value!);
        cache.set(segment, (data = this.log.readSegment(segment)));
      }
      return data;
    };
    index.forEachLive((e) => {
      const data = segmentData(e.segment);
      const r = decodeRecord(data, e.offset, data.length);
      if (!r?.publish || r.id !== e.id) throw new Error(`recovery: record ${e.id} not found at ${e.segment}:${e.offset}`);
      const p = r.publish;
      // One copy per message: segment buffers are dropped as recovery moves on.
      const properties = Buffer.from(p.properties);
      const body = Buffer.from(p.body);
      for (const q of e.queues) {
        const deliveries = e.deliveries(q);
        visit(q, {
          id: e.id, exchange: p.exchange, routingKey: p.routingKey, properties, body,
          redelivered: deliveries > 0, deliveries, timestamp: p.timestamp,
        });
      }
    });
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
