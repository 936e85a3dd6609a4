// Quorum-queue semantics on one node, as RabbitMQ 3.10.8 has them: the x-delivery-count header
// (on every basic.get, on consumer deliveries once a message came back), x-delivery-limit and
// dead-lettering with reason delivery_limit, where returned messages go (nack/reject/recover: the
// back; a closed channel: the front), reject-publish blocking until the queue is under 80% of its
// limit, and reject-publish-dlx acting as drop-head. Then what Warren adds: x-max-priority and
// global QoS on quorum queues (RabbitMQ refuses both; those tests run against Warren only).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import {
  closeQuietly,
  connect,
  consumeInto,
  destroyAllSockets,
  getEventually,
  openChannel,
  openConfirmChannel,
  sleep,
  waitForMessageCount,
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
} from '../support/clients.js';
import { RawGetter, deathHeaders, typedHeaders } from '../support/raw-get.js';

const LIMIT = { timeout: 20_000 };

let broker: TestBroker;
let conn: ChannelModel;
let admin: ConfirmChannel;
let raw: RawGetter;
const made: string[] = [];

before(async () => {
  broker = await startTestBroker();
  conn = await connect(broker.url);
  admin = await openConfirmChannel(conn);
  raw = await RawGetter.open(broker.host, broker.port);
}, LIMIT);

after(async () => {
  for (const q of made) await admin.deleteQueue(q).catch(() => {});
  raw.close();
  await closeQuietly(conn);
  await broker.close();
  destroyAllSockets();
}, LIMIT);

async function quorum(prefix: string, args: Record<string, unknown> = {}): Promise<string> {
  const name = uniqueName(prefix);
  await admin.assertQueue(name, { durable: true, arguments: { 'x-queue-type': 'quorum', ...args } });
  made.push(name);
  return name;
}

async function classic(prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await admin.assertQueue(name, { durable: false });
  made.push(name);
  return name;
}

async function publish(q: string, bodies: string[], options = {}): Promise<void> {
  for (const b of bodies) admin.sendToQueue(q, Buffer.from(b), options);
  await admin.waitForConfirms();
}

async function drain(ch: Channel, q: string): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const m = await ch.get(q, { noAck: true });
    if (m === false) return out;
    out.push(m.content.toString() + (m.fields.redelivered ? '*' : ''));
  }
}

