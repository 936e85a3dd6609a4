// Fuzzing over a real socket: recorded client->server streams, mutated (the protocol header kept
// intact most of the time, so the handshake and the channel methods behind it are reached), sent
// to a running broker in random chunks on many connections at once. The caller checks between
// rounds that a well-behaved client still gets through, and at the end that the broker is alive.
import net from 'node:net';
import { below, mutate, pick, prng } from './mutate.js';
import type { SeedStreams } from './seeds.js';

export interface SocketFuzzOptions {
  port: number;
  seed: number;
  /** Stop after this many connections (whichever of streams/seconds comes first). */
  streams?: number;
  seconds?: number;
  concurrency: number;
  /** Runs every `checkEvery` connections (and awaited before going on): a well-behaved client's round trip. */
  check: () => Promise<void>;
  checkEvery: number;
}

export interface SocketFuzzReport {
  seed: number;
  streams: number;
  ms: number;
  bytesSent: number;
  /** How the connections ended: closed by the broker, or still open when we hung up. */
  closedByBroker: number;
  stillOpen: number;
  checks: number;
}

/** Sends one stream and waits (briefly) for the broker to answer and hang up. */
function sendOne(port: number, data: Buffer, rng: () => number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let closed = false;
    const timer = setTimeout(() => {
      s.destroy();
      resolve(closed);
    }, 300);
    s.on('close', () => {
      closed = true;
      clearTimeout(timer);
      resolve(true);
    });
    s.on('error', () => {});
    s.on('data', () => {});
    s.on('connect', () => {
      for (let pos = 0; pos < data.length;) {
        const n = 1 + below(rng, Math.min(data.length - pos, 4096));
        s.write(data.subarray(pos, pos + n));
        pos += n;
      }
    });
  });
}

export async function fuzzSocket(seeds: SeedStreams, o: SocketFuzzOptions): Promise<SocketFuzzReport> {
  const rng = prng(o.seed);
  const sources = seeds.toServer;
  const report: SocketFuzzReport = { seed: o.seed, streams: 0, ms: 0, bytesSent: 0, closedByBroker: 0, stillOpen: 0, checks: 0 };
  const started = Date.now();
  const deadline = o.seconds === undefined ? Infinity : started + o.seconds * 1000;
  const max = o.streams ?? Infinity;
  let nextCheck = o.checkEvery;
  const more = () => report.streams < max && Date.now() < deadline;
  const worker = async () => {
    while (more()) {
      report.streams++;
      // Mostly keep the 8-byte protocol header so mutations land in frames the broker parses.
      const data = mutate(pick(rng, sources), rng, sources, rng() < 0.9 ? 8 : 0);
      report.bytesSent += data.length;
      if (await sendOne(o.port, data, rng)) report.closedByBroker++;
      else report.stillOpen++;
      if (report.streams >= nextCheck) {
        nextCheck += o.checkEvery;
        await o.check();
        report.checks++;
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  await o.check();
  report.checks++;
  report.ms = Date.now() - started;
  return report;
}
