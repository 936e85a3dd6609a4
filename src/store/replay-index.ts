import { RecordType } from './record.js';
import type { DecodedRecord } from './record.js';

const GONE = -1;

/** The single-queue messages published in one segment: parallel typed arrays, ~9 bytes each. */
class SegmentSlots {
  endId: number;
  offsets = new Uint32Array(256);
  queues = new Int32Array(256).fill(GONE);
  delivered = new Uint8Array(256);

  constructor(
    readonly segment: number,
    readonly firstId: number,
  ) {
    this.endId = firstId;
  }

  slot(id: number): number {
    return id >= this.firstId && id < this.endId ? id - this.firstId : -1;
  }

  /** Records a publish; ids skipped in between (fanout messages, kept elsewhere) stay GONE. */
  add(id: number, offset: number, queue: number): void {
    const i = id - this.firstId;
    if (i >= this.offsets.length) this.grow(Math.max(i + 1, this.offsets.length * 2));
    this.offsets[i] = offset;
    this.queues[i] = queue;
    this.endId = id + 1;
  }

  private grow(size: number): void {
    const o = new Uint32Array(size);
    o.set(this.offsets);
    const q = new Int32Array(size).fill(GONE);
    q.set(this.queues);
    const d = new Uint8Array(size);
    d.set(this.delivered);
    this.offsets = o;
    this.queues = q;
    this.delivered = d;
  }
}

/** A message routed to several queues, or a copy moved by compaction: few, kept as objects. */
interface Extra {
  segment: number;
  offset: number;
  queues: Set<string>;
  delivered: Map<string, number> | null;
  moved: boolean;
}

export interface LiveMessage {
  id: number;
  segment: number;
  offset: number;
  queues: string[];
  moved: boolean;
  /** Routed to several queues (tracked per queue by the liveness index). */
  fanout: boolean;
  deliveries(queue: string): number;
}

/**
 * What recovery knows while replaying the log: for every message still live, where its latest
 * copy is, which queues hold it and how often it was delivered — without its body, and for the
 * common single-queue message in typed arrays, so replaying millions of messages stays small.
 */
export class ReplayIndex {
  private readonly names: string[] = [];
  private readonly index = new Map<string, number>();
  /** Per segment with publishes, in log order (so firstIds ascend). */
  readonly segments: SegmentSlots[] = [];
  private readonly extras = new Map<number, Extra>();
  maxId = 0;

  apply(r: DecodedRecord, segment: number, offset: number): void {
    if (r.id > this.maxId) this.maxId = r.id;
    switch (r.type) {
      case RecordType.Publish: {
        const queues = r.publish!.queues;
        let s = this.segments.at(-1);
        if (!s || s.segment !== segment) this.segments.push((s = new SegmentSlots(segment, r.id)));
        if (queues.length === 1) s.add(r.id, offset, this.queueIndex(queues[0]));
        else {
          s.add(r.id, offset, GONE);
          this.extras.set(r.id, { segment, offset, queues: new Set(queues), delivered: null, moved: false });
        }
        return;
      }
      case RecordType.Moved: {
        // The moved copy supersedes the earlier one, keeping its delivery counts.
        const delivered = this.takeDeliveries(r.id);
        this.extras.set(r.id, { segment, offset, queues: new Set(r.publish!.queues), delivered, moved: true });
        return;
      }
      case RecordType.Ack:
        for (const id of r.ids!) this.remove(id, r.queue!);
        return;
      case RecordType.Delivered:
        for (const id of r.ids!) this.countDelivery(id, r.queue!);
        return;
      case RecordType.Purge: {
        const q = this.index.get(r.queue!);
        if (q !== undefined) {
          for (const s of this.segments) {
            const end = Math.min(s.endId, r.id + 1);
            for (let id = s.firstId; id < end; id++) if (s.queues[id - s.firstId] === q) s.queues[id - s.firstId] = GONE;
          }
        }
        for (const [id, e] of this.extras) if (id <= r.id && e.queues.delete(r.queue!) && e.queues.size === 0) this.extras.delete(id);
        return;
      }
    }
  }

  private queueIndex(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.index.set(name, i);
    }
    return i;
  }

  private find(id: number): SegmentSlots | undefined {
    const list = this.segments;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = list[mid];
      if (id < s.firstId) hi = mid - 1;
      else if (id >= s.endId) lo = mid + 1;
      else return s;
    }
    return undefined;
  }

  private remove(id: number, queue: string): void {
    const e = this.extras.get(id);
    if (e) {
      if (e.queues.delete(queue) && e.queues.size === 0) this.extras.delete(id);
      return;
    }
    const s = this.find(id);
    if (s && s.queues[id - s.firstId] === this.index.get(queue)) s.queues[id - s.firstId] = GONE;
  }

  private countDelivery(id: number, queue: string): void {
    const e = this.extras.get(id);
    if (e) {
      const d = (e.delivered ??= new Map());
      d.set(queue, (d.get(queue) ?? 0) + 1);
      return;
    }
    const s = this.find(id);
    if (s && s.queues[id - s.firstId] !== GONE && s.delivered[id - s.firstId] < 255) s.delivered[id - s.firstId]++;
  }

  /** Deliveries of a message's current copy, which stops being live (it is being superseded). */
  private takeDeliveries(id: number): Map<string, number> | null {
    const e = this.extras.get(id);
    if (e) {
      this.extras.delete(id);
      return e.delivered;
    }
    const s = this.find(id);
    if (!s) return null;
    const i = id - s.firstId;
    const q = s.queues[i];
    if (q === GONE) return null;
    s.queues[i] = GONE;
    return s.delivered[i] > 0 ? new Map([[this.names[q], s.delivered[i]]]) : null;
  }

  /** A publish id of segment `s` that is still live in place (not moved, not gone). */
  isLiveInPlace(s: SegmentSlots, id: number): boolean {
    const i = s.slot(id);
    if (i < 0) return false;
    if (s.queues[i] !== GONE) return true;
    const e = this.extras.get(id);
    return e !== undefined && !e.moved && e.segment === s.segment;
  }

  /** Every live message, in id order. */
  forEachLive(fn: (m: LiveMessage) => void): void {
    const extras = [...this.extras.entries()].sort((a, b) => a[0] - b[0]);
    let x = 0;
    const emitExtra = (id: number, e: Extra) =>
      fn({ id, segment: e.segment, offset: e.offset, queues: [...e.queues], moved: e.moved, fanout: !e.moved, deliveries: (q) => e.delivered?.get(q) ?? 0 });
    for (const s of this.segments) {
      for (let id = s.firstId; id < s.endId; id++) {
        while (x < extras.length && extras[x][0] < id) emitExtra(extras[x][0], extras[x++][1]);
        const i = id - s.firstId;
        const q = s.queues[i];
        if (q === GONE) continue;
        const count = s.delivered[i];
        const name = this.names[q];
        fn({ id, segment: s.segment, offset: s.offsets[i], queues: [name], moved: false, fanout: false, deliveries: (qn) => (qn === name ? count : 0) });
      }
    }
    while (x < extras.length) emitExtra(extras[x][0], extras[x++][1]);
  }
}
