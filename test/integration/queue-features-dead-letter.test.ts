// Dead-lettering, header for header: the x-death array and x-first-death-* headers exactly as
// RabbitMQ 3.10.8 writes them (wire types and key order included, read over a raw connection),
// merging of repeated deaths, old and malformed x-death values, cycle detection, and the ways a
// message dies: rejected, expired, maxlen (drop-head, bytes, reject-publish-dlx).
// The expected values were recorded against RabbitMQ 3.10.8.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import {
  closeQuietly,
  connect,
  destroyAllSockets,
  getEventually,
  openChannel,
  openConfirmChannel,
  sleep,
  waitForMessageCount,
  type Channel,
  type ChannelModel,
} from '../support/clients.js';
import { RawGetter, deathHeaders } from '../support/raw-get.js';

const LIMIT = { timeout: 20_000 };

let broker: TestBroker;
let conn: ChannelModel;
let raw: RawGetter;
let admin: Channel;
const made: string[] = [];

before(async () => {
  broker = await startTestBroker();
  conn = await connect(broker.url);
  raw = await RawGetter.open(broker.host, broker.port);
  admin = await openChannel(conn);
}, LIMIT);

after(async () => {
  for (const q of made) await admin.deleteQueue(q).catch(() => {});
  raw.close();
  await closeQuietly(conn);
  await broker.close();
  destroyAllSockets();
}, LIMIT);

/** A shared (non-exclusive) queue, so the raw connection can read it; deleted after the run. */
async function queue(ch: Channel, prefix: string, options: Parameters<Channel['assertQueue']>[1] = {}): Promise<string> {
  const name = uniqueName(prefix);
  await ch.assertQueue(name, { durable: false, ...options });
  made.push(name);
  return name;
}

const dlTo = (q: string) => ({ deadLetterExchange: '', deadLetterRoutingKey: q });

