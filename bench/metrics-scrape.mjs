#!/usr/bin/env node
// Prometheus scrape cost with many queues: time to scrape /metrics, /metrics/per-object and
// /metrics/detailed, and the longest the broker's event loop was blocked meanwhile. The broker
// runs in this process (from dist/: npm run build first); curl scrapes from outside it, so the
// figures are the broker's alone. Every path is scraped once before measuring (JIT warm-up), and
// the garbage of the setup is collected first when run with --expose-gc.
// Usage: node --expose-gc bench/metrics-scrape.mjs [queues=10000] [scrapes=5]
import { execFileSync, spawn } from 'node:child_process';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import amqp from 'amqplib';
import { startBroker } from '../dist/src/index.js';

const queues = Number(process.argv[2] ?? 10_000);
const scrapes = Number(process.argv[3] ?? 5);
const broker = await startBroker({ port: 0, host: '127.0.0.1', metricsPort: 0, logLevel: 'error' });
const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}`);
const ch = await conn.createChannel();
for (let i = 0; i < queues; i++) {
  const q = `bench.metrics.${i}`;
  ch.assertQueue(q, { durable: false });
  if (i % 10 === 0) ch.sendToQueue(q, Buffer.from('x'));
  if (i % 500 === 499) await ch.checkQueue(q); // bound the in-flight declares
}
await ch.checkQueue(`bench.metrics.${queues - 1}`);
// A consumer, so channel and per-(channel, queue) families have samples too.
await ch.consume('bench.metrics.0', () => {}, { noAck: true });

/** The longest garbage-collection pause since the last call (GC stalls the loop too). */
let gcMax = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMax = Math.max(gcMax, e.duration);
}).observe({ entryTypes: ['gc'] });
const takeGcMax = () => {
  const m = gcMax;
  gcMax = 0;
  return m;
};

/** Scrapes with curl in a child process; resolves with its time, size and the loop's longest stall. */
function scrape(path) {
  return new Promise((resolve, reject) => {
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const cpu = process.cpuUsage();
    takeGcMax();
    const curl = spawn('curl', ['-s', '-o', '/dev/null', '-w', '%{time_total} %{size_download}', `http://127.0.0.1:${broker.metricsPort}${path}`]);
    let out = '';
    curl.stdout.on('data', (d) => (out += d));
    curl.on('error', reject);
    curl.on('exit', () => {
      h.disable();
      const used = process.cpuUsage(cpu);
      const [seconds, bytes] = out.trim().split(' ').map(Number);
      resolve({ ms: seconds * 1000, bytes, cpuMs: (used.user + used.system) / 1000, maxBlockMs: h.max / 1e6, p99BlockMs: h.percentile(99) / 1e6, gcMs: takeGcMax() });
    });
  });
}

/** The same measurement with nothing to do: the machine's own noise (other processes, GC). */
async function idle(ms) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  takeGcMax();
  await new Promise((r) => setTimeout(r, ms));
  h.disable();
  return { maxBlockMs: h.max / 1e6, p99BlockMs: h.percentile(99) / 1e6, gcMs: takeGcMax() };
}

execFileSync('curl', ['--version']);
const paths = ['/metrics', '/metrics/per-object', '/metrics/detailed?family=queue_coarse_metrics&family=queue_consumer_count', '/metrics/detailed?family=queue_metrics&vhost=%2F'];
console.log(`${queues} queues, ${scrapes} scrapes each (monitorEventLoopDelay resolution 1 ms: stalls below ~1 ms read as ~1 ms)`);
const quiet = await idle(2000);
console.log(`${'idle, 2 s (noise floor)'.padEnd(72)} event-loop block: max ${quiet.maxBlockMs.toFixed(1)} ms, p99 ${quiet.p99BlockMs.toFixed(1)} ms; longest GC pause ${quiet.gcMs.toFixed(1)} ms`);
for (const path of paths) await scrape(path);
globalThis.gc?.();
for (const path of paths) {
  const runs = [];
  for (let i = 0; i < scrapes; i++) runs.push(await scrape(path));
  const med = (k) => runs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  const max = (k) => Math.max(...runs.map((r) => r[k]));
  console.log(`${path.padEnd(72)} ${String(runs[0].bytes).padStart(9)} bytes  scrape median ${med('ms').toFixed(0).padStart(5)} ms (broker CPU ${med('cpuMs').toFixed(0)} ms)  ` +
    `event-loop block: max ${max('maxBlockMs').toFixed(1)} ms, p99 ${med('p99BlockMs').toFixed(1)} ms; longest GC pause ${max('gcMs').toFixed(1)} ms`);
}
await conn.close();
await broker.close();
