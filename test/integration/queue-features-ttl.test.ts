// Message TTL and queue expiry beyond the basics: expiry only at the head (an expired message
// behind a live one still counts), what basic.get-ok reports, TTL 0 with a waiting consumer,
// priorities, the expiration property's exact validation texts (Erlang ~p layout included), the
// ten-year limit on TTL arguments, and x-expires restarted by basic.get and consumer cancel.
// Expected values recorded against RabbitMQ 3.10.8.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import {
  closeQuietly,
  connect,
  consumeInto,
  destroyAllSockets,
  openChannel,
  openConfirmChannel,
  replyTextOf,
  sleep,
  trackChannel,
  waitForMessageCount,
  type Channel,
  type ChannelModel,
} from '../support/clients.js';

const LIMIT = { timeout: 20_000 };

let broker: TestBroker;
let conn: ChannelModel;

before(async () => {
  broker = await startTestBroker();
  conn = await connect(broker.url);
}, LIMIT);

after(async () => {
  await closeQuietly(conn);
  await broker.close();
  destroyAllSockets();
}, LIMIT);

async function drain(ch: Channel, q: string): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const m = await ch.get(q, { noAck: true });
    if (m === false) return out;
    out.push(m.content.toString());
  }
}

/** Whether the queue exists, checked on a throwaway channel (a passive declare also counts as use). */
async function exists(name: string): Promise<boolean> {
  const t = await trackChannel(conn);
  try {
    await t.ch.checkQueue(name);
    await t.ch.close();
    return true;
  } catch {
    if ((await t.closed)?.code === 404) return false;
    throw new Error('unexpected error checking the queue');
  }
}

describe('expiry at the head', () => {
  test('an expired message behind a live one is counted until it reaches the head; get-ok counts after dropping it', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const q = (await ch.assertQueue('', { exclusive: true })).queue;
      ch.sendToQueue(q, Buffer.from('long'), { expiration: '60000' });
      ch.sendToQueue(q, Buffer.from('short'), { expiration: '10' });
      ch.sendToQueue(q, Buffer.from('zero'), { expiration: '0' });
      ch.sendToQueue(q, Buffer.from('plain'));
      await ch.waitForConfirms();
      await sleep(100);
      assert.equal((await ch.checkQueue(q)).messageCount, 4);
      const m = await ch.get(q, { noAck: true });
      assert.ok(m);
      assert.equal(m.content.toString(), 'long');
      assert.equal(m.fields.messageCount, 1, 'short and zero were dropped as soon as they became the head');
      assert.deepEqual(await drain(ch, q), ['plain']);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('in a priority queue, an expired lower-priority message waits behind a higher one', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const q = (await ch.assertQueue('', { exclusive: true, maxPriority: 9 })).queue;
      ch.sendToQueue(q, Buffer.from('low-short'), { priority: 1, expiration: '10' });
      ch.sendToQueue(q, Buffer.from('high-long'), { priority: 9, expiration: '60000' });
      await ch.waitForConfirms();
      await sleep(100);
      assert.equal((await ch.checkQueue(q)).messageCount, 2);
      assert.deepEqual(await drain(ch, q), ['high-long']);
    } finally {
      await closeQuietly(ch);
    }
  });

  test("x-message-ttl 0 and expiration '0' still reach a consumer that is waiting", LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const q1 = (await ch.assertQueue('', { exclusive: true, messageTtl: 0 })).queue;
      const q2 = (await ch.assertQueue('', { exclusive: true })).queue;
      const a = await consumeInto(ch, q1, { noAck: true });
      const b = await consumeInto(ch, q2, { noAck: true });
      ch.sendToQueue(q1, Buffer.from('ttl0'));
      ch.sendToQueue(q2, Buffer.from('exp0'), { expiration: '0' });
      await ch.waitForConfirms();
      assert.equal((await a.inbox.take(1))[0].content.toString(), 'ttl0');
      assert.equal((await b.inbox.take(1))[0].content.toString(), 'exp0');
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a requeued message keeps its original expiry', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      // TTL 2 s; requeued after 1 s. Checked 2.6 s after arrival: gone if the expiry counts from
      // arrival (RabbitMQ), still there (until 3 s) if the requeue had restarted it. Wide margins
      // keep this independent of machine load.
      const q = (await ch.assertQueue('', { exclusive: true, messageTtl: 2000 })).queue;
      const t0 = Date.now();
      ch.sendToQueue(q, Buffer.from('r'));
      await waitForMessageCount(ch, q, 1);
      const m = await ch.get(q);
      assert.ok(m);
      await sleep(1000 - (Date.now() - t0));
      ch.nack(m, false, true);
      assert.equal((await ch.checkQueue(q)).messageCount, 1, 'requeued');
      await sleep(2600 - (Date.now() - t0));
      assert.equal((await ch.checkQueue(q)).messageCount, 0);
    } finally {
      await closeQuietly(ch);
    }
  });
});

