// Interoperability with the Python stack Celery users run: kombu 5.2 / py-amqp 5.1 directly, and a real
// Celery 5.2 worker (Debian python3-kombu and python3-celery under /usr/bin/python3).
//
// kombu checks live in test/python/kombu_*.py and run in their own process, like the pika tests:
//   AMQP_URL=<broker> NAME_PREFIX=<unique> /usr/bin/python3 test/python/<script>.py <check>
// Each prints one JSON line ({"script", "product", "results": {check: {ok, ...details}}}) and exits 0 on
// success, 1 when a check failed (details on stderr), 2 on environment problems. The scripts assert the
// exact RabbitMQ 3.10 behaviour; this file re-asserts the key observations from the JSON so the test names
// say what is checked.
//
// The Celery tests start real workers (`python3 -m celery -A celery_app worker --pool=solo ...`) as child
// processes on a queue unique to the run, drive them from test/python/celery_client.py over the rpc://
// result backend, and stop them in after().
//
// Where RabbitMQ and Warren legitimately differ, the check branches on the server's `product` property:
// - x-max-priority on a quorum queue: RabbitMQ 3.10 refuses it (406), Warren deliberately accepts it.
// - Celery 5.2 sends basic.qos(global=True) only to product 'RabbitMQ' >= 3.3 (kombu's
//   qos_semantics_matches_spec), so its worker cannot consume a quorum queue on RabbitMQ (540) but can on
//   Warren.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import { PYTHON, pythonEnv, runCheck as runPythonCheck, runPython, type CheckResult } from '../support/python.js';

let broker: TestBroker;

function runCheck(script: string, check: string, env: Record<string, string> = {}, timeoutMs = 25_000): Promise<CheckResult> {
  return runPythonCheck(script, check, { AMQP_URL: broker.url, NAME_PREFIX: uniqueName('kombu'), ...env }, timeoutMs);
}

/** A Celery worker child process; its output is kept for waiting on log lines and for failure messages. */
class CeleryWorker {
  readonly child: ChildProcess;
  output = '';
  private exited = false;
  private readonly exit: Promise<void>;

