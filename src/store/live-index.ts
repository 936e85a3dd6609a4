/**
 * Which stored messages are still live, per segment, compactly: a segment's Publish records carry
 * a contiguous range of message ids, so one bit per id says "gone". Messages routed to several
 * queues keep the set of queues still holding them until the last one lets go; messages copied
 * forward by compaction (Moved records) are few and kept in a map.
 */
export class SegmentLiveness {
  /** Publish ids in this segment: [firstId, endId). */
  endId: number;
  private gone: Uint8Array;
  /** Live messages of this segment that were routed to several queues: who still holds them. */
  readonly multi = new Map<number, Set<string>>();
  /** Messages moved into this segment by compaction, with the queues holding them. */
  readonly moved = new Map<number, string[]>();
  live = 0;

  constructor(
    readonly segment: number,
    readonly firstId: number,
  ) {
    this.endId = firstId;
    this.gone = new Uint8Array(64);
  }

  /** Adds publish ids [from, to) to this segment, all live. */
  extend(to: number): void {
    const need = (to - this.firstId + 7) >> 3;
    if (need > this.gone.length) {
      const next = new Uint8Array(Math.max(need, this.gone.length * 2));
      next.set(this.gone);
      this.gone = next;
    }
    this.live += to - this.endId;
    this.endId = to;
  }

  holds(id: number): boolean {
    return (id >= this.firstId && id < this.endId) || this.moved.has(id);
  }

  isLive(id: number): boolean {
    if (this.moved.has(id)) return true;
    const i = id - this.firstId;
    return (this.gone[i >> 3] & (1 << (i & 7))) === 0;
  }

  /** Queues still holding a live message, or undefined when the record's own list applies. */
  queuesOf(id: number): string[] | undefined {
    const moved = this.moved.get(id);
    if (moved) return moved;
    const m = this.multi.get(id);
    return m ? [...m] : undefined;
  }

  /** `queue` let go of message `id`. */
  release(id: number, queue: string): void {
    const moved = this.moved.get(id);
    if (moved) {
      const rest = moved.filter((q) => q !== queue);
      if (rest.length === moved.length) return;
      if (rest.length > 0) this.moved.set(id, rest);
      else {
        this.moved.delete(id);
        this.live--;
      }
      return;
    }
    if (id < this.firstId || id >= this.endId) return;
    const set = this.multi.get(id);
    if (set) {
      // Kept until the last queue lets go: compaction must copy only the queues still holding it.
      set.delete(queue);
      if (set.size > 0) return;
      this.multi.delete(id);
    }
    const i = id - this.firstId;
    const bit = 1 << (i & 7);
    if (this.gone[i >> 3] & bit) return;
    this.gone[i >> 3] |= bit;
    this.live--;
  }

  /** Marks an id in range as gone without a queue (recovery: not live after replay). */
  markGone(id: number): void {
    const i = id - this.firstId;
    const bit = 1 << (i & 7);
    if (this.gone[i >> 3] & bit) return;
    this.gone[i >> 3] |= bit;
    this.live--;
  }

  addMoved(id: number, queues: string[]): void {
    this.moved.set(id, queues);
    this.live++;
  }

  /** Publish ids of this segment that were moved out by compaction: no longer live here. */
  movedOut(id: number): void {
    if (this.moved.delete(id)) {
      this.live--;
      return;
    }
    this.multi.delete(id);
    this.markGone(id);
  }
}
