// Worker thread that keeps one etcd lease alive, so that a busy or garbage-collecting main event
// loop cannot miss a keepalive. It publishes "the lease is certainly valid until T" in shared
// memory (T = when the last acknowledged keepalive was sent + TTL - margin): the main thread
// reads it without waiting for a message, and steps down on its own clock once T has passed,
// whatever etcd or this worker can still say (a lease may be gone on the server while a slow
// client still believes in it).
import { parentPort, workerData } from 'node:worker_threads';
import { EtcdClient } from './etcd-client.js';

export interface LeaseWorkerData {
  endpoints: string[];
  lease: string;
  ttlSeconds: number;
  marginMs: number;
  /** Float64Array over this: [0] = valid-until (ms, wall clock via performance), 0 when lost. */
  shared: SharedArrayBuffer;
}

const data = workerData as LeaseWorkerData;
const validUntil = new Float64Array(data.shared);
const client = new EtcdClient({ endpoints: data.endpoints, requestTimeout: 1000 });
const now = () => performance.timeOrigin + performance.now();
const interval = Math.max(200, (data.ttlSeconds * 1000) / 5);
let stopped = false;

parentPort!.on('message', (msg: { stop?: boolean }) => {
  if (msg.stop) stopped = true;
});

async function loop(): Promise<void> {
  while (!stopped) {
    const sentAt = now();
    let retryIn = interval;
    try {
      const ttl = await client.leaseKeepAlive(data.lease, 1000);
      if (ttl <= 0) {
        validUntil[0] = 0;
        parentPort!.postMessage({ lost: 'lease not found' });
        return;
      }
      // Only ever move the deadline forward (answers can arrive out of order across endpoints).
      validUntil[0] = Math.max(validUntil[0], sentAt + ttl * 1000 - data.marginMs);
    } catch {
      retryIn = 200;
    }
    if (validUntil[0] !== 0 && now() >= validUntil[0]) {
      validUntil[0] = 0;
      parentPort!.postMessage({ lost: 'keepalive not acknowledged in time' });
      return;
    }
    await new Promise((r) => setTimeout(r, retryIn));
  }
}

void loop();