  constructor(readonly prefix: string, queueType: 'classic' | 'quorum') {
    this.child = spawn(
      PYTHON,
      [
        '-m', 'celery', '-A', 'celery_app', 'worker',
        '--pool=solo', '--concurrency=1', '--without-heartbeat', '--without-gossip', '--without-mingle',
        '-Q', `${prefix}.work`, '-n', `${prefix}@localhost`, '--loglevel=INFO',
      ],
      {
        env: pythonEnv({ AMQP_URL: broker.url, CELERY_PREFIX: prefix, CELERY_QUEUE_TYPE: queueType }),
        cwd: tmpdir(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    this.exit = new Promise((res) => this.child.on('close', () => ((this.exited = true), res())));
  }

  /** Resolves once the worker's output matches `pattern`; fails if it exits or `timeoutMs` passes first. */
  async waitForOutput(pattern: RegExp, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (this.exited) assert.fail(`celery worker exited before printing ${pattern}\n${this.output}`);
      if (Date.now() > deadline) assert.fail(`celery worker did not print ${pattern} within ${timeoutMs} ms\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM (Celery's warm shutdown), then SIGKILL if it is still there after 5 s. */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exit;
    clearTimeout(timer);
  }
}

const workers: CeleryWorker[] = [];

function startWorker(queueType: 'classic' | 'quorum'): CeleryWorker {
  const worker = new CeleryWorker(uniqueName('celery'), queueType);
  workers.push(worker);
  return worker;
}

/** Runs a celery_client.py check against the topology of `worker`. */
function celeryCheck(worker: CeleryWorker, check: string, queueType: 'classic' | 'quorum' = 'classic'): Promise<CheckResult> {
  return runCheck('celery_client.py', check, { CELERY_PREFIX: worker.prefix, CELERY_QUEUE_TYPE: queueType });
}

// The classic-queue worker is started in before() so its start-up (~1-2 s of imports) overlaps with
// the kombu checks.
let classicWorker: CeleryWorker;
let serverProduct: string | undefined;

before(async () => {
  broker = await startTestBroker();
  assert.ok(existsSync(PYTHON), `${PYTHON} is required for the kombu/Celery tests`);
  classicWorker = startWorker('classic');
});

after(async () => {
  for (const w of workers) await w.stop();
  for (const w of workers) await celeryCheck(w, 'cleanup').catch(() => {});
  await broker.close();
});

interface XDeathView {
  keys: string[];
  count: number;
  reason: string;
  queue: string;
  exchange: string;
  'routing-keys': string[];
  time: string;
  'original-expiration'?: string;
}

/** Field order of a fresh x-death entry as RabbitMQ 3.10 writes it. */
const FRESH_X_DEATH_KEYS = ['count', 'reason', 'queue', 'time', 'exchange', 'routing-keys'];

function onlyDeath(r: CheckResult): XDeathView {
  const deaths = r.x_death as XDeathView[];
  assert.equal(deaths.length, 1, 'exactly one x-death entry');
  return deaths[0];
}

function assertDeath(r: CheckResult, reason: string, queueSuffix: string, routingKeys: string[] | RegExp): XDeathView {
  const d = onlyDeath(r);
  assert.equal(d.count, 1);
  assert.equal(d.reason, reason);
  assert.match(d.queue, new RegExp(`\\.${queueSuffix.replace(/\./g, '\\.')}$`));
  assert.match(d.exchange, /\.tasks$/);
  if (Array.isArray(routingKeys)) assert.deepEqual(d['routing-keys'], routingKeys);
  else assert.match(d['routing-keys'][0], routingKeys);
  assert.match(d.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/, 'time is an AMQP timestamp (seconds)');
  const first = r.x_first_death as Record<string, string>;
  assert.deepEqual(first, {
    'x-first-death-exchange': d.exchange,
    'x-first-death-queue': d.queue,
    'x-first-death-reason': reason,
  });
  return d;
}

test('kombu, py-amqp and celery are importable from /usr/bin/python3', async () => {
  const out = await runPython('kombu_common.py', [], {}, 15_000);
  assert.equal(out.code, 0, `python3-kombu/python3-celery missing? stderr: ${out.stderr}`);
  const versions = JSON.parse(out.stdout) as Record<string, string>;
  assert.match(versions.kombu, /^5\./);
  assert.match(versions.celery, /^5\./);
});

describe('kombu_topology.py: tasks (topic) + dlx (direct), q.ai (quorum) / q.batch / q.api / q.sched dead-lettering to q.dlq', () => {
  test('server_properties: product/version, the capabilities kombu needs, and the QoS semantics kombu infers', async () => {
    const r = await runCheck('kombu_topology.py', 'server_properties');
    serverProduct = String(r.product);
    if (!broker.external) assert.equal(r.product, 'Warren');
    // kombu: RabbitMQ >= 3.3 "does not follow the spec" for basic.qos, so Celery sends global=True to it.
    assert.equal(r.qos_semantics_matches_spec, r.product !== 'RabbitMQ');
  });

  test('declare_topology: Celery-style re-declaration is idempotent; Producer routing keys reach q.ai/q.batch/q.api/q.sched via Consumer', async () => {
    const r = await runCheck('kombu_topology.py', 'declare_topology');
    assert.deepEqual(r.routed, { ai: 'ai.infer.gpu', batch: 'batch.nightly', api: 'api.call', sched: 'sched.tick' });
  });

  test('quorum_priority: q.ai x-queue-type quorum + x-max-priority 10 — RabbitMQ refuses with 406 and creates nothing; Warren accepts and delivers highest priority first', async () => {
    const r = await runCheck('kombu_topology.py', 'quorum_priority');
    if (r.product === 'RabbitMQ') {
      assert.ok(broker.external, 'RabbitMQ can only answer through WARREN_TEST_URL');
      assert.equal(r.accepted, false);
      assert.equal(r.reply_code, 406);
      assert.match(
        String(r.reply_text),
        /^PRECONDITION_FAILED - invalid arg 'x-max-priority' for queue '.*\.q\.ai' in vhost '\/' of queue type rabbit_quorum_queue$/,
      );
    } else {
      assert.equal(r.product, 'Warren');
      assert.equal(r.accepted, true);
      assert.deepEqual(r.order, ['p10', 'p9', 'p5', 'p1', 'none']);
      assert.match(String(r.inequivalent_text), /^PRECONDITION_FAILED - inequivalent arg 'x-max-priority' for queue /);
    }
  });

  test('reject_to_dlq: message.reject(requeue=False) on classic q.batch → q.dlq with x-death [{count 1, reason rejected, queue, time, exchange, routing-keys}] and x-first-death-*', async () => {
    const r = await runCheck('kombu_topology.py', 'reject_to_dlq');
    const d = assertDeath(r, 'rejected', 'q.batch', ['batch.nightly']);
    assert.deepEqual(d.keys, FRESH_X_DEATH_KEYS, 'x-death field order');
    assert.equal(r.routing_key, 'dead.batch', 'x-dead-letter-routing-key replaces the routing key');
    assert.match(String(r.exchange), /\.dlx$/);
    // Warren also writes x-last-death-* (as RabbitMQ 3.13+ does; 3.10.8 does not).
    const lastDeath = broker.external ? [] : ['x-last-death-exchange', 'x-last-death-queue', 'x-last-death-reason'];
    assert.deepEqual(r.header_keys, ['id', 'task', 'x-death', 'x-first-death-exchange', 'x-first-death-queue', 'x-first-death-reason', ...lastDeath]);
  });

  test('reject_quorum_to_dlq: message.reject(requeue=False) on quorum q.ai → q.dlq with the same x-death shape', async () => {
    const r = await runCheck('kombu_topology.py', 'reject_quorum_to_dlq');
    const d = assertDeath(r, 'rejected', 'q.ai', ['ai.infer']);
    assert.deepEqual(d.keys, FRESH_X_DEATH_KEYS, 'x-death field order');
    assert.equal(r.routing_key, 'dead.ai');
  });

  test('reject_requeue_not_dead_lettered: reject(requeue=True) redelivers (redelivered=true, no x-death) and q.dlq stays empty', async () => {
    await runCheck('kombu_topology.py', 'reject_requeue_not_dead_lettered');
  });

  test('dead_letter_cycle_count: a dead-lettered task re-published with its headers and rejected again → one x-death entry, count 2, fields re-ordered alphabetically', async () => {
    const r = await runCheck('kombu_topology.py', 'dead_letter_cycle_count');
    const deaths = r.x_death as XDeathView[];
    assert.equal(deaths.length, 1);
    assert.equal(deaths[0].count, 2);
    assert.equal(deaths[0].reason, 'rejected');
    // RabbitMQ 3.10 rewrites an updated entry with its keys sorted.
    assert.deepEqual(deaths[0].keys, ['count', 'exchange', 'queue', 'reason', 'routing-keys', 'time']);
    assert.equal((r.x_first_death as Record<string, string>)['x-first-death-reason'], 'rejected');
  });

  test('quorum_global_qos: basic.qos(global=true) then basic.consume on quorum q.ai — RabbitMQ closes the connection with 540; Warren accepts and holds deliveries to the global prefetch', async () => {
    const r = await runCheck('kombu_topology.py', 'quorum_global_qos');
    if (broker.external) {
      assert.equal(r.reply_code, 540);
      assert.match(String(r.reply_text), /^NOT_IMPLEMENTED - queue '.*\.q\.ai' in vhost '\/' does not support global qos$/);
    } else {
      assert.equal(r.accepted, true);
      assert.equal(r.delivered, 4);
    }
  });
});

describe('kombu_features.py: priorities, TTL and max-length with dead-lettering', () => {
  test('priority_classic: x-max-priority 10 on a classic queue delivers 10 > 5 > 1 > none, FIFO within a priority, 200 counts as 10 but keeps its property', async () => {
    const r = await runCheck('kombu_features.py', 'priority_classic');
    assert.deepEqual(r.order, ['high', 'over', 'high2', 'mid', 'low', 'none']);
    assert.equal((r.priorities as Record<string, unknown>).over, 200);
  });

  test("queue_ttl_dead_letter: x-message-ttl 100 + DLX → DLQ, x-death reason 'expired' (no original-expiration)", async () => {
    const r = await runCheck('kombu_features.py', 'queue_ttl_dead_letter');
    const d = assertDeath(r, 'expired', 'q', ['work.slow']);
    assert.deepEqual(d.keys, FRESH_X_DEATH_KEYS);
  });

  test("message_expiration_dead_letter: per-message expiration '100' + DLX → x-death reason 'expired' with original-expiration '100', expiration property removed", async () => {
    const r = await runCheck('kombu_features.py', 'message_expiration_dead_letter');
    const d = assertDeath(r, 'expired', 'q', ['work.timer']);
    assert.equal(d['original-expiration'], '100');
    assert.deepEqual(d.keys, [...FRESH_X_DEATH_KEYS, 'original-expiration']);
  });

  test("max_length_drop_head: x-max-length 2, x-overflow drop-head → the 2 oldest dead-lettered in order with reason 'maxlen', the 2 newest kept", async () => {
    const r = await runCheck('kombu_features.py', 'max_length_drop_head');
    assertDeath(r, 'maxlen', 'q', ['work.n1']);
    assert.deepEqual(r.kept, [3, 4]);
  });

  test("max_length_reject_publish_dlx: x-overflow reject-publish-dlx → the refused newest are dead-lettered with reason 'maxlen', the oldest kept", async () => {
    const r = await runCheck('kombu_features.py', 'max_length_reject_publish_dlx');
    assertDeath(r, 'maxlen', 'q', ['work.n3']);
    assert.deepEqual(r.kept, [1, 2]);
  });
});

describe('Celery 5.2 worker (--pool=solo) with the rpc:// result backend', () => {
  test('round_trip: add.apply_async((2, 3), queue=<unique classic queue>) returns 5 through the worker', async () => {
    await classicWorker.waitForOutput(/ ready\./);
    const r = await celeryCheck(classicWorker, 'round_trip');
    assert.equal(r.value, 5);
    assert.equal(r.value2, 42);
    // What Celery declares: the work queue with exactly the task_queues arguments, and an rpc reply
    // queue that is non-durable, auto-delete, without arguments.
    const work = r.work_queue as Record<string, unknown>;
    assert.deepEqual(work.arguments, {
      'x-dead-letter-exchange': `${classicWorker.prefix}.dlx`,
      'x-dead-letter-routing-key': `${classicWorker.prefix}.dead`,
    });
    const reply = r.reply_queue as Record<string, unknown>;
    assert.equal(reply.durable, false);
    assert.equal(reply.auto_delete, true);
    assert.deepEqual(reply.arguments, {});
    assert.equal(r.worker_qos_global, r.product === 'RabbitMQ', 'Celery uses global QoS only on RabbitMQ');
  });

  test('failure_then_reject_dead_letters: an acks_late ZeroDivisionError is acked (FAILURE); raise Reject(requeue=False) dead-letters into the task_queues DLQ with x-death', async () => {
    await classicWorker.waitForOutput(/ ready\./);
    const r = await celeryCheck(classicWorker, 'failure_then_reject_dead_letters');
    const d = onlyDeath(r);
    assert.equal(d.count, 1);
    assert.equal(d.reason, 'rejected');
    assert.equal(d.queue, `${classicWorker.prefix}.work`);
    assert.equal(d.exchange, `${classicWorker.prefix}.tasks`);
    assert.deepEqual(d['routing-keys'], [`${classicWorker.prefix}.work`]);
    assert.deepEqual(d.keys, FRESH_X_DEATH_KEYS);
    assert.deepEqual(r.x_first_death, {
      'x-first-death-exchange': `${classicWorker.prefix}.tasks`,
      'x-first-death-queue': `${classicWorker.prefix}.work`,
      'x-first-death-reason': 'rejected',
    });
    // Celery's protocol-2 headers (including void-valued eta/expires) survive dead-lettering.
    for (const h of ['task', 'id', 'eta', 'expires', 'timelimit', 'retries', 'root_id', 'parent_id', 'origin']) {
      assert.ok((r.header_keys as string[]).includes(h), `header ${h} kept`);
    }
  });

  test('quorum variant: RabbitMQ closes the worker connection with 540 "does not support global qos" (Celery 5.2 sends global QoS to RabbitMQ); Warren gets per-consumer QoS and runs the task', async () => {
    const worker = startWorker('quorum');
    if (serverProduct === undefined) serverProduct = String((await runCheck('kombu_topology.py', 'server_properties')).product);
    if (serverProduct === 'RabbitMQ') {
      // The worker reconnects in a loop; one refusal is enough, then stop it.
      await worker.waitForOutput(
        new RegExp(`Basic\\.consume: \\(540\\) NOT_IMPLEMENTED - queue '${worker.prefix.replace(/\./g, '\\.')}\\.work' in vhost '/' does not support global qos`),
      );
      assert.doesNotMatch(worker.output, / ready\./, 'the worker never becomes ready');
      await worker.stop();
    } else {
      assert.equal(serverProduct, 'Warren');
      await worker.waitForOutput(/ ready\./);
      const r = await celeryCheck(worker, 'round_trip', 'quorum');
      assert.equal(r.value, 5);
      assert.equal(r.worker_qos_global, false);
      const dead = await celeryCheck(worker, 'failure_then_reject_dead_letters', 'quorum');
      assert.equal(onlyDeath(dead).reason, 'rejected');
      assert.equal(onlyDeath(dead).queue, `${worker.prefix}.work`);
    }
  });
});