describe('x-delivery-count', () => {
  test('basic.get always carries it (0 the first time), headers sorted', LIMIT, async () => {
    const q = await quorum('qq.count.get');
    await publish(q, ['m'], { headers: { z: 1, a: 2 } });
    const m = await raw.get(q);
    assert.ok(m);
    assert.equal(m.redelivered, false);
    assert.equal(typedHeaders(m), JSON.stringify({ a: 'b:2', 'x-delivery-count': 'l:0', z: 'b:1' }));
  });

  test('a consumer sees it only once the message has come back, counting the returns', LIMIT, async () => {
    const q = await quorum('qq.count.consume');
    const ch = await openChannel(conn);
    try {
      await publish(q, ['m'], { headers: { z: 1 } });
      const { inbox } = await consumeInto(ch, q);
      const [first] = await inbox.take(1);
      assert.deepEqual(first.properties.headers, { z: 1 });
      assert.equal(first.fields.redelivered, false);
      ch.nack(first, false, true);
      const [, second] = await inbox.take(2);
      assert.deepEqual(second.properties.headers, { 'x-delivery-count': 1, z: 1 });
      assert.equal(second.fields.redelivered, true);
      ch.reject(second, true);
      const [, , third] = await inbox.take(3);
      assert.equal(third.properties.headers!['x-delivery-count'], 2);
      ch.ack(third);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('messages returned by a closed channel count as returns too', LIMIT, async () => {
    const q = await quorum('qq.count.close');
    await publish(q, ['m']);
    for (let i = 0; i < 2; i++) {
      const ch = await openChannel(conn);
      await getEventually(ch, q);
      await ch.close();
    }
    const m = await raw.getEventually(q);
    assert.equal(m.redelivered, true);
    assert.equal(typedHeaders(m), JSON.stringify({ 'x-delivery-count': 'l:2' }));
  });
});

describe('x-delivery-limit', () => {
  test('after limit+1 deliveries the next return dead-letters the message with reason delivery_limit', LIMIT, async () => {
    const dlq = await classic('dlq');
    const q = await quorum('qq.limit', { 'x-delivery-limit': 2, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': dlq });
    await publish(q, ['m'], { headers: { z: 1, a: 2 }, expiration: '60000' });
    const ch = await openChannel(conn);
    try {
      const counts: unknown[] = [];
      for (let i = 0; i < 3; i++) {
        const m = await getEventually(ch, q);
        counts.push(m.properties.headers!['x-delivery-count']);
        assert.equal(m.properties.expiration, '60000');
        ch.nack(m, false, true);
      }
      assert.deepEqual(counts, [0, 1, 2]);
      const d = await raw.getEventually(dlq);
      assert.equal(await raw.get(q), false);
      assert.equal(d.properties.expiration, undefined);
      assert.equal(deathHeaders(d, !broker.external), JSON.stringify({
        a: 'b:2',
        'x-death': [{
          count: 'l:1', reason: 'delivery_limit', queue: q, time: 'T:now', exchange: '', 'routing-keys': [q], 'original-expiration': '60000',
        }],
        'x-first-death-exchange': '',
        'x-first-death-queue': q,
        'x-first-death-reason': 'delivery_limit',
        z: 'b:1',
      }));
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a limit of 0 allows no return at all (without a dead-letter exchange the message is dropped)', LIMIT, async () => {
    const q = await quorum('qq.limit0', { 'x-delivery-limit': 0 });
    await publish(q, ['m']);
    const ch = await openChannel(conn);
    try {
      ch.nack(await getEventually(ch, q), false, true);
      await waitForMessageCount(ch, q, 0);
      await sleep(50);
      assert.equal(await ch.get(q), false);
    } finally {
      await closeQuietly(ch);
    }
  });
});

describe('where returned messages go', () => {
  test('nack, reject and recover put them at the back', LIMIT, async () => {
    const q = await quorum('qq.order.back');
    const ch = await openChannel(conn);
    try {
      await publish(q, ['a', 'b', 'c', 'd']);
      const a = await getEventually(ch, q);
      const b = await getEventually(ch, q);
      ch.nack(b, true, true);
      await sleep(50);
      assert.deepEqual(await drain(ch, q), ['c', 'd', 'a*', 'b*']);
      await publish(q, ['e', 'f']);
      ch.reject(await getEventually(ch, q), true);
      await sleep(50);
      assert.deepEqual(await drain(ch, q), ['f', 'e*']);
      await publish(q, ['g', 'h', 'i']);
      await getEventually(ch, q);
      await ch.recover();
      await sleep(50);
      assert.deepEqual(await drain(ch, q), ['h', 'i', 'g*']);
      void a;
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a closed channel puts them back at the front, in order', LIMIT, async () => {
    const q = await quorum('qq.order.front');
    await publish(q, ['a', 'b', 'c', 'd', 'e']);
    const ch = await openChannel(conn);
    await ch.prefetch(3);
    const { inbox } = await consumeInto(ch, q);
    const got = await inbox.take(3);
    ch.nack(got[1], false, true); // b goes to the back; the consumer then gets d
    await inbox.take(4);
    await ch.close();
    await sleep(50);
    assert.deepEqual(await drain(admin, q), ['a*', 'c*', 'd*', 'e', 'b*']);
  });
});

describe('overflow', () => {
  test('reject-publish: the publish that goes over the limit is taken, then publishes are refused until the queue is at 80% of it', LIMIT, async () => {
    const q = await quorum('qq.rp', { 'x-max-length': 2, 'x-overflow': 'reject-publish' });
    const outcomes: string[] = [];
    const each = async (bodies: string[]) => {
      for (const body of bodies) {
        await new Promise<void>((resolve) => admin.sendToQueue(q, Buffer.from(body), {}, (err) => {
          outcomes.push(`${body}:${err ? 'nack' : 'ack'}`);
          resolve();
        }));
      }
    };
    await each(['1', '2', '3', '4']);
    await admin.get(q, { noAck: true });
    await each(['5']);
    await admin.get(q, { noAck: true });
    await each(['6', '7']);
    assert.deepEqual(outcomes, ['1:ack', '2:ack', '3:ack', '4:nack', '5:nack', '6:ack', '7:ack']);
    assert.deepEqual(await drain(admin, q), ['3', '6', '7']);
  });

  test('reject-publish-dlx behaves as drop-head', LIMIT, async () => {
    const dlq = await classic('dlq');
    const q = await quorum('qq.rpdlx', {
      'x-max-length': 1, 'x-overflow': 'reject-publish-dlx', 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': dlq,
    });
    const outcomes: string[] = [];
    for (const body of ['1', '2', '3']) {
      await new Promise<void>((resolve) => admin.sendToQueue(q, Buffer.from(body), {}, (err) => {
        outcomes.push(`${body}:${err ? 'nack' : 'ack'}`);
        resolve();
      }));
    }
    assert.deepEqual(outcomes, ['1:ack', '2:ack', '3:ack']);
    await waitForMessageCount(admin, dlq, 2);
    assert.deepEqual(await drain(admin, q), ['3']);
    assert.deepEqual(await drain(admin, dlq), ['1', '2']);
  });

  test('messages returned to the back count against the limit (drop-head)', LIMIT, async () => {
    const q = await quorum('qq.requeue.max', { 'x-max-length': 2 });
    const ch = await openChannel(conn);
    try {
      await publish(q, ['a', 'b']);
      await getEventually(ch, q);
      const b = await getEventually(ch, q);
      await publish(q, ['c', 'd']);
      ch.nack(b, true, true);
      await sleep(50);
      assert.deepEqual(await drain(ch, q), ['a*', 'b*']);
    } finally {
      await closeQuietly(ch);
    }
  });
});

describe('beyond RabbitMQ 3.10 (Warren only)', () => {
  test('x-max-priority on a quorum queue is accepted and honoured', LIMIT, async (t) => {
    if (broker.external) return t.skip('RabbitMQ 3.10 refuses x-max-priority on quorum queues');
    const q = await quorum('qq.prio', { 'x-max-priority': 5 });
    for (const [b, priority] of [['p1', 1], ['p9', 9], ['p5', 5], ['none', 0]] as const) admin.sendToQueue(q, Buffer.from(b), { priority });
    await admin.waitForConfirms();
    assert.deepEqual(await drain(admin, q), ['p9', 'p5', 'p1', 'none']);
  });

  test('global QoS applies to quorum queue consumers', LIMIT, async (t) => {
    if (broker.external) return t.skip('RabbitMQ 3.10 refuses global QoS on quorum queues (540)');
    const q = await quorum('qq.globalqos');
    const ch = await openChannel(conn);
    try {
      await ch.prefetch(2, true);
      const a = await consumeInto(ch, q);
      const b = await consumeInto(ch, q);
      await publish(q, ['1', '2', '3', '4']);
      await sleep(100);
      assert.equal(a.inbox.messages.length + b.inbox.messages.length, 2, 'two unacked at most across the channel');
      ch.ack([...a.inbox.messages, ...b.inbox.messages][0]);
      await sleep(100);
      assert.equal(a.inbox.messages.length + b.inbox.messages.length, 3);
    } finally {
      await closeQuietly(ch);
    }
  });
});
