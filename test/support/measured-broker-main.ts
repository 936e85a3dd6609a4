// A Warren broker in its own process, started with --expose-gc by measured-broker.ts, that answers
// "mem" on standard input with its memory after a full garbage collection (one JSON line).
import { createInterface } from 'node:readline';
import { startBroker } from '../../src/index.js';

const broker = await startBroker({ port: 0, host: '127.0.0.1', httpPort: 0, logLevel: 'none' });
const gc = (globalThis as { gc?: () => void }).gc!;
process.stdout.write(JSON.stringify({ port: broker.port, httpPort: broker.httpPort }) + '\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'mem') {
    gc();
    await new Promise((r) => setImmediate(r));
    gc();
    const m = process.memoryUsage();
    process.stdout.write(JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers }) + '\n');
  } else if (line === 'stop') {
    await broker.close();
    process.exit(0);
  }
}
