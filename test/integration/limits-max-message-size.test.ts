// max_message_size: a publish whose body is larger closes its channel with 406 PRECONDITION_FAILED
// and RabbitMQ 3.10.8's text; the connection and its other channels keep working, and nothing of
// the refused message is queued. Against RabbitMQ (WARREN_TEST_URL) the limit is set on the
// reference node with rabbitmqctl eval for the duration of the test (channels read it when opened).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAmqpError, connect, closeQuietly, expectAmqpError, within } from '../support/clients.js';
import type { ChannelModel } from '../support/clients.js';
import { startTestBroker, uniqueName } from '../support/broker.js';
import type { TestBroker } from '../support/broker.js';
import { setRabbitEnv } from '../support/rabbitmqctl.js';

const LIMIT = 4_000_000;

describe('max_message_size', () => {
  let broker: TestBroker;
  let conn: ChannelModel;
  let restore: string | null = null;

  before(async () => {
    broker = await startTestBroker({ maxMessageSize: LIMIT });
    if (broker.external) restore = setRabbitEnv('max_message_size', String(LIMIT));
    conn = await connect(broker.url);
  });
  after(async () => {
    await closeQuietly(conn);
    if (restore !== null) setRabbitEnv('max_message_size', restore);
    await broker.close();
  });

  test('a body of exactly the limit is accepted and delivered whole', async () => {
    const ch = await conn.createConfirmChannel();
    const q = (await ch.assertQueue(uniqueName('maxsize.ok'), { exclusive: true })).queue;
    ch.sendToQueue(q, Buffer.alloc(LIMIT, 0x61));
    await ch.waitForConfirms();
    const m = await ch.get(q, { noAck: true });
    assert.ok(m);
    assert.equal(m.content.length, LIMIT);
    await ch.close();
  });

  test('one byte over the limit: channel closed with 406 and the size in the text; nothing queued', async () => {
    const keep = await conn.createChannel();
    const q = (await keep.assertQueue(uniqueName('maxsize.over'), { exclusive: true })).queue;
    const ch = await conn.createConfirmChannel();
    const closed = new Promise<Error>((resolve) => ch.once('error', resolve));
    ch.sendToQueue(q, Buffer.alloc(LIMIT + 1, 0x62));
    await expectAmqpError(
      closed.then((e) => Promise.reject(e)),
      406,
      `PRECONDITION_FAILED - message size ${LIMIT + 1} is larger than configured max size ${LIMIT}`,
    );
    // The connection and its other channel are unaffected; the refused message went nowhere.
    assert.equal((await keep.checkQueue(q)).messageCount, 0);
    keep.sendToQueue(q, Buffer.from('small'));
    const m = await waitForMessage(keep, q);
    assert.equal(m, 'small');
    await keep.close();
  });
});

describe('max_message_size default', () => {
  test('is 128 MiB: a 128 MiB + 1 byte publish is refused with 406 naming both sizes', async () => {
    const broker = await startTestBroker();
    const conn = await connect(broker.url);
    try {
      const ch = await conn.createChannel();
      const closed = new Promise<Error>((resolve) => ch.once('error', resolve));
      ch.sendToQueue(uniqueName('maxsize.default'), Buffer.alloc(134_217_729));
      // 128 MiB takes a while to frame and send on a busy machine.
      const err = await within(closed, 120_000, 'the channel to be closed');
      assertAmqpError(err, 406, 'PRECONDITION_FAILED - message size 134217729 is larger than configured max size 134217728');
      const other = await conn.createChannel();
      await other.checkExchange('amq.direct');
    } finally {
      await closeQuietly(conn);
      await broker.close();
    }
  });
});

async function waitForMessage(ch: { get(q: string, o: { noAck: boolean }): Promise<false | { content: Buffer }> }, q: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const m = await ch.get(q, { noAck: true });
    if (m) return m.content.toString();
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no message');
}
