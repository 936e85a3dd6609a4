// The example alert rules in deploy/prometheus: valid for Prometheus (promtool check), firing as
// meant on synthetic series (promtool test rules with warren-alerts.test.yml), and using only
// metrics that Warren's metrics port serves with the scrape configuration shipped beside them.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import { startBroker, type RunningBroker } from '../../src/index.js';
import { parseExposition } from '../support/prometheus-text.js';

const dir = fileURLToPath(new URL('../../../deploy/prometheus/', import.meta.url));
const rules = readFileSync(`${dir}warren-alerts.yml`, 'utf8');

function promtool(...args: string[]): string {
  const r = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8' });
  assert.ifError(r.error); // promtool comes with Debian's prometheus package (.ci/run installs it)
  assert.equal(r.status, 0, `promtool ${args.join(' ')}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

describe('deploy/prometheus', () => {
  test('the rules and the scrape configuration are valid Prometheus files', () => {
    assert.match(promtool('check', 'rules', 'warren-alerts.yml'), /SUCCESS: 4 rules found/);
    assert.match(promtool('check', 'config', 'prometheus.yml'), /SUCCESS/);
  });

  test('each alert fires on the series it is meant for, after its `for`, with its severity', () => {
    assert.match(promtool('test', 'rules', 'warren-alerts.test.yml'), /SUCCESS/);
    const alerts = [...rules.matchAll(/- alert: (\w+)\n\s+expr: .*\n\s+for: \w+\n\s+labels:\n\s+severity: (\w+)/g)].map((m) => [m[1], m[2]]);
    assert.deepEqual(alerts, [
      ['WarrenDeadLetterQueueBacklog', 'critical'], ['WarrenQueueBacklog', 'warning'], ['WarrenNodeDown', 'critical'], ['WarrenMemoryHigh', 'warning'],
    ]);
  });

  describe('against a running Warren', () => {
    let broker: RunningBroker;
    before(async () => {
      broker = await startBroker({ port: 0, host: '127.0.0.1', metricsPort: 0, logLevel: 'error' });
      const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}`);
      const ch = await conn.createChannel();
      await ch.assertQueue('q.dlq');
      await conn.close();
    });
    after(() => broker.close());

    test('every metric the rules use is served, per queue as the scrape configuration asks', async () => {
      const config = readFileSync(`${dir}prometheus.yml`, 'utf8');
      const families = /family: \[([^\]]*)\]/.exec(config)![1].split(',').map((s) => s.trim());
      const base = `http://127.0.0.1:${broker.metricsPort}`;
      const scraped = new Map([
        ...parseExposition(await (await fetch(`${base}/metrics`)).text()),
        ...parseExposition(await (await fetch(`${base}/metrics/detailed?${families.map((f) => `family=${f}`).join('&')}`)).text()),
      ]);
      const used = new Set([...rules.matchAll(/expr: (.*)/g)].flatMap((m) => [...m[1].matchAll(/\b(rabbitmq_\w+)/g)].map((x) => x[1])));
      assert.deepEqual([...used].sort(), [
        'rabbitmq_detailed_queue_messages', 'rabbitmq_process_resident_memory_bytes', 'rabbitmq_resident_memory_limit_bytes',
      ]);
      for (const name of used) assert.ok(scraped.get(name)?.samples.length, `${name} is not served`);
      const dlq = scraped.get('rabbitmq_detailed_queue_messages')!.samples.find((s) => s.labels.queue === 'q.dlq');
      assert.deepEqual(dlq?.labels, { vhost: '/', queue: 'q.dlq' });
    });
  });
});
