import { Worker } from 'node:worker_threads';
import type { EtcdClient } from './etcd-client.js';
import type { LeaseWorkerData } from './lease-worker.js';

/**
 * One etcd lease kept alive from a worker thread. `valid()` answers from shared memory whether
 * the lease is certainly still alive by this node's own clock; `onLost` fires (once) when the
 * worker gives up or etcd says the lease is gone.
 */
export class LeaseKeeper {
  private readonly validUntil: Float64Array;
  private readonly worker: Worker;
  private lostHandlers: ((reason: string) => void)[] = [];
  private lostReason: string | null = null;
  private watchdog: NodeJS.Timeout;

  private constructor(
    readonly id: string,
    readonly ttlSeconds: number,
    endpoints: string[],
    marginMs: number,
    grantedAt: number,
  ) {
    const shared = new SharedArrayBuffer(8);
    this.validUntil = new Float64Array(shared);
    this.validUntil[0] = grantedAt + ttlSeconds * 1000 - marginMs;
    const data: LeaseWorkerData = { endpoints, lease: id, ttlSeconds, marginMs, shared };
    this.worker = new Worker(new URL('./lease-worker.js', import.meta.url), { workerData: data });
    this.worker.unref();
    this.worker.on('message', (m: { lost?: string }) => m.lost && this.lose(m.lost));
    this.worker.on('error', (err) => this.lose(`keepalive worker failed: ${err.message}`));
    // The main thread checks the deadline itself too: the worker may be starved or dead.
    this.watchdog = setInterval(() => { if (!this.valid()) this.lose('lease deadline passed'); }, 100);
    this.watchdog.unref();
  }

  /** Grants a lease of ttlSeconds and starts keeping it alive. */
  static async grant(client: EtcdClient, ttlSeconds: number, marginMs = 1000): Promise<LeaseKeeper> {
    const grantedAt = performance.timeOrigin + performance.now();
    const id = await client.leaseGrant(ttlSeconds);
    return new LeaseKeeper(id, ttlSeconds, client.endpoints, marginMs, grantedAt);
  }

  /** True while the lease is certainly alive: its last acknowledged keepalive + TTL - margin is ahead. */
  valid(): boolean {
    return this.lostReason === null && performance.timeOrigin + performance.now() < this.validUntil[0];
  }

  /** Milliseconds the lease is still certainly valid (0 when lost). */
  remainingMs(): number {
    return this.lostReason === null ? Math.max(0, this.validUntil[0] - (performance.timeOrigin + performance.now())) : 0;
  }

  onLost(handler: (reason: string) => void): void {
    if (this.lostReason !== null) handler(this.lostReason);
    else this.lostHandlers.push(handler);
  }

  private lose(reason: string): void {
    if (this.lostReason !== null) return;
    this.lostReason = reason;
    this.validUntil[0] = 0;
    clearInterval(this.watchdog);
    void this.worker.terminate();
    for (const h of this.lostHandlers.splice(0)) h(reason);
  }

  /** Stops keeping the lease alive and revokes it (best effort), so waiting campaigners move on at once. */
  async release(client: EtcdClient): Promise<void> {
    this.lostHandlers = [];
    this.lose('released');
    await client.leaseRevoke(this.id).catch(() => undefined);
  }
}
