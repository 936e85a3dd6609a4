import { statfs } from 'node:fs';

export type AlarmListener = (active: boolean, reason: string) => void;

/**
 * Resource alarms, as RabbitMQ raises them: while one is active, publishing connections are
 * blocked (connection.blocked, and their sockets are no longer read) so a broker low on disk
 * stops taking messages instead of filling the disk; consumers keep draining.
 */
export class Alarms {
  private diskAlarm = false;
  private readonly listeners = new Set<AlarmListener>();
  private timer: NodeJS.Timeout | null = null;
  /** Last free-space reading of the data directory's filesystem, bytes. */
  diskFree = Number.POSITIVE_INFINITY;

  constructor(
    private readonly dataDir: string | null,
    private diskFreeLimit: number,
  ) {}

  get active(): boolean {
    return this.diskAlarm;
  }

  get reason(): string {
    return 'low on disk';
  }

  onChange(l: AlarmListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Starts polling free disk space (every `intervalMs`). */
  start(intervalMs = 2000): void {
    if (this.dataDir === null) return;
    this.check();
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Changes disk_free_limit at runtime (operators, tests) and re-evaluates at once. */
  setDiskFreeLimit(bytes: number): Promise<void> {
    this.diskFreeLimit = bytes;
    return this.check();
  }

  check(): Promise<void> {
    if (this.dataDir === null) return Promise.resolve();
    return new Promise((resolve) => {
      statfs(this.dataDir!, (err, s) => {
        if (!err) {
          this.diskFree = s.bavail * s.bsize;
          this.setDisk(this.diskFree < this.diskFreeLimit);
        }
        resolve();
      });
    });
  }

  private setDisk(low: boolean): void {
    if (low === this.diskAlarm) return;
    this.diskAlarm = low;
    for (const l of this.listeners) l(low, this.reason);
  }
}
