// Dynamic shovels created over the management API (PUT /api/parameters/shovel/...), driven with
// amqplib: moving dead-lettered messages back to their queue (what the UI's "Move messages" does),
// a shovel that keeps forwarding, validation errors, restart and delete. With WARREN_TEST_URL the
// same checks run against RabbitMQ with its shovel plugins (management API at WARREN_TEST_HTTP).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as amqplib from 'amqplib';
import { urlWithVhost, waitFor } from '../support/clients.js';
import { uniqueName } from '../support/broker.js';
import { startManagedBroker, type ManagedBroker } from '../support/managed-broker.js';

const LIMIT = { timeout: 60_000 };
let target: ManagedBroker;
const vhost = uniqueName('shovel-vh');
const vh = encodeURIComponent(vhost);
const uri = `amqp:///${vh}`;
let conn: amqplib.ChannelModel;
let ch: amqplib.Channel;

async function api(method: string, path: string, body?: unknown, on = target): Promise<{ status: number; body: any }> {
  const r = await on.api(method, path, body);
  const text = await r.text();
  return { status: r.status, body: text === '' ? null : JSON.parse(text) };
}

/** What the management UI's "Move messages" form sends (RabbitMQ's and Warren's). */
function moveValue(from: string, to: string): Record<string, unknown> {
  return {
    'src-uri': uri, 'src-queue': from, 'src-protocol': 'amqp091', 'src-prefetch-count': 1000,
    'src-delete-after': 'queue-length', 'dest-protocol': 'amqp091', 'dest-uri': uri,
    'dest-add-forward-headers': false, 'ack-mode': 'on-confirm', 'dest-queue': to, 'src-consumer-args': {},
  };
}

const putShovel = (name: string, value: unknown, on = target) =>
  api('PUT', `/api/parameters/shovel/${vh}/${encodeURIComponent(name)}`, { value }, on);
const shovelState = async (name: string, on = target): Promise<string | undefined> =>
  ((await api('GET', `/api/shovels/${vh}`, undefined, on)).body as { name: string; state: string }[]).find((s) => s.name === name)?.state;
const messageCount = async (q: string) => (await ch.checkQueue(q)).messageCount;

/** Takes `n` messages from a queue with basic.get (acked), failing if fewer arrive. */
async function take(q: string, n: number): Promise<amqplib.GetMessage[]> {
  const out: amqplib.GetMessage[] = [];
  await waitFor(async () => {
    const m = await ch.get(q, { noAck: true });
    if (m) out.push(m);
    return out.length >= n;
  }, 10_000, `${n} messages in ${q}`);
  return out;
}

before(async () => {
  target = await startManagedBroker();
  assert.equal((await api('PUT', `/api/vhosts/${vh}`, {})).status, 201);
  await api('PUT', `/api/permissions/${vh}/guest`, { configure: '.*', write: '.*', read: '.*' });
  conn = await amqplib.connect(urlWithVhost(target.amqpUrl, vhost));
  ch = await conn.createChannel();
}, LIMIT);

after(async () => {
  await conn?.close();
  await api('DELETE', `/api/vhosts/${vh}`);
  await target?.close();
});

