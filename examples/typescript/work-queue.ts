// Work queue: a producer hands out slow tasks (resizing images, sending e-mails) and a pool of
// workers shares them. Each worker takes ONE task at a time (prefetch = 1), so a slow worker never
// hoards tasks while the others are idle, and acknowledges a task only when it is done (manual
// acks), so a task whose worker dies half-way is delivered again to another worker.
//
// Run against a running broker (npm start):   node dist/examples/typescript/work-queue.js
// Broker URL: AMQP_URL (default amqp://guest:guest@localhost:5672).
import { connect, type ChannelModel, type ConsumeMessage } from 'amqplib';

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672';
const queue = 'work-queue.tasks';
const TASKS = 12;

interface Task {
  id: number;
  run: string; // which run of the demo sent it, so leftovers of an earlier run are told apart
  job: string;
  ms: number; // how long the job takes
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const completed = new Map<number, string>(); // task id -> worker that finished it
let crashedTask: number | undefined;
let redeliveredTask: number | undefined;

/**
 * A worker: its own connection (as a separate process would have), prefetch 1, manual acks.
 * A worker with `crashOnFirstTask` closes its connection in the middle of its first task without
 * acknowledging it: the broker then gives that task to another worker, flagged as redelivered.
 */
async function startWorker(name: string, speed: number, run: string, crashOnFirstTask = false): Promise<ChannelModel> {
  const conn = await connect(url);
  const ch = await conn.createChannel();
  await ch.assertQueue(queue, { durable: true });
  await ch.prefetch(1); // at most one unacknowledged task per worker
  await ch.consume(queue, async (msg: ConsumeMessage | null) => {
    if (!msg) return; // the broker cancelled the consumer (queue deleted)
    const task = JSON.parse(msg.content.toString()) as Task;
    if (task.run !== run) {
      ch.ack(msg); // a leftover from an earlier, interrupted run of this demo
      return;
    }
    const again = msg.fields.redelivered ? ' (redelivered)' : '';
    console.log(`[${name}] task ${task.id} started: ${task.job}${again}`);
    if (crashOnFirstTask) {
      crashedTask = task.id;
      console.log(`[${name}] crashed while working on task ${task.id} (connection lost before the ack)`);
      await conn.close(); // unacknowledged: the broker requeues the task
      return;
    }
    await sleep(task.ms * speed);
    if (msg.fields.redelivered) redeliveredTask = task.id;
    if (completed.has(task.id)) throw new Error(`task ${task.id} completed twice`);
    completed.set(task.id, name);
    console.log(`[${name}] task ${task.id} done, acknowledged`);
    ch.ack(msg); // only now is the task removed from the queue
  }, { noAck: false });
  return conn;
}

async function main(): Promise<void> {
  const run = `${process.pid}-${Date.now()}`;
  console.log(`work queue '${queue}': 3 workers (prefetch 1, manual acks), ${TASKS} tasks`);

  const workers = [
    await startWorker('worker-1', 1, run),
    await startWorker('worker-2', 4, run), // a slow machine: with prefetch 1 it simply takes fewer tasks
    await startWorker('worker-3', 1, run, true), // dies during its first task
  ];

  // The producer: a durable queue and persistent messages, so queued tasks survive a broker restart.
  const producer = await connect(url);
  const ch = await producer.createChannel();
  await ch.assertQueue(queue, { durable: true });
  const jobs = ['resize photo', 'send welcome e-mail', 'transcode clip', 'generate invoice'];
  for (let id = 1; id <= TASKS; id++) {
    const task: Task = { id, run, job: `${jobs[id % jobs.length]} #${id}`, ms: 20 + (id % 3) * 20 };
    ch.sendToQueue(queue, Buffer.from(JSON.stringify(task)), { persistent: true, contentType: 'application/json' });
  }
  console.log(`[producer] queued ${TASKS} tasks`);

  const deadline = Date.now() + 30_000;
  while (completed.size < TASKS && Date.now() < deadline) await sleep(20);

  const perWorker = new Map<string, number>();
  for (const w of [...completed.values()].sort()) perWorker.set(w, (perWorker.get(w) ?? 0) + 1);
  console.log(`tasks per worker: ${[...perWorker].map(([w, n]) => `${w}: ${n}`).join(', ')}`);
  for (const w of workers) await w.close().catch(() => {}); // worker-3 is already closed
  await ch.deleteQueue(queue);
  await producer.close();

  if (completed.size !== TASKS) throw new Error(`only ${completed.size} of ${TASKS} tasks completed`);
  if (crashedTask === undefined || redeliveredTask !== crashedTask) {
    throw new Error(`task ${crashedTask} of the crashed worker was not redelivered and completed`);
  }
  console.log(`task ${crashedTask}, lost with worker-3, was redelivered and completed by ${completed.get(crashedTask)}`);
  console.log(`done: ${TASKS} of ${TASKS} tasks completed exactly once`);
}

main().catch((err) => {
  console.error('work-queue example failed:', err);
  process.exit(1);
});
