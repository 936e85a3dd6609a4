// What the node uses of the machine (file descriptors), for /api/nodes and /metrics; memory figures
// come from the memory monitor (server/memory-monitor.ts) through ManagementContext.alarms.
import { readdirSync, readFileSync } from 'node:fs';

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
