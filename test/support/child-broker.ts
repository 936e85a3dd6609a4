// Runs Warren as a separate process (the `warren` command), for tests that must kill it with
// SIGKILL and start it again on the same data directory.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/cli/warren.js', import.meta.url));

export interface ChildBroker {
  readonly port: number;
  readonly url: string;
  readonly process: ChildProcess;
  /** SIGKILL, and wait for the process to be gone. */
  kill(): Promise<void>;
  /** SIGTERM (clean shutdown), and wait for exit. */
  stop(): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, ms = 15000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`broker exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`broker did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startChildBroker(dataDir: string, port?: number, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<ChildBroker> {
  const p = port ?? (await freePort());
  // HTTP and metrics on free ports: the defaults (15672, 15692) may be taken by another run.
  const args = ['--amqp-port', String(p), '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'warning', '--http-port', '0', '--metrics-port', '0'];
  const child = spawn(process.execPath, [cli, ...args, ...extraArgs], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitForPort(p, child);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  return {
    port: p,
    url: `amqp://guest:guest@127.0.0.1:${p}`,
    process: child,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
