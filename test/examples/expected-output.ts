// What each example must print, shared by both languages: the TypeScript and Python versions of a
// pattern tell the same story in the same words. Each example also checks its own outcome and exits
// non-zero when the broker did not behave as described.
import type { ExampleSpec } from '../support/examples.js';

export const exampleSpecs: ExampleSpec[] = [
  {
    typescript: 'work-queue',
    python: 'work_queue',
    expect: [
      /\[worker-3\] crashed while working on task (\d+)/,
      /task \d+, lost with worker-3, was redelivered and completed by worker-[12]/,
      /done: 12 of 12 tasks completed exactly once/,
    ],
  },
  {
    typescript: 'pubsub-fanout',
    python: 'pubsub_fanout',
    expect: [/\[alerting\] got 'backup finished'/, /done: each of the 3 subscribers received all 4 messages, in order/],
  },
  {
    typescript: 'routing-direct',
    python: 'routing_direct',
    expect: [/\[error-pager\] error: database connection lost/, /done: error-pager got 2 errors, everything-archive got 5 lines, 'debug' went nowhere/],
  },
  {
    typescript: 'topics',
    python: 'topics',
    expect: [
      /\[order-service\] order\.# -> order\.created\.eu, order\.shipped\.us, order\n/,
      /\[eu-everything\] #\.eu\.# -> order\.created\.eu, payment\.failed\.eu, stock\.low\.eu\.warehouse-2\n/,
      /done: 6 events routed to 5 subscribers/,
    ],
  },
  {
    typescript: 'rpc',
    python: 'rpc',
    expect: [/2\. RPC with direct reply-to/, /\[client\] fibonacci\(40\) = 102334155/, /done: 8 calls answered correctly/],
  },
  {
    typescript: 'video-events',
    python: 'video_events',
    expect: [
      /\[analytics-service\] video\.watch_started #5 recorded on retry/,
      /\[analytics-service\.dead-letters\] #6 video\.watch_started: reason=rejected, queue=analytics-service, exchange=video\.events, count=1/,
      /done: 7 events delivered to 3 services; analytics made 9 attempts, retried 2 events, dead-lettered 1/,
    ],
  },
  {
    typescript: 'publisher-confirms',
    python: 'publisher_confirms',
    expect: [
      /round 1: 300 published, 100 confirmed, 200 nacked \(queue full\)/,
      /unroutable message with mandatory: returned, then acked/,
      /done: 300 of 300 messages confirmed after \d+ rounds, each consumed exactly once/,
    ],
  },
  {
    typescript: 'task-queue-retries',
    expect: [
      /\[worker\] job 3: e-mail to alan@example\.com sent \(attempt 2\)/,
      /\['jobs\.dead'\] job 4: x-error: invalid address 'not-an-address' \(x-death: rejected 2 times from 'jobs'\)/,
      /done: 3 jobs sent/,
    ],
  },
  {
    python: 'celery_tasks',
    expect: [
      /\[worker\] transcode v42: attempt 2 failed \(storage unavailable\), retrying/,
      /\[client\] transcode\(v42\) -> 'v42 transcoded after 3 attempts'/,
      /\[celery-demo\.dead\] task shop\.charge_card \[\{'id': 'A-1001', 'amount': 19\.99\}\]: x-death reason=rejected, queue=celery-demo\.work/,
      /done: transcode succeeded on its 3rd attempt; charge_card was retried twice, then dead-lettered/,
    ],
  },
];
