import { totalmem } from 'node:os';

/** vm_memory_high_watermark: a fraction of the machine's memory, or a number of bytes. */
export type MemoryWatermark = { relative: number } | { absolute: number };

/**
 * The memory RabbitMQ's limit is a fraction of: the machine's RAM, or the container's memory limit
 * (cgroup) when that is smaller, so a relative watermark means the same inside Kubernetes.
 */
export function totalMemory(): number {
  const constrained = Number(process.constrainedMemory?.() ?? 0);
  const total = totalmem();
  return constrained > 0 && constrained < total ? constrained : total;
}

/** The limit in bytes, as RabbitMQ's vm_memory_monitor computes it (absolute is capped at the total). */
export function memoryLimit(w: MemoryWatermark, total: number): number {
  return 'absolute' in w ? Math.min(w.absolute, total) : Math.trunc(Math.min(w.relative, 1) * total);
}

/**
 * vm_memory_high_watermark: samples the process's resident set size (RabbitMQ's default "rss"
 * strategy) every second — one cheap read of /proc — and reports when it goes over the limit
 * (and when it is back under).
 */
export class MemoryMonitor {
  /** Last RSS reading, bytes. */
  used = 0;
  /** The limit in bytes. */
  limit: number;
  readonly total: number;
  private over = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    public watermark: MemoryWatermark,
    private readonly onChange: (over: boolean) => void,
  ) {
    this.total = totalMemory();
    this.limit = memoryLimit(watermark, this.total);
  }

  start(intervalMs = 1000): void {
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** rabbitmqctl set_vm_memory_high_watermark: a new limit, applied at once. */
  setWatermark(w: MemoryWatermark): void {
    this.watermark = w;
    this.limit = memoryLimit(w, this.total);
    this.check();
  }

  check(): void {
    this.used = process.memoryUsage.rss();
    const over = this.used > this.limit;
    if (over === this.over) return;
    this.over = over;
    this.onChange(over);
  }
}
