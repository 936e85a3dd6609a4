import { Worker } from 'node:worker_threads';

/**
 * Group commit: makes written bytes durable with one fdatasync per batch, in a worker thread.
 * Callers register a callback for a log position; everything written while a sync is in flight
 * is covered by the next one. Positions are byte counts since the store opened (monotonic).
 */
export class Syncer {
  private readonly worker: Worker;
  private inFlight = false;
  private seq = 0;
  private requestedUpTo = 0;
  /** Highest position known durable. */
  synced = 0;
  /** Highest position written (handed to the kernel). */
  written = 0;
  private waiters: { pos: number; done: (err?: Error) => void }[] = [];
  private fds: () => number[];
  /** fds to close once the next sync completes (never close an fd mid-sync). */
  private closeAfterSync: (() => void)[] = [];
  failed: Error | null = null;

  constructor(fds: () => number[]) {
    this.fds = fds;
    this.worker = new Worker(new URL('./sync-worker.js', import.meta.url));
    this.worker.unref();
    this.worker.on('message', (m: { seq: number; error?: string }) => this.onSynced(m));
    this.worker.on('error', (err) => this.fail(err));
  }

  /** Calls `done` once everything up to `pos` is on disk. */
  whenSynced(pos: number, done: (err?: Error) => void): void {
    if (this.failed) return done(this.failed);
    if (pos <= this.synced) return done();
    this.waiters.push({ pos, done });
    this.kick();
  }

  /** Marks bytes up to `pos` as written and starts a sync if none is running. */
  advance(pos: number): void {
    this.written = pos;
    if (this.waiters.length > 0) this.kick();
  }

  /**
   * Syncs `fd` in the next round as well (a segment that was just rolled over still holds
   * unsynced bytes), then runs `fn` (typically: close it). Never close an fd mid-sync.
   */
  afterNextSyncOf(fd: number, fn: () => void): void {
    this.extraFds.push(fd);
    this.closeAfterSync.push(fn);
    if (this.inFlight) {
      // The running round may have started before these bytes were written: wait one more.
      this.deferred.push(...this.closeAfterSync.splice(0));
      return;
    }
    this.kick(true);
  }
  private extraFds: number[] = [];
  private deferred: (() => void)[] = [];

  private kick(force = false): void {
    if (this.inFlight || this.failed) return;
    if (!force && this.written <= this.synced) return;
    this.inFlight = true;
    this.requestedUpTo = this.written;
    this.worker.ref();
    const fds = [...new Set([...this.extraFds, ...this.fds()])];
    this.extraFds = [];
    this.worker.postMessage({ seq: ++this.seq, fds });
  }

  private onSynced(m: { seq: number; error?: string }): void {
    this.inFlight = false;
    this.worker.unref();
    if (m.error) return this.fail(new Error('fdatasync failed: ' + m.error));
    this.synced = Math.max(this.synced, this.requestedUpTo);
    const closers = this.closeAfterSync;
    this.closeAfterSync = this.deferred;
    this.deferred = [];
    for (const c of closers) c();
    const ready = this.waiters.filter((w) => w.pos <= this.synced);
    if (ready.length > 0) this.waiters = this.waiters.filter((w) => w.pos > this.synced);
    for (const w of ready) w.done();
    if (this.waiters.length > 0 || this.closeAfterSync.length > 0) this.kick(this.closeAfterSync.length > 0);
  }

  private fail(err: Error): void {
    // A failed fdatasync means we cannot know what is on disk: never confirm after it.
    this.failed = err;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.done(err);
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
