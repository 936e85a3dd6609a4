// load_definitions (and --load-definitions): a definitions file exported from RabbitMQ 3.10.8
// (test/fixtures/http/rabbitmq-definitions.json, recorded by scripts/record-http-fixtures.mjs) is
// imported at every start, as RabbitMQ does: its users log in with their RabbitMQ password hashes,
// its topology is there, objects deleted since come back at the next start while others made
// since stay, and — as RabbitMQ — the default user and vhost are not created when definitions are
// loaded. Warren-only (it is about how a broker boots).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import { startBroker } from '../../src/index.js';
import { startChildBroker } from '../support/child-broker.js';

const fixture = fileURLToPath(new URL('../../../test/fixtures/http/rabbitmq-definitions.json', import.meta.url));
const skip = process.env.WARREN_TEST_URL ? 'Warren-only: definitions are loaded at start' : false;
const tmp = () => mkdtempSync(join(tmpdir(), 'warren-defs-'));

async function asFixtureUser(port: number, f: (ch: amqp.Channel) => Promise<void>): Promise<void> {
  const conn = await amqp.connect(`amqp://fixture-user:secret@127.0.0.1:${port}/warren-fixture`);
  try {
    await f(await conn.createChannel());
  } finally {
    await conn.close();
  }
}

describe('load_definitions', { skip }, () => {
  test('a RabbitMQ export is applied at every start; the default user and vhost are not created', async () => {
    const dataDir = tmp();
    const start = () => startBroker({ port: 0, host: '127.0.0.1', logLevel: 'error', dataDir, loadDefinitions: fixture });
    let broker = await start();
    try {
      await asFixtureUser(broker.port, async (ch) => {
        for (const q of ['fx.q', 'fx.dlq', 'fx.ttl']) await ch.checkQueue(q);
        await ch.checkExchange('fx.ex');
        await ch.checkExchange('fx.headers');
        await ch.deleteQueue('fx.q');
        await ch.assertQueue('fx.extra', { durable: true });
      });
      // No vhost '/' (the export has only warren-fixture): guest cannot open it.
      await assert.rejects(amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}/`), /ConnectionClose|not found|NOT_ALLOWED/);
      await broker.close();
      broker = await start();
      await asFixtureUser(broker.port, async (ch) => {
        await ch.checkQueue('fx.q'); // back from the definitions
        await ch.checkQueue('fx.extra'); // made since, kept
      });
    } finally {
      await broker.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('a directory: every .json file, in name order; a broken file stops the start naming it', async () => {
    const dir = tmp();
    const d = JSON.parse(readFileSync(fixture, 'utf8'));
    writeFileSync(join(dir, '1-topology.json'), JSON.stringify({ ...d, queues: [], bindings: [] }));
    writeFileSync(join(dir, '2-queues.json'), JSON.stringify({ vhosts: d.vhosts, queues: d.queues, bindings: d.bindings }));
    writeFileSync(join(dir, 'notes.txt'), 'not definitions');
    const broker = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'error', loadDefinitions: dir });
    try {
      await asFixtureUser(broker.port, async (ch) => {
        await ch.checkQueue('fx.q');
      });
    } finally {
      await broker.close();
    }
    writeFileSync(join(dir, '3-broken.json'), '{"queues": [');
    await assert.rejects(startBroker({ port: 0, host: '127.0.0.1', logLevel: 'error', loadDefinitions: dir }), /3-broken\.json: not a JSON definitions file/);
    rmSync(dir, { recursive: true, force: true });
  });

  test('warren --load-definitions FILE', async () => {
    const dir = tmp();
    const file = join(dir, 'definitions.json');
    copyFileSync(fixture, file);
    const b = await startChildBroker(join(dir, 'data'), undefined, ['--load-definitions', file]);
    try {
      await asFixtureUser(b.port, async (ch) => {
        await ch.checkExchange('fx.ex');
      });
    } finally {
      assert.equal(await b.stop(), 0);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
