// A real 3-member etcd cluster and 3 Warren cluster nodes as child processes (the `warren`
// command), on 127.0.0.1 with free ports, for fault-injection tests: SIGKILL, SIGSTOP/SIGCONT,
// restart on the same data directory.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './child-broker.js';
import { startEtcdCluster } from './etcd.js';
import type { EtcdCluster } from './etcd.js';

const cli = fileURLToPath(new URL('../../src/cli/warren.js', import.meta.url));

export interface WarrenNode {
  readonly index: number;
  readonly name: string;
  readonly amqpPort: number;
  readonly httpPort: number;
  readonly url: string;
  readonly running: boolean;
  start(): Promise<void>;
  kill(): Promise<void>;
  /** SIGTERM: graceful shutdown; resolves with the exit code. */
  stop(): Promise<number | null>;
  pause(): void;
  resume(): void;
  /** GET a path of this node's HTTP listener: status and JSON body (null when unreachable). */
  http(path: string, init?: RequestInit): Promise<{ status: number; body: unknown } | null>;
}

export interface TestCluster {
  readonly etcd: EtcdCluster;
  readonly nodes: WarrenNode[];
  /** Index of the node whose leader check answers 200, polling until one does (or timeout). */
  waitForLeader(timeoutMs?: number, exclude?: number): Promise<number>;
  /** Waits until the leader lists every running node as in sync. */
  waitForFullIsr(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where a node runs: a command prefix (e.g. `ip netns exec NS`), and its addresses. */
export interface NodePlacement {
  wrap: string[];
  /** Address the node binds (AMQP, HTTP, replication). */
  bindHost: string;
  /** Address the other nodes reach it at. */
  advertiseHost: string;
  /** Address the test (in the root namespace) reaches it at. */
  clientHost: string;
}

const onLoopback = (): NodePlacement => ({ wrap: [], bindHost: '127.0.0.1', advertiseHost: '127.0.0.1', clientHost: '127.0.0.1' });

export async function startTestCluster(n = 3, options: { leaseTtl?: number; etcdHost?: string; placement?: (index: number) => NodePlacement; args?: string[] } = {}): Promise<TestCluster> {
  const etcd = await startEtcdCluster(3, options.etcdHost);
  const base = mkdtempSync(join(tmpdir(), 'warren-cluster-'));
  const nodes: WarrenNode[] = [];
  for (let i = 0; i < n; i++) {
    const amqpPort = await freePort();
    const httpPort = await freePort();
    const replPort = await freePort();
    let proc: ChildProcess | null = null;
    let exited: Promise<number | null> = Promise.resolve(null);
    const log = createWriteStream(join(base, `node${i}.log`), { flags: 'a' });
    const at = (options.placement ?? onLoopback)(i);
    const node: WarrenNode = {
      index: i,
      name: `warren${i}@127.0.0.1`,
      amqpPort,
      httpPort,
      url: `amqp://guest:guest@${at.clientHost}:${amqpPort}`,
      get running() { return proc !== null; },
      async start() {
        const [command, ...prefix] = [...at.wrap, process.execPath];
        proc = spawn(command, [...prefix, cli,
          '--host', at.bindHost, '--amqp-port', String(amqpPort), '--http-port', String(httpPort), '--metrics-port', '0', '--data-dir', join(base, `node${i}`),
          '--cluster-etcd', etcd.endpoints.join(','), '--cluster-name', 'test', '--node-name', `warren${i}@127.0.0.1`,
          '--advertise-host', at.advertiseHost, '--replication-port', String(replPort), '--lease-ttl', String(options.leaseTtl ?? 5),
          '--log-level', process.env.WARREN_CLUSTER_LOG ?? 'info', ...(options.args ?? []),
        ], { stdio: ['ignore', 'ignore', 'pipe'] });
        proc.stderr!.pipe(log, { end: false });
        const p = proc;
        exited = new Promise((resolve) => p.once('exit', (code) => resolve(code)));
        for (let t = 0; t < 200; t++) {
          if (p.exitCode !== null) throw new Error(`node ${i} exited with ${p.exitCode} (log: ${join(base, `node${i}.log`)})`);
          if ((await node.http('/api/health/checks/ready')) !== null) return;
          await sleep(50);
        }
        throw new Error(`node ${i} did not start`);
      },
      async kill() {
        if (!proc) return;
        proc.kill('SIGCONT');
        proc.kill('SIGKILL');
        await exited;
        proc = null;
      },
      async stop() {
        if (!proc) return null;
        proc.kill('SIGTERM');
        const code = await exited;
        proc = null;
        return code;
      },
      pause() { proc?.kill('SIGSTOP'); },
      resume() { proc?.kill('SIGCONT'); },
      async http(path, init) {
        try {
          const r = await fetch(`http://${at.clientHost}:${httpPort}${path}`, {
            ...init, headers: { authorization: 'Basic ' + Buffer.from('guest:guest').toString('base64'), ...init?.headers }, signal: AbortSignal.timeout(2000),
          });
          const text = await r.text();
          return { status: r.status, body: text ? JSON.parse(text) : null };
        } catch {
          return null;
        }
      },
    };
    nodes.push(node);
  }
  await Promise.all(nodes.map((x) => x.start()));

  const cluster: TestCluster = {
    etcd,
    nodes,
    async waitForLeader(timeoutMs = 30000, exclude = -1) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        for (const x of nodes) {
          if (x.index === exclude || !x.running) continue;
          if ((await x.http('/api/health/checks/leader'))?.status === 200) return x.index;
        }
        await sleep(100);
      }
      throw new Error(`no leader within ${timeoutMs} ms (logs in ${base})`);
    },
    async waitForFullIsr(timeoutMs = 30000) {
      const deadline = Date.now() + timeoutMs;
      let last: unknown = null;
      while (Date.now() < deadline) {
        const leader = await cluster.waitForLeader(timeoutMs);
        const r = await nodes[leader].http('/api/nodes');
        last = r?.body;
        const list = (Array.isArray(r?.body) ? r.body : []) as { name: string; in_sync: boolean; running: boolean }[];
        const running = nodes.filter((x) => x.running).map((x) => x.name);
        if (running.every((name) => list.some((e) => e.name === name && e.in_sync && e.running))) return;
        await sleep(200);
      }
      throw new Error(`ISR not full within ${timeoutMs} ms (last /api/nodes: ${JSON.stringify(last)}; logs in ${base})`);
    },
    async close() {
      await Promise.all(nodes.map((x) => x.kill()));
      await etcd.close();
      if (!process.env.WARREN_CLUSTER_KEEP) rmSync(base, { recursive: true, force: true });
    },
  };
  return cluster;
}
