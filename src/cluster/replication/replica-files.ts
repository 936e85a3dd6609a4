import { closeSync, constants, fdatasyncSync, ftruncateSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Syncer } from '../../store/syncer.js';
import { Frame } from './frames.js';
import type { FileAction } from './frames.js';
import { isWritable } from './manifest.js';

/**
 * A follower's copy of the leader's data directory: applies file actions as they arrive and makes
 * them durable with group commit (one fdatasync round in a worker thread covers every file and
 * directory touched since the previous round), as the leader's own log does.
 */
export class ReplicaFiles {
  private readonly fds = new Map<string, number>();
  private readonly dirFds = new Map<string, number>();
  /** fds written since the last sync round started. */
  private dirty = new Set<number>();
  private readonly syncer: Syncer;
  /** Bytes and actions applied (the syncer's position; local to this process). */
  private applied = 0;
  private closed = false;

  constructor(private readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.syncer = new Syncer(() => {
      const fds = [...this.dirty];
      this.dirty = new Set();
      return fds;
    });
  }

  apply(a: FileAction): void {
    if (!isWritable(a.path) || (a.type === Frame.Rename && !isWritable(a.to))) throw new Error(`replication: refusing to write ${a.path}`);
    this.applied += 1;
    switch (a.type) {
      case Frame.Append: {
        const fd = this.fd(a.path);
        for (let done = 0; done < a.data.length; ) done += writeSync(fd, a.data, done, a.data.length - done, a.offset + done);
        this.dirty.add(fd);
        this.applied += a.data.length;
        break;
      }
      case Frame.Truncate: {
        const fd = this.fd(a.path);
        ftruncateSync(fd, a.size);
        this.dirty.add(fd);
        break;
      }
      case Frame.Rename: {
        // The content must be on disk before the new name points at it (as the leader does).
        const fd = this.fds.get(a.path);
        if (fd !== undefined) fdatasyncSync(fd);
        this.release(a.path);
        this.release(a.to);
        renameSync(join(this.dataDir, a.path), join(this.dataDir, a.to));
        this.dirty.add(this.dirFd(a.to));
        break;
      }
      case Frame.Remove:
        this.release(a.path);
        rmSync(join(this.dataDir, a.path), { force: true });
        this.dirty.add(this.dirFd(a.path));
        break;
    }
  }

  /** Calls `done` once everything applied so far is durable. */
  commit(done: (err?: Error) => void): void {
    this.syncer.advance(this.applied);
    this.syncer.whenSynced(this.applied, done);
  }

  private fd(path: string): number {
    let fd = this.fds.get(path);
    if (fd !== undefined) return fd;
    const full = join(this.dataDir, path);
    try {
      fd = openSync(full, constants.O_RDWR);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      mkdirSync(dirname(full), { recursive: true });
      fd = openSync(full, constants.O_RDWR | constants.O_CREAT, 0o644);
      // A new file exists durably only once its directory entry is synced too.
      this.dirty.add(this.dirFd(path));
    }
    this.fds.set(path, fd);
    return fd;
  }

  private dirFd(path: string): number {
    const dir = dirname(join(this.dataDir, path));
    let fd = this.dirFds.get(dir);
    if (fd === undefined) {
      mkdirSync(dir, { recursive: true });
      this.dirFds.set(dir, (fd = openSync(dir, 'r')));
    }
    return fd;
  }

  /** Forgets the fd of `path`, closing it once no sync round can still be using it. */
  private release(path: string): void {
    const fd = this.fds.get(path);
    if (fd === undefined) return;
    this.fds.delete(path);
    this.dirty.delete(fd);
    this.syncer.afterNextSyncOf(fd, () => closeSync(fd));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.commit(() => resolve()));
    await this.syncer.close();
    for (const fd of [...this.fds.values(), ...this.dirFds.values()]) closeSync(fd);
    this.fds.clear();
    this.dirFds.clear();
  }
}
