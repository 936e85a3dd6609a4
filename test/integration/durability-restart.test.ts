// Durable definitions and persistent messages survive a restart; transient ones do not.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { startBroker } from '../../src/index.js';
import type { RunningBroker } from '../../src/index.js';

const dirs: string[] = [];
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'warren-durable-'));
  dirs.push(d);
  return d;
}

async function withBroker<T>(dir: string, fn: (url: string, b: RunningBroker) => Promise<T>): Promise<T> {
  const b = await startBroker({ port: 0, host: '127.0.0.1', dataDir: dir, logLevel: 'error' });
  try {
    return await fn(`amqp://guest:guest@127.0.0.1:${b.port}`, b);
  } finally {
    await b.close();
  }
}

async function exists(conn: amqp.ChannelModel, check: (ch: amqp.Channel) => Promise<unknown>): Promise<boolean> {
  const ch = await conn.createChannel();
  ch.on('error', () => {});
  try {
    await check(ch);
    await ch.close();
    return true;
  } catch {
    return false;
  }
}

after(() => {});

describe('restart', () => {
  test('durable exchanges, queues and bindings come back; transient and exclusive ones do not', async () => {
    const dir = dataDir();
    await withBroker(dir, async (url) => {
      const c = await amqp.connect(url);
      const ch = await c.createChannel();
      await ch.assertExchange('d.x', 'topic', { durable: true, arguments: { 'alternate-exchange': 'd.ae' } });
      await ch.assertExchange('t.x', 'fanout', { durable: false });
      await ch.assertQueue('d.q', { durable: true, arguments: { 'x-max-length': 100 } });
      await ch.assertQueue('t.q', { durable: false });
      await ch.assertQueue('e.q', { durable: true, exclusive: true });
      await ch.bindQueue('d.q', 'd.x', 'a.*');
      await ch.bindQueue('t.q', 'd.x', 'b.*');
      await c.close();
    });
    await withBroker(dir, async (url) => {
      const c = await amqp.connect(url);
      assert.equal(await exists(c, (ch) => ch.checkExchange('d.x')), true);
      assert.equal(await exists(c, (ch) => ch.checkQueue('d.q')), true);
      assert.equal(await exists(c, (ch) => ch.checkExchange('t.x')), false);
      assert.equal(await exists(c, (ch) => ch.checkQueue('t.q')), false);
      assert.equal(await exists(c, (ch) => ch.checkQueue('e.q')), false);
      const ch = await c.createChannel();
      // The binding survived: a.* routes into d.q. Arguments survived: redeclare must match.
      await ch.assertExchange('d.x', 'topic', { durable: true, arguments: { 'alternate-exchange': 'd.ae' } });
      await ch.assertQueue('d.q', { durable: true, arguments: { 'x-max-length': 100 } });
      ch.publish('d.x', 'a.b', Buffer.from('routed'));
      const deadline = Date.now() + 5000;
      let got: amqp.GetMessage | false = false;
      while (!got && Date.now() < deadline) got = await ch.get('d.q', { noAck: true });
      assert.ok(got, 'binding a.* → d.q was not restored');
      assert.equal(got.content.toString(), 'routed');
      await c.close();
    });
  });

  test('persistent messages in durable queues survive; transient messages and non-durable queues do not', async () => {
    const dir = dataDir();
    await withBroker(dir, async (url) => {
      const c = await amqp.connect(url);
      const ch = await c.createConfirmChannel();
      await ch.assertQueue('keep', { durable: true });
      await ch.assertQueue('lose', { durable: false });
      for (let i = 0; i < 10; i++) {
        ch.sendToQueue('keep', Buffer.from(`p${i}`), { persistent: true });
        ch.sendToQueue('keep', Buffer.from(`t${i}`), { persistent: false });
        ch.sendToQueue('lose', Buffer.from(`p${i}`), { persistent: true });
      }
      await ch.waitForConfirms();
      await c.close();
    });
    await withBroker(dir, async (url) => {
      const c = await amqp.connect(url);
      const ch = await c.createChannel();
      const q = await ch.checkQueue('keep');
      assert.equal(q.messageCount, 10);
      const bodies: string[] = [];
      for (;;) {
        const m = await ch.get('keep', { noAck: true });
        if (!m) break;
        bodies.push(m.content.toString());
        assert.equal(m.properties.deliveryMode, 2);
        assert.equal(m.fields.redelivered, false);
      }
      assert.deepEqual(bodies, Array.from({ length: 10 }, (_, i) => `p${i}`));
      await c.close();
    });
  });

  test('acknowledged messages stay gone; delivered-but-unacked ones come back redelivered', async () => {
    const dir = dataDir();
    await withBroker(dir, async (url) => {
      const c = await amqp.connect(url);
      const ch = await c.createConfirmChannel();
      await ch.assertQueue('work', { durable: true });
      for (let i = 0; i < 6; i++) ch.sendToQueue('work', Buffer.from(`m${i}`), { persistent: true });
      await ch.waitForConfirms();
      const m0 = await ch.get('work');
      const m1 = await ch.get('work');
      assert.ok(m0 && m1);
      ch.ack(m0);
      await ch.get('work'); // m2 delivered, left unacked
      // A round trip makes sure the ack reached the broker before we stop it.
      await ch.checkQueue('work');
      void m1;
      await c.close(); // m1 and m2 are requeued in memory...
    });
    await withBroker(dir, async (url) => {
      const c = await amqp.connect(url);
      const ch = await c.createChannel();
      const got: [string, boolean][] = [];
      for (;;) {
        const m = await ch.get('work', { noAck: true });
        if (!m) break;
        got.push([m.content.toString(), m.fields.redelivered]);
      }
      // ...and on disk they are known to have been delivered.
      assert.deepEqual(got, [['m1', true], ['m2', true], ['m3', false], ['m4', false], ['m5', false]]);
      await c.close();
    });
  });

  test('users, vhosts and permissions persist; the default user is created only on first start', async () => {
    const dir = dataDir();
    const b1 = await startBroker({ port: 0, host: '127.0.0.1', dataDir: dir, logLevel: 'error', defaultUser: 'admin', defaultPass: 's3cret', defaultVhost: 'prod' });
    await b1.close();
    // Second start with other defaults: the stored user and vhost are used, no guest appears.
    const b2 = await startBroker({ port: 0, host: '127.0.0.1', dataDir: dir, logLevel: 'error' });
    try {
      const c = await amqp.connect(`amqp://admin:s3cret@127.0.0.1:${b2.port}/prod`);
      await c.close();
      await assert.rejects(amqp.connect(`amqp://guest:guest@127.0.0.1:${b2.port}/`));
    } finally {
      await b2.close();
    }
  });

  test('deleting a durable queue removes it and its messages for good', async () => {
    const dir = dataDir();
    await withBroker(dir, async (url) => {
      const c = await amqp.connect(url);
      const ch = await c.createConfirmChannel();
      await ch.assertQueue('gone', { durable: true });
      ch.sendToQueue('gone', Buffer.from('x'), { persistent: true });
      await ch.waitForConfirms();
      await ch.deleteQueue('gone');
      await ch.assertQueue('gone', { durable: true }); // same name, new queue
      await c.close();
    });
    await withBroker(dir, async (url) => {
      const c = await amqp.connect(url);
      const ch = await c.createChannel();
      assert.equal((await ch.checkQueue('gone')).messageCount, 0);
      await c.close();
    });
  });

  test('message TTLs keep counting across a restart (from the original publish)', async () => {
    const dir = dataDir();
    await withBroker(dir, async (url) => {
      const c = await amqp.connect(url);
      const ch = await c.createConfirmChannel();
      await ch.assertQueue('ttl', { durable: true });
      ch.sendToQueue('ttl', Buffer.from('short'), { persistent: true, expiration: '800' });
      ch.sendToQueue('ttl', Buffer.from('long'), { persistent: true, expiration: '600000' });
      await ch.waitForConfirms();
      await c.close();
    });
    await new Promise((r) => setTimeout(r, 1000));
    await withBroker(dir, async (url) => {
      const c = await amqp.connect(url);
      const ch = await c.createChannel();
      const bodies: string[] = [];
      for (;;) {
        const m = await ch.get('ttl', { noAck: true });
        if (!m) break;
        bodies.push(m.content.toString());
      }
      assert.deepEqual(bodies, ['long'], 'the 800 ms message expired while the broker was down');
      await c.close();
    });
  });

  test('a dead-lettered persistent message is as durable as a published one', async () => {
    const dir = dataDir();
    await withBroker(dir, async (url) => {
      const c = await amqp.connect(url);
      const ch = await c.createConfirmChannel();
      await ch.assertExchange('dlx', 'fanout', { durable: true });
      await ch.assertQueue('dlq', { durable: true });
      await ch.bindQueue('dlq', 'dlx', '');
      await ch.assertQueue('work', { durable: true, arguments: { 'x-dead-letter-exchange': 'dlx' } });
      ch.sendToQueue('work', Buffer.from('poison'), { persistent: true });
      await ch.waitForConfirms();
      const m = await ch.get('work');
      assert.ok(m);
      ch.nack(m, false, false);
      await ch.checkQueue('dlq'); // round trip: the nack has been processed
      await c.close();
    });
    await withBroker(dir, async (url) => {
      const c = await amqp.connect(url);
      const ch = await c.createChannel();
      assert.equal((await ch.checkQueue('work')).messageCount, 0, 'the rejected message left its queue for good');
      const d = await ch.get('dlq', { noAck: true });
      assert.ok(d, 'the dead-lettered copy survived the restart');
      assert.equal(d.content.toString(), 'poison');
      const death = (d.properties.headers!['x-death'] as unknown as Record<string, unknown>[])[0];
      assert.equal(death.reason, 'rejected');
      assert.equal(death.queue, 'work');
      await c.close();
    });
  });

  test('policies, operator policies and runtime parameters persist; policies apply to restored queues', async () => {
    const dir = dataDir();
    const auth = { authorization: 'Basic ' + Buffer.from('guest:guest').toString('base64'), 'content-type': 'application/json' };
    const b1 = await startBroker({ port: 0, host: '127.0.0.1', httpPort: 0, dataDir: dir, logLevel: 'error' });
    try {
      for (const [kind, def] of [['policies', { 'max-length': 3 }], ['operator-policies', { 'message-ttl': 600000 }]] as const) {
        const r = await fetch(`http://127.0.0.1:${b1.httpPort}/api/${kind}/%2F/limit`, {
          method: 'PUT', headers: auth, body: JSON.stringify({ pattern: '^capped$', definition: def, 'apply-to': 'queues' }),
        });
        assert.equal(r.status, 201);
      }
      const param = await fetch(`http://127.0.0.1:${b1.httpPort}/api/parameters/federation-upstream/%2F/up1`, {
        method: 'PUT', headers: auth, body: JSON.stringify({ value: { uri: 'amqp://upstream' } }),
      });
      assert.equal(param.status, 201);
      const c = await amqp.connect(`amqp://guest:guest@127.0.0.1:${b1.port}`);
      const ch = await c.createConfirmChannel();
      await ch.assertQueue('capped', { durable: true });
      await c.close();
    } finally {
      await b1.close();
    }
    const b2 = await startBroker({ port: 0, host: '127.0.0.1', httpPort: 0, dataDir: dir, logLevel: 'error' });
    try {
      const r = await fetch(`http://127.0.0.1:${b2.httpPort}/api/operator-policies/%2F/limit`, { headers: auth });
      assert.equal(r.status, 200);
      assert.deepEqual((await r.json()).definition, { 'message-ttl': 600000 });
      const param = await fetch(`http://127.0.0.1:${b2.httpPort}/api/parameters/federation-upstream/%2F/up1`, { headers: auth });
      assert.deepEqual((await param.json()).value, { uri: 'amqp://upstream' }, 'runtime parameters persist');
      const c = await amqp.connect(`amqp://guest:guest@127.0.0.1:${b2.port}`);
      const ch = await c.createConfirmChannel();
      for (let i = 0; i < 5; i++) ch.sendToQueue('capped', Buffer.from(`m${i}`), { persistent: true });
      await ch.waitForConfirms();
      assert.equal((await ch.checkQueue('capped')).messageCount, 3, 'the restored policy caps the restored queue');
      await c.close();
    } finally {
      await b2.close();
    }
  });

  test('quorum x-delivery-count survives a restart', async () => {
    const dir = dataDir();
    await withBroker(dir, async (url) => {
      const c = await amqp.connect(url);
      const ch = await c.createConfirmChannel();
      await ch.assertQueue('qq', { durable: true, arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 10 } });
      ch.sendToQueue('qq', Buffer.from('flaky'), { persistent: true });
      await ch.waitForConfirms();
      for (let i = 0; i < 2; i++) {
        const m = await ch.get('qq');
        assert.ok(m);
        ch.nack(m, false, true);
      }
      await ch.checkQueue('qq');
      await c.close();
    });
    await withBroker(dir, async (url) => {
      const c = await amqp.connect(url);
      const ch = await c.createChannel();
      const m = await ch.get('qq', { noAck: true });
      assert.ok(m);
      assert.equal(m.properties.headers?.['x-delivery-count'], 2);
      await c.close();
    });
  });
});
