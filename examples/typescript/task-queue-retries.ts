// A task queue with delayed retries and a dead-letter queue, built from queue arguments only:
//
//   jobs ──reject──> jobs.retry-exchange ──> jobs.retry-wait (x-message-ttl 300 ms)
//    ^                                            │ expires: dead-lettered back to 'jobs'
//    └────────────────────────────────────────────┘
//   worker: after MAX_ATTEMPTS failed attempts -> publishes the job to jobs.dead (the DLQ) and acks it
//
// A failed job is rejected (nack, no requeue); 'jobs' dead-letters it into a waiting queue whose
// messages expire after a delay and are dead-lettered back into 'jobs'. The broker counts the round
// trips in the x-death header, so the worker knows which attempt it is looking at. Jobs that keep
// failing are parked in 'jobs.dead' with the last error, instead of being retried forever.
//
// Run against a running broker (npm start):   node dist/examples/typescript/task-queue-retries.js
// Broker URL: AMQP_URL (default amqp://guest:guest@localhost:5672).
import { connect, type Message } from 'amqplib';

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672';
const JOBS = 'jobs';
const RETRY_EXCHANGE = 'jobs.retry-exchange';
const RETRY_WAIT = 'jobs.retry-wait';
const DEAD = 'jobs.dead';
const RETRY_DELAY_MS = 300;
const MAX_ATTEMPTS = 3;

interface Job { id: number; to: string }
const JOBS_TO_SEND: Job[] = [
  { id: 1, to: 'ada@example.com' },
  { id: 2, to: 'grace@example.com' },
  { id: 3, to: 'alan@example.com' }, // the mail server times out on the first attempt
  { id: 4, to: 'not-an-address' }, // can never be sent
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How many times this message was already rejected from 'jobs' (RabbitMQ's x-death count). */
function previousFailures(msg: Message): number {
  const deaths = msg.properties.headers?.['x-death'] ?? [];
  return deaths.find((d) => d.queue === JOBS && d.reason === 'rejected')?.count ?? 0;
}

/** The task itself: "send an e-mail"; throws like a real flaky dependency would. */
function sendEmail(job: Job, attempt: number): void {
  if (!job.to.includes('@')) throw new Error(`invalid address '${job.to}'`);
  if (job.id === 3 && attempt === 1) throw new Error('SMTP server timed out');
}

async function main(): Promise<void> {
  console.log(`task queue '${JOBS}': retries after ${RETRY_DELAY_MS} ms through '${RETRY_WAIT}', at most ${MAX_ATTEMPTS} attempts, then '${DEAD}'`);
  const conn = await connect(url);
  const ch = await conn.createChannel();
  await ch.assertExchange(RETRY_EXCHANGE, 'fanout', { durable: true });
  await ch.assertQueue(JOBS, { durable: true, arguments: { 'x-dead-letter-exchange': RETRY_EXCHANGE } });
  await ch.assertQueue(RETRY_WAIT, {
    durable: true,
    arguments: { 'x-message-ttl': RETRY_DELAY_MS, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': JOBS },
  });
  await ch.bindQueue(RETRY_WAIT, RETRY_EXCHANGE, '');
  await ch.assertQueue(DEAD, { durable: true });

  const sent: number[] = [];
  const dead: Job[] = [];
  const worker = await conn.createChannel();
  await worker.prefetch(1);
  await worker.consume(JOBS, (msg) => {
    if (!msg) return;
    const job = JSON.parse(msg.content.toString()) as Job;
    const attempt = previousFailures(msg) + 1;
    try {
      sendEmail(job, attempt);
      sent.push(job.id);
      console.log(`[worker] job ${job.id}: e-mail to ${job.to} sent (attempt ${attempt})`);
      worker.ack(msg);
    } catch (err) {
      const reason = (err as Error).message;
      if (attempt < MAX_ATTEMPTS) {
        console.log(`[worker] job ${job.id}: attempt ${attempt} failed (${reason}) -> retry in ${RETRY_DELAY_MS} ms`);
        worker.nack(msg, false, false); // dead-lettered into the retry queue
      } else {
        console.log(`[worker] job ${job.id}: attempt ${attempt} failed (${reason}) -> giving up, parked in '${DEAD}'`);
        // Publish to the DLQ before acking: if we die in between, the job is retried, never lost.
        worker.sendToQueue(DEAD, msg.content, { persistent: true, headers: { ...msg.properties.headers, 'x-error': reason } });
        worker.ack(msg);
        dead.push(job);
      }
    }
  });

  for (const job of JOBS_TO_SEND) ch.sendToQueue(JOBS, Buffer.from(JSON.stringify(job)), { persistent: true });
  console.log(`[producer] queued ${JOBS_TO_SEND.length} jobs`);

  const deadline = Date.now() + 20_000;
  while (sent.length + dead.length < JOBS_TO_SEND.length && Date.now() < deadline) await sleep(20);
  await worker.close();

  const parked = await ch.get(DEAD, { noAck: true });
  if (parked) console.log(`['${DEAD}'] job ${JSON.parse(parked.content.toString()).id}: x-error: ${parked.properties.headers?.['x-error']} (x-death: rejected ${previousFailures(parked)} times from '${JOBS}')`);
  for (const q of [JOBS, RETRY_WAIT, DEAD]) await ch.deleteQueue(q);
  await ch.deleteExchange(RETRY_EXCHANGE);
  await conn.close();

  if (sent.sort((a, b) => a - b).join(',') !== '1,2,3') throw new Error(`sent jobs ${sent.join(',')}, expected 1,2,3`);
  if (dead.length !== 1 || dead[0].id !== 4 || !parked) throw new Error('job 4 should have been parked in the DLQ');
  console.log('done: 3 jobs sent (job 3 on its second attempt), job 4 dead-lettered after 3 attempts');
}

main().catch((err) => {
  console.error('task-queue-retries example failed:', err);
  process.exit(1);
});
