// Policies and operator policies, set over the management HTTP API (the same calls work against
// RabbitMQ's management plugin), applied at once to existing queues and exchanges.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import { uniqueName } from '../support/broker.js';
import { startManagedBroker, type ManagedBroker } from '../support/managed-broker.js';

let target: ManagedBroker;
let amqpUrl = '';

before(async () => {
  target = await startManagedBroker();
  amqpUrl = target.amqpUrl;
});
after(async () => {
  await target.close();
});

const api = (method: string, path: string, body?: unknown) => target.api(method, path, body);

async function setPolicy(name: string, pattern: string, definition: Record<string, unknown>, priority = 0, kind = 'policies', applyTo = 'queues') {
  const r = await api('PUT', `/api/${kind}/%2F/${name}`, { pattern, definition, priority, 'apply-to': applyTo });
  assert.ok(r.status === 201 || r.status === 204, `PUT policy: ${r.status} ${await r.text()}`);
}

const clearPolicy = async (name: string, kind = 'policies') => {
  await api('DELETE', `/api/${kind}/%2F/${name}`);
};

/** Polls until the queue reports `n` ready messages (policies apply asynchronously in RabbitMQ). */
async function waitForCount(ch: amqp.Channel, q: string, n: number, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const c = (await ch.checkQueue(q)).messageCount;
    if (c === n) return;
    if (Date.now() > deadline) assert.fail(`queue ${q} has ${c} messages, expected ${n}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function bodies(ch: amqp.Channel, q: string): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const m = await ch.get(q, { noAck: true });
    if (!m) return out;
    out.push(m.content.toString());
  }
}

describe('policies', () => {
  test('a max-length policy applies at once to an existing queue (drop-head), and stops applying when cleared', async () => {
    const conn = await amqp.connect(amqpUrl);
    const ch = await conn.createConfirmChannel();
    const q = uniqueName('pol.maxlen');
    const name = uniqueName('p');
    try {
      await ch.assertQueue(q, { durable: false });
      for (let i = 0; i < 10; i++) ch.sendToQueue(q, Buffer.from(`m${i}`));
      await ch.waitForConfirms();
      await setPolicy(name, `^${q.replace(/\./g, '\\.')}$`, { 'max-length': 3 });
      await waitForCount(ch, q, 3);
      assert.deepEqual(await bodies(ch, q), ['m7', 'm8', 'm9']);
      await clearPolicy(name);
      await new Promise((r) => setTimeout(r, 300));
      for (let i = 0; i < 5; i++) ch.sendToQueue(q, Buffer.from(`n${i}`));
      await ch.waitForConfirms();
      await waitForCount(ch, q, 5);
    } finally {
      await clearPolicy(name);
      await ch.deleteQueue(q);
      await conn.close();
    }
  });

  test('the lower of argument and policy limits wins; dead-letter-exchange from a policy routes rejects', async () => {
    const conn = await amqp.connect(amqpUrl);
    const ch = await conn.createConfirmChannel();
    const q = uniqueName('pol.mix');
    const dlx = uniqueName('pol.dlx');
    const dlq = uniqueName('pol.dlq');
    const name = uniqueName('p');
    try {
      await ch.assertExchange(dlx, 'fanout', { durable: false });
      await ch.assertQueue(dlq, { durable: false });
      await ch.bindQueue(dlq, dlx, '');
      await ch.assertQueue(q, { durable: false, arguments: { 'x-max-length': 2 } });
      await setPolicy(name, `^${q.replace(/\./g, '\\.')}$`, { 'max-length': 5, 'dead-letter-exchange': dlx });
      await new Promise((r) => setTimeout(r, 300));
      for (let i = 0; i < 4; i++) ch.sendToQueue(q, Buffer.from(`m${i}`));
      await ch.waitForConfirms();
      await waitForCount(ch, q, 2); // argument 2 < policy 5
      await waitForCount(ch, dlq, 2); // dropped heads dead-lettered through the policy's DLX
      assert.deepEqual(await bodies(ch, dlq), ['m0', 'm1']);
    } finally {
      await clearPolicy(name);
      await ch.deleteQueue(q);
      await ch.deleteQueue(dlq);
      await ch.deleteExchange(dlx);
      await conn.close();
    }
  });

  test('an operator policy caps a limit below the user policy; the higher-priority policy is the one that applies', async () => {
    const conn = await amqp.connect(amqpUrl);
    const ch = await conn.createConfirmChannel();
    const q = uniqueName('pol.op');
    const [low, high, op] = [uniqueName('low'), uniqueName('high'), uniqueName('op')];
    const pattern = `^${q.replace(/\./g, '\\.')}$`;
    try {
      await ch.assertQueue(q, { durable: false });
      await setPolicy(low, pattern, { 'max-length': 1 }, 1);
      await setPolicy(high, pattern, { 'max-length': 6 }, 10);
      for (let i = 0; i < 10; i++) ch.sendToQueue(q, Buffer.from(`m${i}`));
      await ch.waitForConfirms();
      await waitForCount(ch, q, 6);
      await setPolicy(op, pattern, { 'max-length': 4 }, 0, 'operator-policies');
      await waitForCount(ch, q, 4);
    } finally {
      await clearPolicy(low);
      await clearPolicy(high);
      await clearPolicy(op, 'operator-policies');
      await ch.deleteQueue(q);
      await conn.close();
    }
  });

  test('alternate-exchange from a policy catches unroutable messages of an existing exchange', async () => {
    const conn = await amqp.connect(amqpUrl);
    const ch = await conn.createConfirmChannel();
    const x = uniqueName('pol.x');
    const ae = uniqueName('pol.ae');
    const aq = uniqueName('pol.aq');
    const name = uniqueName('p');
    try {
      await ch.assertExchange(x, 'direct', { durable: false });
      await ch.assertExchange(ae, 'fanout', { durable: false });
      await ch.assertQueue(aq, { durable: false });
      await ch.bindQueue(aq, ae, '');
      await setPolicy(name, `^${x.replace(/\./g, '\\.')}$`, { 'alternate-exchange': ae }, 0, 'policies', 'exchanges');
      await new Promise((r) => setTimeout(r, 300));
      ch.publish(x, 'nobody', Buffer.from('lost?'));
      await ch.waitForConfirms();
      await waitForCount(ch, aq, 1);
    } finally {
      await clearPolicy(name);
      await ch.deleteQueue(aq);
      await ch.deleteExchange(x);
      await ch.deleteExchange(ae);
      await conn.close();
    }
  });

  test('invalid policies are refused with 400', async () => {
    const r = await api('PUT', `/api/policies/%2F/${uniqueName('bad')}`, { pattern: '.*', definition: { 'no-such-key': 1 } });
    assert.equal(r.status, 400);
  });
});