describe('dynamic shovels', () => {
  test('Move messages: dead-lettered messages go back to their queue once each, then the shovel removes itself', LIMIT, async () => {
    await ch.assertQueue('orders.dlq', { durable: true });
    await ch.assertQueue('orders', { durable: true, arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'orders.dlq' } });
    const bodies = Array.from({ length: 20 }, (_, i) => `order-${i}`);
    for (const [i, b] of bodies.entries()) ch.sendToQueue('orders', Buffer.from(b), { persistent: true, headers: { 'x-order': i }, messageId: `id-${i}` });
    // They are all refused: dead-lettered into orders.dlq.
    await waitFor(async () => (await messageCount('orders')) === bodies.length, 5000, 'orders filled');
    for (let i = 0; i < bodies.length; i++) {
      const m = await ch.get('orders', { noAck: false });
      assert.ok(m);
      ch.nack(m, false, false);
    }
    await waitFor(async () => (await messageCount('orders.dlq')) === bodies.length, 5000, 'dead-lettered');

    assert.equal((await putShovel('Move from orders.dlq', moveValue('orders.dlq', 'orders'))).status, 201);
    // Done: the parameter and the shovel are gone, the messages are back.
    await waitFor(async () => (await api('GET', `/api/parameters/shovel/${vh}`)).body.length === 0, 10_000, 'shovel removed');
    assert.equal(await shovelState('Move from orders.dlq'), undefined);
    assert.equal(await messageCount('orders.dlq'), 0);
    assert.equal(await messageCount('orders'), bodies.length);
    const back = await take('orders', bodies.length);
    assert.deepEqual(back.map((m) => m.content.toString()), bodies, 'each body once, in order');
    for (const [i, m] of back.entries()) {
      assert.equal(m.properties.headers?.['x-order'], i);
      assert.equal(m.properties.messageId, `id-${i}`);
      assert.equal(m.properties.deliveryMode, 2);
      // The dead-lettering history travels with the message.
      assert.equal((m.properties.headers?.['x-death'] as { queue: string }[])[0].queue, 'orders');
      assert.equal(m.fields.routingKey, 'orders');
    }
    assert.equal(await messageCount('orders'), 0);
  });

  test('a shovel without delete-after keeps forwarding new publishes until deleted', LIMIT, async () => {
    await ch.assertQueue('fwd.a', { durable: true });
    await ch.assertQueue('fwd.b', { durable: true });
    assert.equal((await putShovel('fwd', { 'src-uri': uri, 'src-queue': 'fwd.a', 'dest-uri': uri, 'dest-queue': 'fwd.b' })).status, 201);
    await waitFor(async () => (await shovelState('fwd')) === 'running', 10_000, 'fwd running');
    const status = (await api('GET', `/api/shovels/vhost/${vh}/fwd`)).body[0];
    assert.deepEqual(
      { ...status, node: undefined, timestamp: undefined },
      { node: undefined, timestamp: undefined, name: 'fwd', vhost, type: 'dynamic', state: 'running', src_uri: uri, src_protocol: 'amqp091', dest_protocol: 'amqp091', dest_uri: uri, src_queue: 'fwd.a', dest_queue: 'fwd.b' },
    );
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5; i++) ch.sendToQueue('fwd.a', Buffer.from(`r${round}-${i}`));
      const got = await take('fwd.b', 5);
      assert.deepEqual(got.map((m) => m.content.toString()), [0, 1, 2, 3, 4].map((i) => `r${round}-${i}`));
    }
    // Restart: 204, and it forwards again afterwards.
    assert.equal((await api('DELETE', `/api/shovels/vhost/${vh}/fwd/restart`)).status, 204);
    await waitFor(async () => (await shovelState('fwd')) === 'running', 10_000, 'fwd running after restart');
    ch.sendToQueue('fwd.a', Buffer.from('after-restart'));
    assert.equal((await take('fwd.b', 1))[0].content.toString(), 'after-restart');
    // Delete through the shovels endpoint: the parameter goes too, and publishes stay put.
    assert.equal((await api('DELETE', `/api/shovels/vhost/${vh}/fwd`)).status, 204);
    assert.equal((await api('GET', `/api/parameters/shovel/${vh}/fwd`)).status, 404);
    await waitFor(async () => (await shovelState('fwd')) === undefined, 10_000, 'fwd gone');
    ch.sendToQueue('fwd.a', Buffer.from('stays'));
    await waitFor(async () => (await messageCount('fwd.a')) === 1, 5000, 'message stays in fwd.a');
    assert.equal(await messageCount('fwd.b'), 0);
  });

  test('exchange to exchange with forward and timestamp headers', LIMIT, async () => {
    await ch.assertExchange('xs.in', 'topic', { durable: false });
    await ch.assertExchange('xs.out', 'direct', { durable: false });
    await ch.assertQueue('xs.q', { durable: false });
    await ch.bindQueue('xs.q', 'xs.out', 'routed');
    assert.equal((await putShovel('xs', {
      'src-uri': uri, 'src-exchange': 'xs.in', 'src-exchange-key': 'a.#',
      'dest-uri': uri, 'dest-exchange': 'xs.out', 'dest-exchange-key': 'routed',
      'dest-add-forward-headers': true, 'dest-add-timestamp-header': true,
    })).status, 201);
    await waitFor(async () => (await shovelState('xs')) === 'running', 10_000, 'xs running');
    ch.publish('xs.in', 'b.1', Buffer.from('not matched'));
    ch.publish('xs.in', 'a.1', Buffer.from('matched'), { headers: { mine: 'yes' } });
    const [m] = await take('xs.q', 1);
    assert.equal(m.content.toString(), 'matched');
    const h = m.properties.headers!;
    assert.equal(h.mine, 'yes');
    assert.equal(typeof h['x-shovelled-timestamp'], 'number');
    const shovelled = h['x-shovelled'] as Record<string, unknown>[];
    assert.equal(shovelled.length, 1);
    assert.deepEqual(Object.keys(shovelled[0]).sort(), ['dest-exchange', 'dest-exchange-key', 'dest-uri', 'shovel-name', 'shovel-type', 'shovel-vhost', 'shovelled-by', 'src-exchange', 'src-exchange-key', 'src-uri']);
    assert.deepEqual({ ...shovelled[0], 'shovelled-by': undefined }, {
      'dest-exchange': 'xs.out', 'dest-exchange-key': 'routed', 'dest-uri': uri, 'shovel-name': 'xs', 'shovel-type': 'dynamic',
      'shovel-vhost': vhost, 'shovelled-by': undefined, 'src-exchange': 'xs.in', 'src-exchange-key': 'a.#', 'src-uri': uri,
    });
    assert.equal((await api('DELETE', `/api/parameters/shovel/${vh}/xs`)).status, 204);
  });

  test('every ack mode and a prefetch of 1 move each message exactly once', LIMIT, async () => {
    for (const ackMode of ['on-confirm', 'on-publish', 'no-ack']) {
      const [from, to] = [`am.${ackMode}.from`, `am.${ackMode}.to`];
      await ch.assertQueue(from, { durable: true });
      await ch.assertQueue(to, { durable: true });
      const bodies = Array.from({ length: 30 }, (_, i) => `${ackMode}-${i}`);
      for (const b of bodies) ch.sendToQueue(from, Buffer.from(b), { persistent: true });
      await waitFor(async () => (await messageCount(from)) === bodies.length, 5000, `${from} filled`);
      const value = { ...moveValue(from, to), 'ack-mode': ackMode, 'src-prefetch-count': 1 };
      assert.equal((await putShovel(`am-${ackMode}`, value)).status, 201);
      await waitFor(async () => (await api('GET', `/api/parameters/shovel/${vh}/am-${ackMode}`)).status === 404, 10_000, `am-${ackMode} done`);
      assert.equal(await messageCount(from), 0);
      assert.deepEqual((await take(to, bodies.length)).map((m) => m.content.toString()), bodies, ackMode);
      assert.equal(await messageCount(to), 0, `${ackMode}: nothing twice`);
    }
  });

  test('a numeric src-delete-after moves that many messages, then the shovel removes itself', LIMIT, async () => {
    await ch.assertQueue('n.from', { durable: true });
    await ch.assertQueue('n.to', { durable: true });
    for (let i = 0; i < 5; i++) ch.sendToQueue('n.from', Buffer.from(`n${i}`));
    await waitFor(async () => (await messageCount('n.from')) === 5, 5000, 'n.from filled');
    assert.equal((await putShovel('n', { ...moveValue('n.from', 'n.to'), 'src-delete-after': 3 })).status, 201);
    await waitFor(async () => (await api('GET', `/api/parameters/shovel/${vh}/n`)).status === 404, 10_000, 'n done');
    assert.deepEqual((await take('n.to', 3)).map((m) => m.content.toString()), ['n0', 'n1', 'n2']);
    assert.equal(await messageCount('n.from'), 2);
  });

  test('a shovel declares missing queues durable; an exchange source\'s own queue goes with the shovel', LIMIT, async () => {
    const queues = async () => ((await api('GET', `/api/queues/${vh}?columns=name,durable`)).body as { name: string; durable: boolean }[]);
    assert.equal((await putShovel('decl', { 'src-uri': uri, 'src-queue': 'decl.from', 'dest-uri': uri, 'dest-queue': 'decl.to' })).status, 201);
    await waitFor(async () => (await shovelState('decl')) === 'running', 10_000, 'decl running');
    const declared = (await queues()).filter((q) => q.name.startsWith('decl.'));
    assert.deepEqual(declared, [{ name: 'decl.from', durable: true }, { name: 'decl.to', durable: true }]);
    assert.equal((await api('DELETE', `/api/parameters/shovel/${vh}/decl`)).status, 204);

    const before = (await queues()).length;
    assert.equal((await putShovel('fromx', { 'src-uri': uri, 'src-exchange': 'amq.fanout', 'dest-uri': uri, 'dest-queue': 'decl.to' })).status, 201);
    await waitFor(async () => (await shovelState('fromx')) === 'running', 10_000, 'fromx running');
    await waitFor(async () => (await queues()).length === before + 1, 5000, 'the shovel\'s own queue');
    ch.publish('amq.fanout', '', Buffer.from('via fanout'));
    assert.equal((await take('decl.to', 1))[0].content.toString(), 'via fanout');
    assert.equal((await api('DELETE', `/api/parameters/shovel/${vh}/fromx`)).status, 204);
    await waitFor(async () => (await queues()).length === before, 5000, 'the shovel\'s own queue deleted');
  });

  test('invalid values are refused with RabbitMQ\'s status and text', LIMIT, async () => {
    const base = { 'src-uri': uri, 'src-queue': 'v.a', 'dest-uri': uri, 'dest-queue': 'v.b' };
    const refused = async (value: unknown, text: string) => {
      const r = await putShovel('bad', value);
      assert.deepEqual(r, { status: 400, body: { error: 'bad_request', reason: `Validation failed\n\n${text}\n` } }, JSON.stringify(value));
    };
    await refused({ 'dest-queue': 'v.b', 'dest-uri': 'amqp://' }, 'Must specify \'src-exchange\' or \'src-queue\'\nKey "src-uri" not found in bad');
    await refused({ 'src-queue': 'v.a', 'src-uri': 'amqp://' }, 'Key "dest-uri" not found in bad');
    await refused({ ...base, 'src-exchange': 'x' }, 'Cannot specify \'src-exchange\' and \'src-queue\'');
    await refused({ ...base, 'dest-exchange': 'x' }, 'Cannot specify \'dest-exchange\' and \'dest-queue\'');
    await refused({ ...base, 'src-uri': 'http://x' }, '"http://x" not a valid URI: {{unexpected_uri_scheme,"http"},"http://x"}');
    await refused({ ...base, 'src-delete-after': 'sometime' }, 'src-delete-after should be a number greater than or equal to 0, "never" or "queue-length", actually was &lt;&lt;"sometime"&gt;&gt;');
    await refused({ ...base, 'src-delete-after': -1 }, 'src-delete-after should be a number greater than or equal to 0, "never" or "queue-length", actually was -1');
    await refused({ ...base, 'ack-mode': 'later' }, 'ack-mode should be one of [&lt;&lt;"no-ack"&gt;&gt;,&lt;&lt;"on-publish"&gt;&gt;,&lt;&lt;"on-confirm"&gt;&gt;], actually was &lt;&lt;"later"&gt;&gt;');
    await refused({ ...base, 'src-prefetch-count': 'x' }, 'src-prefetch-count should be a number, actually was &lt;&lt;"x"&gt;&gt;');
    await refused({ ...base, 'reconnect-delay': 'x' }, 'reconnect-delay should be a number, actually was &lt;&lt;"x"&gt;&gt;');
    await refused({ ...base, 'src-uri': 5 }, 'src-uri should be list, actually was 5');
    await refused({ ...base, 'dest-add-forward-headers': 'yes' }, 'dest-add-forward-headers should be boolean, actually was &lt;&lt;"yes"&gt;&gt;');
    await refused({ ...base, 'src-queue': 5 }, 'src-queue should be binary, actually was 5');
    await refused({ ...base, foo: 1 }, 'Unrecognised terms [{&lt;&lt;"foo"&gt;&gt;,1}] in bad');
    assert.equal((await api('GET', `/api/parameters/shovel/${vh}/bad`)).status, 404);
  });

  test('restart and delete of a shovel that does not exist: 404', LIMIT, async () => {
    const notFound = { status: 404, body: { error: 'Object Not Found', reason: 'Not Found' } };
    assert.deepEqual(await api('DELETE', `/api/shovels/vhost/${vh}/nope/restart`), notFound);
    assert.deepEqual(await api('DELETE', `/api/shovels/vhost/${vh}/nope`), notFound);
    assert.deepEqual(await api('GET', `/api/shovels/vhost/${vh}/nope`), notFound);
  });
});

