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
import { Broker } from '../dist/src/broker/broker.js';
import { detailedExposition, exposition } from '../dist/src/http/prometheus/exposition.js';

const queues = Number(process.argv[2] ?? 10_000);
const scrapes = Number(process.argv[3] ?? 5);
// The broker logs each scrape at debug level with its longest synchronous slice (slice_ms): the
// part of a stall that is the scrape's own work, whatever else (GC, other processes) adds.
const slices = [];
const stderrWrite = process.stderr.write.bind(process.stderr);
process.stderr.write = (line, ...rest) => {
  const m = /metrics_scrape .*slice_ms=([\d.]+)/.exec(String(line));
  if (m) slices.push(Number(m[1]));
  else if (!/ debug /.test(String(line))) return stderrWrite(line, ...rest);
  return true;
};
const broker = await startBroker({ port: 0, host: '127.0.0.1', metricsPort: 0, logLevel: 'debug' });
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
const gcKinds = new Map();
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcMax = Math.max(gcMax, e.duration);
    const kind = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' }[e.detail?.kind] ?? String(e.detail?.kind);
    const k = gcKinds.get(kind) ?? { n: 0, max: 0 };
    k.n++;
    k.max = Math.max(k.max, e.duration);
    gcKinds.set(kind, k);
  }
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
      // The broker's log line for this scrape comes when its response has ended.
      setImmediate(() => resolve({ sliceMs: slices.at(-1) ?? NaN, ms: seconds * 1000, bytes, cpuMs: (used.user + used.system) / 1000, maxBlockMs: h.max / 1e6, p99BlockMs: h.percentile(99) / 1e6, gcMs: takeGcMax() }));
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
await new Promise((r) => setTimeout(r, 100));
gcKinds.clear();
for (const path of paths) {
  const runs = [];
  for (let i = 0; i < scrapes; i++) runs.push(await scrape(path));
  const med = (k) => runs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  const max = (k) => Math.max(...runs.map((r) => r[k]));
  console.log(`${path.padEnd(72)} ${String(runs[0].bytes).padStart(9)} bytes  scrape median ${med('ms').toFixed(0).padStart(5)} ms (broker CPU ${med('cpuMs').toFixed(0)} ms)  ` +
    `longest slice of scrape work ${max('sliceMs').toFixed(1)} ms; event-loop block: max ${max('maxBlockMs').toFixed(1)} ms, p99 ${med('p99BlockMs').toFixed(1)} ms; longest GC pause ${max('gcMs').toFixed(1)} ms`);
}
console.log('GC while scraping:', [...gcKinds].map(([k, v]) => `${k} ${v.n}x (longest ${v.max.toFixed(1)} ms)`).join(', '));
await conn.close();
await broker.close();

// The scrape's own work between two yields, free of GC and of other processes: the generators run
// over a model with the same queues, each step timed, keeping per step the least of 15 runs.
const model = new Broker();
const vhost = model.addVhost('/');
for (let i = 0; i < queues; i++) vhost.declareQueue(`bench.metrics.${i}`, { passive: false, durable: false, exclusive: false, autoDelete: false, arguments: {} }, {});
const ctx = {
  broker: model, connections: new Set(), startedAt: Date.now(), version: 'bench', listeners: [], diskFreeLimit: 50_000_000,
  alarms: { active: false, diskFree: 1e12, has: () => false, disk: { free: 1e12, limit: 50_000_000 }, memory: { used: 1, limit: 2 } },
};
for (const [name, make] of [
  ['/metrics', () => exposition(ctx, 'aggregated')],
  ['/metrics/per-object', () => exposition(ctx, 'per-object')],
  ['/metrics/detailed?family=queue_coarse_metrics&family=queue_consumer_count', () => detailedExposition(ctx, ['queue_coarse_metrics', 'queue_consumer_count'], [])],
]) {
  let best = null;
  for (let rep = 0; rep < 15; rep++) {
    const steps = [];
    let t = performance.now();
    for (const _ of make()) {
      const now = performance.now();
      steps.push(now - t);
      t = now;
    }
    best = best === null ? steps : best.map((b, i) => Math.min(b, steps[i] ?? Infinity));
  }
  console.log(`${name.padEnd(72)} generator: ${best.length} steps, longest ${Math.max(...best).toFixed(2)} ms, all ${best.reduce((a, b) => a + b, 0).toFixed(1)} ms`);
}
