// What the node uses of the machine (file descriptors, memory), for /api/nodes and /metrics.
import { readdirSync, readFileSync } from 'node:fs';
import { totalmem } from 'node:os';

/** Open file descriptors of this process (Linux); null where /proc is not available. */
export function fdUsed(): number | null {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return null;
  }
}

/** The soft limit on open files (Linux /proc/self/limits); null where unknown. */
export function fdLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line === undefined ? NaN : Number(line.slice('Max open files'.length).trim().split(/\s+/)[0]);
    return Number.isFinite(soft) ? soft : null;
  } catch {
    return null;
  }
}

/** RabbitMQ's default vm_memory_high_watermark: 40% of the memory available to the node. */
const MEMORY_HIGH_WATERMARK = 0.4;

/** The memory high watermark in bytes: 40% of the cgroup limit, else of the machine's memory. */
export function memoryLimit(): number {
  const constrained = Number(process.constrainedMemory?.() ?? 0);
  const available = constrained > 0 && constrained < totalmem() ? constrained : totalmem();
  return Math.floor(available * MEMORY_HIGH_WATERMARK);
}
