// Helpers for the replication tests: compare two data directories, run a follower as a child
// process (to stall it with SIGSTOP or kill it).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listReplicated } from '../../src/cluster/replication/manifest.js';
import type { ReplicationFollowerOptions } from '../../src/cluster/replication/index.js';

/** The replicated files of two data directories are the same files with the same bytes. */
export function assertSameFiles(a: string, b: string): void {
  const files = (dir: string) => listReplicated(dir).map((f) => f.path).sort();
  assert.deepEqual(files(b), files(a), 'the same replicated files');
  for (const path of files(a)) {
    assert.ok(readFileSync(join(a, path)).equals(readFileSync(join(b, path))), `${path} has the same bytes`);
  }
}

const script = fileURLToPath(new URL('./replica-process.js', import.meta.url));

export interface ChildFollower {
  readonly process: ChildProcess;
  /** How many catch-ups it has reported. */
  catchUps(): number;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

export function startChildFollower(opts: ReplicationFollowerOptions): ChildFollower {
  const child = spawn(process.execPath, [script, JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let catchUps = 0;
  child.stdout!.on('data', (d: Buffer) => (catchUps += d.toString().split('caught-up').length - 1));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    catchUps: () => catchUps,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
