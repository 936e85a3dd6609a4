// Runs real etcd members (Debian's etcd-server) as child processes for the cluster tests.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './child-broker.js';

export interface EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  /** Process of the running member (null while stopped). */
  readonly process: ChildProcess | null;
  start(): Promise<void>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

export interface EtcdCluster {
  readonly endpoints: string[];
  readonly members: EtcdMember[];
  close(): Promise<void>;
}

async function waitHealthy(url: string, ms = 20000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(url + '/health', { signal: AbortSignal.timeout(1000) });
      if (r.ok && ((await r.json()) as { health?: string }).health === 'true') return;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`etcd at ${url} not healthy`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts an n-member etcd cluster on `host` (127.0.0.1) with free ports, in a temporary directory. */
export async function startEtcdCluster(n = 3, host = '127.0.0.1'): Promise<EtcdCluster> {
  const base = mkdtempSync(join(tmpdir(), 'warren-etcd-'));
  const ports = [];
  for (let i = 0; i < n; i++) ports.push({ client: await freePort(), peer: await freePort() });
  const initial = ports.map((p, i) => `e${i}=http://${host}:${p.peer}`).join(',');
  const members: EtcdMember[] = ports.map((p, i) => {
    let proc: ChildProcess | null = null;
    let exited: Promise<void> = Promise.resolve();
    const clientUrl = `http://${host}:${p.client}`;
    const member: EtcdMember = {
      name: `e${i}`,
      clientUrl,
      get process() { return proc; },
      async start() {
        if (proc) return;
        proc = spawn('etcd', [
          '--name', `e${i}`, '--data-dir', join(base, `e${i}`),
          '--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl,
          '--listen-peer-urls', `http://${host}:${p.peer}`, '--initial-advertise-peer-urls', `http://${host}:${p.peer}`,
          '--initial-cluster', initial, '--initial-cluster-state', 'new', '--initial-cluster-token', base,
          '--heartbeat-interval', '100', '--election-timeout', '1000', '--log-level', 'error',
        ], { stdio: ['ignore', 'ignore', 'ignore'] });
        const p2 = proc;
        exited = new Promise((resolve) => p2.once('exit', () => resolve()));
      },
      async kill() {
        if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
        proc.kill('SIGKILL');
        await exited;
        proc = null;
      },
    };
    return member;
  });
  for (const m of members) await m.start();
  await Promise.all(members.map((m) => waitHealthy(m.clientUrl)));
  return {
    endpoints: members.map((m) => m.clientUrl),
    members,
    async close() {
      await Promise.all(members.map((m) => m.kill()));
      rmSync(base, { recursive: true, force: true });
    },
  };
}

export { waitHealthy as waitEtcdHealthy };
