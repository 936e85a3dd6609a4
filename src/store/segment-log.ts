import { closeSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, unlink, writeSync } from 'node:fs';
import { join } from 'node:path';
import { decodeRecord } from './record.js';
import type { DecodedRecord } from './record.js';
import { Syncer } from './syncer.js';
import type { StoreTap } from './store-tap.js';

interface Segment {
  readonly id: number;
  readonly path: string;
  fd: number;
  size: number;
}

const NAME = /^(\d{10})\.seg$/;

/**
 * The append-only log on disk: numbered segment files of roughly `segmentSize` bytes. Appends go
 * to the newest segment in one write per batch; durability comes from the Syncer (group commit).
 * Segments are removed only oldest-first, so an ack record is never lost while the message it
 * acknowledges still exists in an older segment.
 */
export class SegmentLog {
  private readonly segments: Segment[] = [];
  private current!: Segment;
  readonly syncer: Syncer;
  /** Bytes appended since open: the position the Syncer tracks. */
  position = 0;

  private constructor(
    readonly dir: string,
    readonly segmentSize: number,
    /** Sees every change to the segment files (replication); null: nobody is watching. */
    private readonly tap: StoreTap | null,
  ) {
    this.syncer = new Syncer(() => (this.current ? [this.current.fd] : []));
  }

  /**
   * Opens the log, replaying every intact record of every segment through `onRecord` (oldest
   * first), truncating each segment after its last intact record, then starts a fresh segment.
   */
  static open(
    dir: string, segmentSize: number, onRecord: (r: DecodedRecord, segment: number, offset: number) => void, tap: StoreTap | null = null,
  ): SegmentLog {
    mkdirSync(dir, { recursive: true });
    const log = new SegmentLog(dir, segmentSize, tap);
    const ids = readdirSync(dir)
      .map((n) => NAME.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    for (const id of ids) {
      const path = join(dir, SegmentLog.fileName(id));
      const data = readFileSync(path);
      let at = 0;
      for (;;) {
        const r = decodeRecord(data, at, data.length);
        if (!r) break;
        onRecord(r, id, at);
        at += r.length;
      }
      if (at < data.length) {
        // Torn or corrupt tail (crash mid-write): cut it so it can never be misread later.
        const fd = openSync(path, 'r+');
        ftruncateSync(fd, at);
        closeSync(fd);
        tap?.truncate(SegmentLog.fileName(id), at);
      }
      log.segments.push({ id, path, fd: -1, size: at });
    }
    log.startSegment((ids.at(-1) ?? 0) + 1);
    return log;
  }

  static fileName(id: number): string {
    return String(id).padStart(10, '0') + '.seg';
  }

  get currentSegment(): number {
    return this.current.id;
  }

  get segmentIds(): number[] {
    return this.segments.map((s) => s.id);
  }

  private startSegment(id: number): void {
    const path = join(this.dir, SegmentLog.fileName(id));
    const fd = openSync(path, 'a+');
    const seg: Segment = { id, path, fd, size: 0 };
    this.tap?.truncate(SegmentLog.fileName(id), 0);
    const previous = this.current;
    this.segments.push(seg);
    this.current = seg;
    if (previous && previous.fd >= 0) {
      // The previous segment's last bytes must still be synced before its fd may close.
      const fdToSync = previous.fd;
      previous.fd = -1; // readers reopen by path from now on
      this.syncer.afterNextSyncOf(fdToSync, () => closeSync(fdToSync));
    }
  }

  /**
   * Writes one batch. Returns the segment and offset it landed at. On a write error the segment
   * is cut back to its previous length, so a failed write never leaves garbage before later data.
   */
  append(batch: Buffer): { segment: number; offset: number } {
    // A closed log's fd numbers may already belong to other files (a broker restarted in the same
    // process reuses them): a late write, from a timer of the closed broker, must go nowhere.
    if (this.closed) throw new Error('the message log is closed');
    if (this.current.size > 0 && this.current.size + batch.length > this.segmentSize) {
      this.startSegment(this.current.id + 1);
    }
    const seg = this.current;
    const offset = seg.size;
    try {
      let done = 0;
      while (done < batch.length) done += writeSync(seg.fd, batch, done, batch.length - done);
    } catch (err) {
      try {
        ftruncateSync(seg.fd, offset);
        this.tap?.truncate(SegmentLog.fileName(seg.id), offset);
      } catch {
        // nothing more we can do; the record CRCs still protect recovery
      }
      throw err;
    }
    this.tap?.append(SegmentLog.fileName(seg.id), offset, batch);
    seg.size += batch.length;
    this.position += batch.length;
    this.syncer.advance(this.position);
    return { segment: seg.id, offset };
  }

  /** Reads bytes back (paged-out bodies, compaction). */
  read(segment: number, offset: number, length: number): Buffer {
    const seg = this.segments.find((s) => s.id === segment);
    if (!seg) throw new Error(`segment ${segment} is gone`);
    const buf = Buffer.allocUnsafe(length);
    const fd = seg.fd >= 0 ? seg.fd : openSync(seg.path, 'r');
    try {
      readSync(fd, buf, 0, length, offset);
    } finally {
      if (fd !== seg.fd) closeSync(fd);
    }
    return buf;
  }

  /** The whole content of a segment (compaction reads old, mostly dead segments). */
  readSegment(segment: number): Buffer {
    const seg = this.segments.find((s) => s.id === segment);
    if (!seg) throw new Error(`segment ${segment} is gone`);
    return readFileSync(seg.path).subarray(0, seg.size);
  }

  /** Deletes the oldest segment (never the one being written). */
  dropOldest(): number | undefined {
    const oldest = this.segments[0];
    if (!oldest || oldest === this.current) return undefined;
    this.segments.shift();
    if (oldest.fd >= 0) {
      const fd = oldest.fd;
      this.syncer.afterNextSyncOf(fd, () => closeSync(fd));
    }
    // Unlink in the thread pool: an unlink of a large file can take milliseconds.
    unlink(oldest.path, () => {});
    this.tap?.remove(SegmentLog.fileName(oldest.id));
    return oldest.id;
  }

  private closed = false;

  async close(): Promise<void> {
    this.closed = true;
    await new Promise<void>((resolve) => this.syncer.whenSynced(this.position, () => resolve()));
    await this.syncer.close();
    for (const s of this.segments) if (s.fd >= 0) closeSync(s.fd);
    this.segments.length = 0;
  }
}
