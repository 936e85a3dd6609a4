import { statfs } from 'node:fs';

/**
 * disk_free_limit: polls the free space of the data directory's filesystem and reports when it
 * drops below the limit (and when it is back above).
 */
export class DiskMonitor {
  /** Last free-space reading, bytes (Infinity before the first one, or without a data directory). */
  free = Number.POSITIVE_INFINITY;
  private low = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly dataDir: string | null,
    public limit: number,
    private readonly onChange: (low: boolean) => void,
  ) {}

  start(intervalMs = 2000): void {
    if (this.dataDir === null) return;
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Changes the limit at runtime; resolves once re-evaluated. */
  setLimit(bytes: number): Promise<void> {
    this.limit = bytes;
    return this.check();
  }

  check(): Promise<void> {
    if (this.dataDir === null) return Promise.resolve();
    return new Promise((resolve) => {
      statfs(this.dataDir!, (err, s) => {
        if (!err) {
          this.free = s.bavail * s.bsize;
          const low = this.free < this.limit;
          if (low !== this.low) {
            this.low = low;
            this.onChange(low);
          }
        }
        resolve();
      });
    });
  }
}
