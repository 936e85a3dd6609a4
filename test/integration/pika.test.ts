// Interoperability with Python's pika 1.2 (Debian python3-pika, BlockingConnection).
// Each check lives in a script under test/python/ and is run in its own process:
//   AMQP_URL=<broker> NAME_PREFIX=<unique> /usr/bin/python3 test/python/<script>.py <check>
// The script prints one JSON line ({"script", "results": {check: {ok, ...details}}}) and exits
// 0 on success, 1 when the check failed (details on stderr), 2 on environment problems.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import { PYTHON, runCheck as runPythonCheck, runPython, type CheckResult } from '../support/python.js';

let broker: TestBroker;

function runCheck(script: string, check: string, timeoutMs = 30_000): Promise<CheckResult> {
  return runPythonCheck(script, check, { AMQP_URL: broker.url, NAME_PREFIX: uniqueName('pika') }, timeoutMs);
}

type Expectations = Record<string, (r: CheckResult) => void>;

function scriptSuite(script: string, checks: Expectations): void {
  describe(script, () => {
    for (const [check, verify] of Object.entries(checks)) {
      test(check, async () => verify(await runCheck(script, check)));
    }
  });
}

const noExtra = (): void => {};
const replyIs =
  (code: number, textStart: string) =>
  (r: CheckResult): void => {
    assert.equal(r.reply_code, code);
    assert.ok(String(r.reply_text).startsWith(textStart), String(r.reply_text));
  };

// Started in before() so its 12 s of idling overlaps with the other checks.
let heartbeatRun: Promise<CheckResult> | undefined;

before(async () => {
  broker = await startTestBroker();
  assert.ok(existsSync(PYTHON), `${PYTHON} is required for the pika tests`);
  heartbeatRun = runCheck('pika_flow.py', 'heartbeat', 40_000);
  heartbeatRun.catch(() => {}); // reported by its own test
});

after(async () => {
  await heartbeatRun?.catch(() => {});
  await broker.close();
});

test('pika is importable from /usr/bin/python3', async () => {
  const out = await runPython('pika_common.py', [], {}, 15_000);
  assert.equal(out.code, 0, `python3-pika missing? stderr: ${out.stderr}`);
});

scriptSuite('pika_basic.py', {
  connect: (r) => {
    const caps = r.capabilities as Record<string, unknown>;
    assert.equal(caps['publisher_confirms'], true);
    assert.equal(caps['basic.nack'], true);
    assert.equal(caps['consumer_cancel_notify'], true);
    assert.equal(typeof r.frame_max, 'number');
  },
  declare_bind: (r) => assert.match(String(r.server_named_queue), /^amq\.gen-/),
  properties_roundtrip: noExtra,
  large_body: noExtra,
  consume_manual_ack: noExtra,
  nack_requeue: noExtra,
  reject: noExtra,
  basic_cancel: noExtra,
  exclusive_queue: noExtra,
});

scriptSuite('pika_errors.py', {
  passive_queue_404: replyIs(404, "NOT_FOUND - no queue '"),
  passive_exchange_404: replyIs(404, "NOT_FOUND - no exchange '"),
  publish_missing_exchange: replyIs(404, "NOT_FOUND - no exchange '"),
  operations_on_missing_queue: noExtra,
  delete_missing_is_ok: noExtra,
  inequivalent_queue: noExtra,
  inequivalent_exchange: noExtra,
  reserved_names: noExtra,
  unknown_exchange_type: replyIs(503, "COMMAND_INVALID - unknown exchange type 'no-such-type'"),
  unknown_delivery_tag: noExtra,
  user_id_mismatch: replyIs(406, "PRECONDITION_FAILED - user_id property set to 'mallory'"),
  exclusive_consumer: noExtra,
  bad_credentials: noExtra,
  unknown_vhost: noExtra,
  channel_reuse_after_error: noExtra,
});

scriptSuite('pika_flow.py', {
  confirm_publish: noExtra,
  confirm_unroutable: noExtra,
  return_without_confirms: noExtra,
  tx: noExtra,
  tx_errors: noExtra,
  qos_prefetch: noExtra,
  qos_errors: replyIs(540, 'NOT_IMPLEMENTED - prefetch_size!=0 (1000)'),
  recover: noExtra,
  heartbeat_disabled: noExtra,
});

scriptSuite('pika_patterns.py', {
  fanout: noExtra,
  topic: noExtra,
  rpc_reply_queue: noExtra,
  rpc_direct_reply_to: noExtra,
});

test('pika_flow.py heartbeat: heartbeat=5 survives 12 s idle', async () => {
  assert.ok(heartbeatRun, 'heartbeat check was not started');
  const r = await heartbeatRun;
  assert.equal(r.negotiated, 5);
  assert.ok(Number(r.heartbeats_received) >= 2, `heartbeats received: ${r.heartbeats_received}`);
});
