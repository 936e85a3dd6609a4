// On-demand fuzzing: npm run fuzz -- [--seconds N] [--seed S] [--no-coverage] [--socket]
//   default: the frame parser and decoders in process, coverage-guided, 60 s;
//   --socket: mutated streams to a `warren` child process, checking it stays up and a
//   well-behaved client keeps getting confirms.
// Prints a JSON report; inputs that broke an invariant are written to fuzz-findings/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { fuzzFrames } from './frame-fuzzer.js';
import { recordSeedStreams } from './seeds.js';
import { fuzzSocket } from './socket-fuzzer.js';
import { startChildBroker } from '../support/child-broker.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seconds = Number(flag('--seconds') ?? 60);
const seed = Number(flag('--seed') ?? Date.now() % 1_000_000);
const streams = await recordSeedStreams();

if (process.argv.includes('--socket')) {
  const dir = mkdtempSync(join(tmpdir(), 'warren-fuzz-'));
  const broker = await startChildBroker(dir, undefined, ['--log-level', 'none']);
  const conn = await amqp.connect(broker.url);
  const ch = await conn.createConfirmChannel();
  const q = (await ch.assertQueue('', { exclusive: true })).queue;
  let sent = 0;
  const check = async () => {
    ch.sendToQueue(q, Buffer.from(String(sent++)), { persistent: true });
    await ch.waitForConfirms();
  };
  const report = await fuzzSocket(streams, { port: broker.port, seed, seconds, concurrency: 8, check, checkEvery: 50 });
  let held = 0;
  while (await ch.get(q, { noAck: true })) held++;
  const alive = broker.process.exitCode === null;
  console.log(JSON.stringify({ ...report, brokerAlive: alive, confirmedPublished: sent, confirmedFound: held }));
  await conn.close();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
  process.exit(alive && held === sent ? 0 : 1);
} else {
  const report = await fuzzFrames(streams, { seed, seconds, coverage: !process.argv.includes('--no-coverage') });
  if (report.failures.length > 0) {
    mkdirSync('fuzz-findings', { recursive: true });
    report.failures.forEach((f, i) => writeFileSync(join('fuzz-findings', `seed${seed}-${i}.txt`), `${f.message}\n${f.input}\n`));
  }
  console.log(JSON.stringify({ ...report, failures: report.failures.map((f) => f.message) }));
  process.exit(report.failures.length === 0 ? 0 : 1);
}
