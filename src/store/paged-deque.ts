import { closeSync, mkdirSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Message } from '../broker/message.js';
import { MessageDeque } from '../broker/message-deque.js';
import type { ReadyQueue } from '../broker/message-deque.js';
import { readSpilled, spillSize, writeSpilled } from './spill-codec.js';

interface SpillFile {
  path: string;
  fd: number;
  /** Bytes written to the file. */
  size: number;
  /** Next byte to read back. */
  readPos: number;
}

export interface PagingOptions {
  /** Directory for this queue's paging files (created on first spill, emptied when drained). */
  dir: string;
  /** Messages kept in memory before new arrivals go to disk. */
  maxInMemory: number;
  /** Size at which a paging file is closed and a new one started (consumed files are deleted). */
  fileSize?: number;
}

const WRITE_BUFFER = 1 << 20;
const READ_CHUNK = 1 << 18;
const EMPTY = Buffer.alloc(0);

/**
 * Ready messages with a bounded in-memory head. Once `maxInMemory` messages are held, new
 * arrivals are serialised to paging files (sequential appends, no fsync: durability of persistent
 * messages is the message log's job) and read back in order as the head drains. So a queue of
 * millions of messages keeps only a window of them in the JS heap. FIFO holds across the boundary:
 * while anything is paged out, every push goes behind it.
 */
export class PagedDeque implements ReadyQueue {
  private readonly head = new MessageDeque();
  private tailCount = 0;
  private tailBytes = 0;
  private readonly files: SpillFile[] = [];
  // Buffers are allocated on first spill: most queues never page, and thousands of idle queues
  // must not each hold a megabyte.
  private writeBuf = EMPTY;
  private writePos = 0;
  private readBuf = EMPTY;
  private fileSeq = 0;
  private readonly fileSize: number;

  constructor(private readonly opts: PagingOptions) {
    this.fileSize = opts.fileSize ?? 16 * 1024 * 1024;
  }

  get length(): number { return this.head.length + this.tailCount; }
  get bytes(): number { return this.head.bytes + this.tailBytes; }
  get lastFlags(): number { return this.head.lastFlags; }
  /** Messages currently paged out (for stats and tests). */
  get pagedOut(): number { return this.tailCount; }

  push(m: Message, flags = 0): void {
    if (this.tailCount === 0 && this.head.length < this.opts.maxInMemory) return this.head.push(m, flags);
    this.spill(m, flags);
  }

  unshift(m: Message, flags = 0): void {
    this.head.unshift(m, flags);
  }

  peek(): Message | undefined {
    if (this.head.length === 0) this.refill();
    return this.head.peek();
  }

  shift(): Message | undefined {
    if (this.head.length === 0) this.refill();
    return this.head.shift();
  }

  clear(): number {
    const n = this.length;
    this.head.clear();
    this.dropFiles();
    return n;
  }

  forEach(fn: (m: Message) => void): void {
    this.head.forEach(fn);
    if (this.tailCount === 0) return;
    this.flushWrites();
    for (const f of this.files) {
      let pos = f.readPos;
      while (pos < f.size) {
        const { buf, at } = this.readAt(f, pos);
        const r = readSpilled(buf, at);
        fn(r.message);
        pos += r.length;
      }
    }
  }

  /** Deletes the paging files (queue deleted or broker stopping). */
  close(): void {
    this.dropFiles();
  }

  private spill(m: Message, flags: number): void {
    if (this.writeBuf === EMPTY) {
      this.writeBuf = Buffer.allocUnsafe(WRITE_BUFFER);
      this.readBuf = Buffer.allocUnsafe(READ_CHUNK);
    }
    const size = spillSize(m);
    if (this.writePos + size > this.writeBuf.length) {
      this.flushWrites();
      if (size > this.writeBuf.length) this.writeBuf = Buffer.allocUnsafe(size);
    }
    this.writePos = writeSpilled(this.writeBuf, this.writePos, m, flags);
    this.tailCount++;
    this.tailBytes += m.bodySize;
  }

  private currentFile(): SpillFile {
    const last = this.files.at(-1);
    if (last && last.size < this.fileSize) return last;
    if (this.files.length === 0) mkdirSync(this.opts.dir, { recursive: true });
    const path = join(this.opts.dir, `${++this.fileSeq}.page`);
    const f: SpillFile = { path, fd: openSync(path, 'w+'), size: 0, readPos: 0 };
    this.files.push(f);
    return f;
  }

  private flushWrites(): void {
    if (this.writePos === 0) return;
    const f = this.currentFile();
    let done = 0;
    while (done < this.writePos) done += writeSync(f.fd, this.writeBuf, done, this.writePos - done, f.size + done);
    f.size += this.writePos;
    this.writePos = 0;
  }

  /** Moves up to half the in-memory budget of paged messages back into the head, in order. */
  private refill(): void {
    if (this.tailCount === 0) return;
    this.flushWrites();
    const want = Math.max(1, Math.floor(this.opts.maxInMemory / 2));
    let moved = 0;
    while (moved < want && this.files.length > 0) {
      const f = this.files[0];
      if (f.readPos >= f.size) {
        this.retire(f);
        continue;
      }
      const { buf, at } = this.readAt(f, f.readPos);
      const r = readSpilled(buf, at);
      f.readPos += r.length;
      this.head.push(r.message, r.flags);
      this.tailCount--;
      this.tailBytes -= r.message.bodySize;
      moved++;
    }
    if (this.files.length > 0 && this.files[0].readPos >= this.files[0].size && this.tailCount === 0) this.dropFiles();
  }

  /** Returns a buffer holding the whole record at `pos` of `f` (reading ahead a chunk). */
  private readAt(f: SpillFile, pos: number): { buf: Buffer; at: number } {
    if (this.cacheFile === f && pos >= this.cacheStart && pos + 4 <= this.cacheEnd) {
      const at = pos - this.cacheStart;
      const len = this.readBuf.readUInt32BE(at);
      if (pos + len <= this.cacheEnd) return { buf: this.readBuf, at };
    }
    const header = Buffer.allocUnsafe(4);
    readSync(f.fd, header, 0, 4, pos);
    const len = header.readUInt32BE(0);
    if (len > this.readBuf.length) this.readBuf = Buffer.allocUnsafe(len);
    const n = readSync(f.fd, this.readBuf, 0, Math.min(this.readBuf.length, f.size - pos), pos);
    this.cacheFile = f;
    this.cacheStart = pos;
    this.cacheEnd = pos + n;
    return { buf: this.readBuf, at: 0 };
  }
  /** What readBuf holds: bytes cacheStart..cacheEnd of cacheFile. */
  private cacheFile: SpillFile | null = null;
  private cacheStart = 0;
  private cacheEnd = 0;

  private retire(f: SpillFile): void {
    this.files.shift();
    closeSync(f.fd);
    unlinkSync(f.path);
    if (this.cacheFile === f) this.cacheFile = null;
  }

  private dropFiles(): void {
    for (const f of this.files) {
      closeSync(f.fd);
      try { unlinkSync(f.path); } catch { /* already gone */ }
    }
    this.files.length = 0;
    this.cacheFile = null;
    this.tailCount = 0;
    this.tailBytes = 0;
    this.writePos = 0;
    this.writeBuf = this.readBuf = EMPTY;
  }
}
