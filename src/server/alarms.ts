import { DiskMonitor } from './disk-monitor.js';
import { MemoryMonitor } from './memory-monitor.js';
import type { MemoryWatermark } from './memory-monitor.js';

export type AlarmResource = 'disk' | 'memory';
export type AlarmListener = (resource: AlarmResource, raised: boolean) => void;

/** The order RabbitMQ 3.10.8 names both resources in ("low on disk & memory", as observed). */
const order: AlarmResource[] = ['disk', 'memory'];

/**
 * Resource alarms, as RabbitMQ raises them: while any is in effect, a connection that publishes is
 * blocked (connection.blocked, and it is no longer read from) so a broker low on memory or disk
 * stops taking messages instead of falling over; consumers keep draining. Connections are
 * unblocked once every alarm has cleared.
 */
export class Alarms {
  private readonly raised = new Set<AlarmResource>();
  private readonly listeners = new Set<AlarmListener>();
  readonly disk: DiskMonitor;
  readonly memory: MemoryMonitor;

  constructor(dataDir: string | null, diskFreeLimit: number, watermark: MemoryWatermark) {
    this.disk = new DiskMonitor(dataDir, diskFreeLimit, (low) => this.set('disk', low));
    this.memory = new MemoryMonitor(watermark, (over) => this.set('memory', over));
  }

  /** Whether any alarm is in effect. */
  get active(): boolean {
    return this.raised.size > 0;
  }

  /** Last free-disk reading, bytes (Infinity without a data directory). */
  get diskFree(): number {
    return this.disk.free;
  }

  has(resource: AlarmResource): boolean {
    return this.raised.has(resource);
  }

  /** connection.blocked's reason, RabbitMQ's text: "low on memory", "low on disk & memory". */
  get reason(): string {
    return `low on ${order.filter((r) => this.raised.has(r)).join(' & ')}`;
  }

  onChange(l: AlarmListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Takes the first readings, then keeps sampling (memory every second, disk every 2 s). */
  async start(): Promise<void> {
    this.memory.check();
    await this.disk.check();
    this.memory.start();
    this.disk.start();
  }

  stop(): void {
    this.memory.stop();
    this.disk.stop();
  }

  private set(resource: AlarmResource, on: boolean): void {
    if (on === this.raised.has(resource)) return;
    if (on) this.raised.add(resource);
    else this.raised.delete(resource);
    for (const l of this.listeners) l(resource, on);
  }
}
