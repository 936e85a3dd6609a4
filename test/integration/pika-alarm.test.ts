// pika's connection.blocked / unblocked callbacks under a memory alarm raised and cleared at run
// time (test/python/pika_blocked.py, driven step by step over its stdin/stdout). Same script
// against a RabbitMQ node of one's own: see test/support/alarm-broker.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { findScriptsDir, PYTHON, pythonEnv } from '../support/python.js';
import { uniqueName } from '../support/broker.js';
import { alarmTestsSkipped, startAlarmBroker } from '../support/alarm-broker.js';
import type { AlarmBroker } from '../support/alarm-broker.js';

describe('pika and resource alarms', { skip: alarmTestsSkipped() ?? false }, () => {
  let broker: AlarmBroker;
  before(async () => {
    broker = await startAlarmBroker();
  });
  after(async () => {
    await broker.close();
  });

  test('the blocked callback gets "low on memory", the backlog drains, unblocked releases the held message', async () => {
    const child = spawn(PYTHON, [resolve(findScriptsDir(), 'pika_blocked.py')], {
      env: pythonEnv({ AMQP_URL: broker.url, QUEUE: uniqueName('pika.alarm') }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async (): Promise<string> => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      const { value, done } = await lines.next();
      clearTimeout(timer);
      if (done) assert.fail(`pika_blocked.py ended early (exit ${await exited}): ${stderr}`);
      return value as string;
    };
    try {
      assert.equal(await next(), 'READY');
      await broker.memoryAlarm(true);
      child.stdin.write('go\n');
      assert.equal(await next(), 'BLOCKED');
      await broker.memoryAlarm(false);
      child.stdin.write('go\n');
      const seen = JSON.parse(await next());
      assert.equal(await exited, 0, stderr);
      assert.deepEqual(seen.events, ['blocked:low on memory', 'unblocked']);
      assert.deepEqual(seen.drained_during_alarm, Array.from({ length: 10 }, (_, i) => `backlog-${i}`));
      assert.equal(seen.queued_during_alarm, 0, 'the publish of the blocked connection was held');
      assert.equal(seen.after, 'during');
    } finally {
      child.kill('SIGKILL');
      await broker.memoryAlarm(false);
    }
  });
});