describe('x-death headers', () => {
  test('first death: x-death entry in RabbitMQ order, x-first-death-*, headers sorted, CC dropped with a routing key, expiration moved into x-death', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const dlq = await queue(ch, 'dlq');
      const q = await queue(ch, 'q', dlTo(dlq));
      const cc = uniqueName('nowhere');
      ch.sendToQueue(q, Buffer.from('doomed'), {
        headers: { zeta: 1, Alpha: 'a', CC: [cc] }, expiration: '60000', messageId: 'm-1', persistent: true, priority: 3,
      });
      const m = await getEventually(ch, q);
      ch.reject(m, false);
      const d = await raw.getEventually(dlq);
      assert.equal(d.exchange, '');
      assert.equal(d.routingKey, dlq);
      assert.equal(d.body, 'doomed');
      assert.equal(d.properties.expiration, undefined);
      assert.equal(d.properties.messageId, 'm-1');
      assert.equal(d.properties.deliveryMode, 2);
      assert.equal(d.properties.priority, 3);
      assert.equal(deathHeaders(d, !broker.external), JSON.stringify({
        Alpha: 'a',
        'x-death': [{
          count: 'l:1', reason: 'rejected', queue: q, time: 'T:now', exchange: '', 'routing-keys': [q, cc], 'original-expiration': '60000',
        }],
        'x-first-death-exchange': '',
        'x-first-death-queue': q,
        'x-first-death-reason': 'rejected',
        zeta: 'b:1',
      }));
    } finally {
      await closeQuietly(ch);
    }
  });

  test('without a dead-letter routing key the original routing keys and the CC header stay', LIMIT, async () => {
    const ch = await openChannel(conn);
    const dlx = uniqueName('dlx');
    try {
      await ch.assertExchange(dlx, 'fanout', { durable: false });
      const dlq = await queue(ch, 'dlq');
      await ch.bindQueue(dlq, dlx, '');
      const q = await queue(ch, 'q', { deadLetterExchange: dlx });
      const cc = uniqueName('nowhere');
      ch.publish('', q, Buffer.from('x'), { CC: [cc] });
      const m = await getEventually(ch, q);
      ch.nack(m, false, false);
      const d = await raw.getEventually(dlq);
      assert.equal(d.exchange, dlx);
      assert.equal(d.routingKey, q);
      assert.equal(deathHeaders(d, !broker.external), JSON.stringify({
        CC: [cc],
        'x-death': [{ count: 'l:1', reason: 'rejected', queue: q, time: 'T:now', exchange: '', 'routing-keys': [q, cc] }],
        'x-first-death-exchange': '',
        'x-first-death-queue': q,
        'x-first-death-reason': 'rejected',
      }));
    } finally {
      await ch.deleteExchange(dlx).catch(() => {});
      await closeQuietly(ch);
    }
  });

  test('later deaths: counts go up per (queue, reason), the updated entry moves first and is sorted by key', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q1 = uniqueName('q.dl1');
      const q2 = uniqueName('q.dl2');
      await ch.assertQueue(q1, { durable: false, ...dlTo(q2) });
      await ch.assertQueue(q2, { durable: false, messageTtl: 10, ...dlTo(q1) });
      made.push(q1, q2);
      ch.sendToQueue(q1, Buffer.from('cycling'), { headers: { zeta: 1 }, expiration: '60000' });
      for (let i = 0; i < 2; i++) {
        const m = await getEventually(ch, q1);
        ch.reject(m, false);
      }
      const d = await raw.getEventually(q1);
      assert.equal(deathHeaders(d, !broker.external), JSON.stringify({
        'x-death': [
          { count: 'l:2', exchange: '', queue: q2, reason: 'expired', 'routing-keys': [q2], time: 'T:now' },
          { count: 'l:2', exchange: '', 'original-expiration': '60000', queue: q1, reason: 'rejected', 'routing-keys': [q1], time: 'T:now' },
        ],
        'x-first-death-exchange': '',
        'x-first-death-queue': q1,
        'x-first-death-reason': 'rejected',
        zeta: 'b:1',
      }));
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a merged entry keeps the time of its first death', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = uniqueName('q.self');
      await ch.assertQueue(q, { durable: false, ...dlTo(q) });
      made.push(q);
      ch.sendToQueue(q, Buffer.from('again'));
      ch.reject(await getEventually(ch, q), false);
      const first = await getEventually(ch, q);
      const t1 = (first.properties.headers!['x-death'] as { time: { value: number } }[])[0].time.value;
      await sleep(1100);
      ch.reject(first, false);
      const second = await getEventually(ch, q, { noAck: true });
      const [entry] = second.properties.headers!['x-death'] as { time: { value: number }; count: number }[];
      assert.equal(entry.count, 2);
      assert.equal(entry.time.value, t1);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('an x-death header that is not an array is replaced, without x-first-death-* headers', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const dlq = await queue(ch, 'dlq');
      const q = await queue(ch, 'q', dlTo(dlq));
      ch.sendToQueue(q, Buffer.from('x'), { headers: { 'x-death': 'garbage', keep: 1 } });
      ch.reject(await getEventually(ch, q), false);
      const d = await raw.getEventually(dlq);
      assert.equal(deathHeaders(d, !broker.external), JSON.stringify({
        keep: 'b:1',
        'x-death': [{ count: 'l:1', reason: 'rejected', queue: q, time: 'T:now', exchange: '', 'routing-keys': [q] }],
      }));
    } finally {
      await closeQuietly(ch);
    }
  });

  test('entries repeating a (queue, reason) are merged, a missing count becoming their number', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const dlq = await queue(ch, 'dlq');
      const q = await queue(ch, 'q', dlTo(dlq));
      ch.sendToQueue(q, Buffer.from('x'), {
        headers: {
          'x-death': [
            { queue: q, reason: 'rejected', count: 5 },
            { queue: 'other', reason: 'expired' },
            { queue: 'other', reason: 'expired', count: 7 },
          ],
        },
      });
      ch.reject(await getEventually(ch, q), false);
      const d = await raw.getEventually(dlq);
      assert.equal(deathHeaders(d, !broker.external), JSON.stringify({
        'x-death': [
          { count: 'l:6', queue: q, reason: 'rejected' },
          { count: 'l:2', queue: 'other', reason: 'expired' },
        ],
      }));
    } finally {
      await closeQuietly(ch);
    }
  });

  test('with two or more earlier entries their order is reversed, as RabbitMQ 3.10 does', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const names: string[] = [];
      for (let i = 1; i <= 5; i++) names.push(uniqueName(`chain${i}`));
      for (let i = 0; i < 5; i++) {
        await ch.assertQueue(names[i], { durable: false, ...(i < 4 ? dlTo(names[i + 1]) : {}) });
        made.push(names[i]);
      }
      ch.sendToQueue(names[0], Buffer.from('hop'));
      for (let i = 0; i < 4; i++) ch.reject(await getEventually(ch, names[i]), false);
      const d = await raw.getEventually(names[4]);
      const deaths = d.properties.headers!['x-death'] as { queue: string }[];
      assert.deepEqual(deaths.map((x) => x.queue), [names[3], names[1], names[0], names[2]]);
    } finally {
      await closeQuietly(ch);
    }
  });
});

