import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

/**
 * Directory of the data directory that holds this node's own cluster state (its id). Replication
 * leaves it alone: it describes the node, not the broker's data.
 */
export const CLUSTER_STATE_DIR = 'cluster';

/**
 * This node's stable id: created once, kept in the data directory, so a node that restarts (or
 * is rescheduled with its volume) is recognised as the same ISR member.
 */
export function loadNodeId(dataDir: string): string {
  const dir = join(dataDir, CLUSTER_STATE_DIR);
  const file = join(dir, 'node-id');
  if (existsSync(file)) {
    const id = readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9-]{8,64}$/.test(id)) return id;
  }
  mkdirSync(dir, { recursive: true });
  const id = randomUUID();
  writeFileSync(file + '.tmp', id + '\n');
  renameSync(file + '.tmp', file);
  return id;
}