describe('dynamic shovels and restarts (Warren with a data directory)', { skip: process.env.WARREN_TEST_URL !== undefined }, () => {
  test('persistent messages moved with on-confirm are in the destination after a restart; the shovel parameter survives too', LIMIT, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-shovel-'));
    try {
      const first = await startManagedBroker({ dataDir: dir });
      assert.equal((await api('PUT', `/api/vhosts/${vh}`, {}, first)).status, 201);
      const c1 = await amqplib.connect(urlWithVhost(first.amqpUrl, vhost));
      const ch1 = await c1.createChannel();
      await ch1.assertQueue('p.from', { durable: true });
      await ch1.assertQueue('p.to', { durable: true });
      const bodies = Array.from({ length: 50 }, (_, i) => `p${i}`);
      for (const b of bodies) ch1.sendToQueue('p.from', Buffer.from(b), { persistent: true });
      await waitFor(async () => (await ch1.checkQueue('p.from')).messageCount === bodies.length, 5000, 'p.from filled');
      assert.equal((await putShovel('move', moveValue('p.from', 'p.to'), first)).status, 201);
      // A second shovel that stays, to see it come back after the restart.
      const stay = { 'src-uri': uri, 'src-queue': 'p.in', 'dest-uri': uri, 'dest-queue': 'p.to' };
      assert.equal((await putShovel('stay', stay, first)).status, 201);
      await waitFor(async () => (await ch1.checkQueue('p.to')).messageCount === bodies.length, 10_000, 'moved');
      await waitFor(async () => (await shovelState('move', first)) === undefined, 10_000, 'move shovel removed');
      const exported = (await api('GET', '/api/definitions', undefined, first)).body;
      assert.deepEqual(exported.parameters.filter((p: { component: string }) => p.component === 'shovel'), [{ component: 'shovel', vhost, name: 'stay', value: stay }]);
      await c1.close();
      await first.close();

      const second = await startManagedBroker({ dataDir: dir });
      try {
        const c2 = await amqplib.connect(urlWithVhost(second.amqpUrl, vhost));
        const ch2 = await c2.createChannel();
        assert.equal((await ch2.checkQueue('p.from')).messageCount, 0);
        assert.equal((await ch2.checkQueue('p.to')).messageCount, bodies.length);
        const got: string[] = [];
        for (let m = await ch2.get('p.to', { noAck: true }); m; m = await ch2.get('p.to', { noAck: true })) got.push(m.content.toString());
        assert.deepEqual(got, bodies);
        // The durable shovel runs again and forwards.
        await waitFor(async () => (await shovelState('stay', second)) === 'running', 10_000, 'stay running after restart');
        ch2.sendToQueue('p.in', Buffer.from('after'));
        await waitFor(async () => (await ch2.checkQueue('p.to')).messageCount === 1, 5000, 'forwarded after restart');
        await c2.close();
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a shovel naming another broker is refused (Warren runs shovels within the node only)', LIMIT, async () => {
    const r = await putShovel('remote', { 'src-uri': 'amqp://elsewhere.example', 'src-queue': 'a', 'dest-uri': uri, 'dest-queue': 'b' });
    assert.equal(r.status, 400);
    assert.match(r.body.reason, /points at another broker: Warren's shovels run within this node only/);
  });
});