describe('dead-letter cycles', () => {
  test('a message expiring back into its own queue is dropped', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const q = uniqueName('q.selfttl');
      await ch.assertQueue(q, { durable: false, messageTtl: 10, ...dlTo(q) });
      made.push(q);
      ch.sendToQueue(q, Buffer.from('loop'));
      await ch.waitForConfirms();
      await sleep(200);
      assert.equal((await ch.checkQueue(q)).messageCount, 0);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('messages expiring back and forth between two queues are dropped once the cycle closes', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const a = uniqueName('q.ping');
      const b = uniqueName('q.pong');
      await ch.assertQueue(a, { durable: false, messageTtl: 10, ...dlTo(b) });
      await ch.assertQueue(b, { durable: false, messageTtl: 10, ...dlTo(a) });
      made.push(a, b);
      ch.sendToQueue(a, Buffer.from('ping'));
      await ch.waitForConfirms();
      await sleep(300);
      assert.equal((await ch.checkQueue(a)).messageCount, 0);
      assert.equal((await ch.checkQueue(b)).messageCount, 0);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a head dropped by x-max-length into its own queue is dropped', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const q = uniqueName('q.selfmax');
      await ch.assertQueue(q, { durable: false, maxLength: 1, ...dlTo(q) });
      made.push(q);
      ch.sendToQueue(q, Buffer.from('1'));
      ch.sendToQueue(q, Buffer.from('2'));
      await ch.waitForConfirms();
      await sleep(50);
      const m = await raw.get(q);
      assert.ok(m);
      assert.equal(m.body, '2');
      assert.equal(await raw.get(q), false);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('rejections are never a cycle: a message rejected into its own queue comes back each time', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = uniqueName('q.selfrej');
      await ch.assertQueue(q, { durable: false, ...dlTo(q) });
      made.push(q);
      ch.sendToQueue(q, Buffer.from('r'));
      for (let i = 0; i < 3; i++) ch.reject(await getEventually(ch, q), false);
      const d = await raw.getEventually(q);
      assert.equal(deathHeaders(d, !broker.external), JSON.stringify({
        'x-death': [{ count: 'l:3', exchange: '', queue: q, reason: 'rejected', 'routing-keys': [q], time: 'T:now' }],
        'x-first-death-exchange': '',
        'x-first-death-queue': q,
        'x-first-death-reason': 'rejected',
      }));
    } finally {
      await closeQuietly(ch);
    }
  });
});

describe('ways to die', () => {
  test('x-overflow reject-publish-dlx nacks the publish and dead-letters the refused message (reason maxlen)', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const dlq = await queue(ch, 'dlq');
      const q = await queue(ch, 'q', { maxLength: 1, overflow: 'reject-publish-dlx', ...dlTo(dlq) });
      const outcomes: string[] = [];
      for (const body of ['1', '2']) {
        await new Promise<void>((resolve) => ch.sendToQueue(q, Buffer.from(body), { expiration: '5000' }, (err) => {
          outcomes.push(`${body}:${err ? 'nack' : 'ack'}`);
          resolve();
        }));
      }
      assert.deepEqual(outcomes, ['1:ack', '2:nack']);
      assert.equal((await ch.checkQueue(q)).messageCount, 1);
      const d = await raw.getEventually(dlq);
      assert.equal(d.body, '2');
      assert.equal(deathHeaders(d, !broker.external), JSON.stringify({
        'x-death': [{ count: 'l:1', reason: 'maxlen', queue: q, time: 'T:now', exchange: '', 'routing-keys': [q], 'original-expiration': '5000' }],
        'x-first-death-exchange': '',
        'x-first-death-queue': q,
        'x-first-death-reason': 'maxlen',
      }));
    } finally {
      await closeQuietly(ch);
    }
  });

  test('x-max-length-bytes drops from the head and dead-letters with reason maxlen', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const dlq = await queue(ch, 'dlq');
      const q = await queue(ch, 'q', { arguments: { 'x-max-length-bytes': 5 }, ...dlTo(dlq) });
      for (const b of ['aaa', 'bbb', 'c']) ch.sendToQueue(q, Buffer.from(b));
      await ch.waitForConfirms();
      await waitForMessageCount(ch, dlq, 1);
      const d = await raw.get(dlq);
      assert.ok(d);
      assert.equal(d.body, 'aaa');
      assert.equal((d.properties.headers!['x-death'] as { reason: string }[])[0].reason, 'maxlen');
      assert.equal((await ch.checkQueue(q)).messageCount, 2);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a requeued message that has expired meanwhile is dead-lettered with reason expired', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const dlq = await queue(ch, 'dlq');
      const q = await queue(ch, 'q', { messageTtl: 50, ...dlTo(dlq) });
      ch.sendToQueue(q, Buffer.from('late'));
      const m = await getEventually(ch, q);
      await sleep(150);
      ch.nack(m, false, true);
      const d = await raw.getEventually(dlq);
      assert.equal(d.body, 'late');
      assert.equal((d.properties.headers!['x-death'] as { reason: string }[])[0].reason, 'expired');
      assert.equal((await ch.checkQueue(q)).messageCount, 0);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a dead-letter exchange that does not exist drops the message', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await queue(ch, 'q', { deadLetterExchange: uniqueName('x.missing') });
      ch.sendToQueue(q, Buffer.from('gone'));
      ch.reject(await getEventually(ch, q), false);
      await waitForMessageCount(ch, q, 0);
      ch.sendToQueue(q, Buffer.from('still works'));
      assert.equal((await getEventually(ch, q, { noAck: true })).content.toString(), 'still works');
    } finally {
      await closeQuietly(ch);
    }
  });
});