describe('expiration property validation', () => {
  /** Publishes with `expiration`; resolves with the 406 reply text, or 'accepted'. */
  async function publishWith(expiration: string): Promise<string> {
    const t = await trackChannel(conn, true);
    const q = (await t.ch.assertQueue('', { exclusive: true })).queue;
    const ch = t.ch as unknown as import('amqplib').ConfirmChannel;
    ch.sendToQueue(q, Buffer.from('x'), { expiration });
    try {
      await ch.waitForConfirms();
      await ch.close();
      return 'accepted';
    } catch {
      const err = await t.closed;
      assert.equal(err?.code, 406);
      return replyTextOf(err)!;
    }
  }

  test('signs, leading zeros and the ten-year maximum are accepted', LIMIT, async () => {
    for (const e of ['+5', '05', '-0', '315360000000']) assert.equal(await publishWith(e), 'accepted', e);
  });

  test('refused values get the reply text RabbitMQ gives, as Erlang prints the reason', LIMIT, async () => {
    const cases: [string, string][] = [
      ['', 'no_integer'],
      [' 5', 'no_integer'],
      ['+', 'no_integer'],
      ['5 ', '{leftover_string," "}'],
      ['1e3', '{leftover_string,"e3"}'],
      ['1\n', '{leftover_string,"\\n"}'],
      ['1"\\', '{leftover_string,"\\"\\\\"}'],
      ['1é', '{leftover_string,"é"}'],
      ['1€', '{leftover_string,[226,130,172]}'],
      ['1\u0001', '{leftover_string,[1]}'],
      ['315360000001', '{value_too_large,315360000001}'],
      ['-12', '{value_negative,-12}'],
      // ~p breaks the tuple when it would reach column 79
      ['1' + 'x'.repeat(17), '{leftover_string,"' + 'x'.repeat(17) + '"}'],
      ['1' + 'x'.repeat(18), '{leftover_string,\n' + ' '.repeat(43) + '"' + 'x'.repeat(18) + '"}'],
      ['9223372036854775807', '{value_too_large,\n' + ' '.repeat(43) + '9223372036854775807}'],
      ['-12345678901234567890123', '{value_negative,\n' + ' '.repeat(48) + '-12345678901234567890123}'],
    ];
    for (const [value, reason] of cases) {
      assert.equal(await publishWith(value), `PRECONDITION_FAILED - invalid expiration '${value}': ${reason}`, JSON.stringify(value));
    }
  });

  test('x-message-ttl and x-expires above ten years are refused', LIMIT, async () => {
    for (const arg of ['x-message-ttl', 'x-expires']) {
      const t = await trackChannel(conn);
      const name = uniqueName('q.ttlarg');
      await t.ch.assertQueue(name, { exclusive: true, arguments: { [arg]: 315360000001 } }).catch(() => {});
      const err = await t.closed;
      assert.equal(err?.code, 406);
      assert.equal(replyTextOf(err), `PRECONDITION_FAILED - invalid arg '${arg}' for queue '${name}' in vhost '/': {value_too_large,315360000001}`);
    }
    const ch = await openChannel(conn);
    await ch.assertQueue('', { exclusive: true, messageTtl: 315360000000 });
    await closeQuietly(ch);
  });
});

describe('x-expires', () => {
  test('basic.get keeps an unused queue alive; it expires once the gets stop', LIMIT, async () => {
    const ch = await openChannel(conn);
    const name = uniqueName('q.expires.get');
    try {
      await ch.assertQueue(name, { durable: false, expires: 300 });
      for (let i = 0; i < 6; i++) {
        await sleep(100);
        await ch.get(name);
      }
      await sleep(600);
      assert.equal(await exists(name), false);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('the countdown starts again when the last consumer is cancelled', LIMIT, async () => {
    const ch = await openChannel(conn);
    const name = uniqueName('q.expires.cancel');
    try {
      await ch.assertQueue(name, { durable: false, expires: 200 });
      const { consumerTag } = await ch.consume(name, () => {});
      await sleep(400);
      assert.equal((await ch.checkQueue(name)).consumerCount, 1);
      await ch.cancel(consumerTag);
      await sleep(600);
      assert.equal(await exists(name), false);
    } finally {
      await closeQuietly(ch);
    }
  });
});
