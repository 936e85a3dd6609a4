// Runs Warren in a child process whose memory after a full GC can be asked for (resident set and
// V8 heap), for leak checks and the flood benchmark: the test's own allocations stay out of the figures.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('./measured-broker-main.js', import.meta.url));

export interface Memory { rss: number; heapUsed: number; external: number; arrayBuffers: number }

export interface MeasuredBroker {
  port: number;
  httpPort: number;
  url: string;
  process: ChildProcess;
  /** Memory after a full GC. */
  memory(): Promise<Memory>;
  /** Open AMQP connections, from the management API. */
  connections(): Promise<number>;
  stop(): Promise<void>;
}

export async function startMeasuredBroker(): Promise<MeasuredBroker> {
  const child = spawn(process.execPath, ['--expose-gc', main], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error('the measured broker exited');
    return JSON.parse(value as string);
  };
  const { port, httpPort } = await next();
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    port,
    httpPort,
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    process: child,
    async memory() {
      child.stdin!.write('mem\n');
      return next();
    },
    async connections() {
      const r = await fetch(`http://127.0.0.1:${httpPort}/api/connections`, { headers: { authorization: 'Basic ' + Buffer.from('guest:guest').toString('base64') } });
      return ((await r.json()) as unknown[]).length;
    },
    async stop() {
      child.stdin!.write('stop\n');
      await exited;
    },
  };
}
