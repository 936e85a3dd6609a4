// Replicated persistent-confirm throughput and confirm latency: a 3-node local cluster (3 etcd +
// 3 Warren processes, the test harness) against a single node, same client load, one run.
//   npm run -s build && node bench/cluster-confirm.mjs
// Env: SECONDS (10), INFLIGHT (confirms outstanding, 500), SIZE (body bytes, 1024).
import amqp from 'amqplib';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCluster } from '../dist/test/support/cluster.js';
import { startChildBroker } from '../dist/test/support/child-broker.js';

const seconds = Number(process.env.SECONDS ?? 10);
const inflight = Number(process.env.INFLIGHT ?? 500);
const body = Buffer.alloc(Number(process.env.SIZE ?? 1024), 'x');

async function run(url, label) {
  const conn = await amqp.connect(url);
  const ch = await conn.createConfirmChannel();
  const q = `bench-confirm-${Date.now()}`;
  await ch.assertQueue(q, { durable: true });
  const latencies = [];
  let confirmed = 0;
  let stop = false;
  const end = Date.now() + seconds * 1000;
  await new Promise((resolve) => {
    let outstanding = 0;
    const publishOne = () => {
      const t0 = process.hrtime.bigint();
      outstanding++;
      ch.sendToQueue(q, body, { persistent: true }, (err) => {
        outstanding--;
        if (!err) {
          confirmed++;
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
        if (Date.now() >= end) stop = true;
        if (!stop) publishOne();
        else if (outstanding === 0) resolve();
      });
    };
    for (let i = 0; i < inflight; i++) publishOne();
  });
  await ch.deleteQueue(q);
  await conn.close();
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(1);
  const row = { label, msgs_per_s: Math.round(confirmed / seconds), p50_ms: pct(0.5), p99_ms: pct(0.99) };
  console.log(`${label.padEnd(28)} ${String(row.msgs_per_s).padStart(8)} msg/s   p50 ${row.p50_ms.padStart(7)} ms   p99 ${row.p99_ms.padStart(7)} ms`);
  return row;
}

console.log(`persistent publish with confirms, ${body.length} B bodies, ${inflight} in flight, ${seconds} s each`);
const dir = mkdtempSync(join(tmpdir(), 'warren-bench-single-'));
const single = await startChildBroker(dir);
await run(single.url, 'single node');
await single.stop();
rmSync(dir, { recursive: true, force: true });

const cluster = await startTestCluster(3);
try {
  const leader = await cluster.waitForLeader();
  await cluster.waitForFullIsr();
  await run(cluster.nodes[leader].url, '3-node cluster (leader)');
  await run(cluster.nodes[(leader + 1) % 3].url, '3-node cluster (via follower)');
} finally {
  await cluster.close();
}
