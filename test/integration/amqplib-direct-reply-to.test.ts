// Direct reply-to (amq.rabbitmq.reply-to), the RabbitMQ RPC pseudo-queue, driven with amqplib.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsumeMessage, Message } from 'amqplib';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import {
  destroyAllSockets,
  closeQuietly,
  connect,
  consumeInto,
  expectAmqpError,
  getEventually,
  openChannel,
  trackChannel,
  waitFor,
  withConnection,
  type ChannelModel,
} from '../support/clients.js';

const REPLY_TO = 'amq.rabbitmq.reply-to';

/** Fail a test instead of hanging the run if the broker stops answering. */
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

describe('direct reply-to', () => {
  test('a request published with reply_to amq.rabbitmq.reply-to gets a generated reply address, and the reply reaches the requester', LIMIT, async () => {
    const requester = await openChannel(conn);
    try {
      const { inbox, consumerTag } = await consumeInto(requester, REPLY_TO, { noAck: true });
      await withConnection(broker.url, async (other) => {
        const responder = await openChannel(other);
        const serviceQueue = (await responder.assertQueue('', { exclusive: true })).queue;
        requester.sendToQueue(serviceQueue, Buffer.from('ping'), { replyTo: REPLY_TO, correlationId: 'c-1' });
        const req = await getEventually(responder, serviceQueue, { noAck: true });
        const replyTo = req.properties.replyTo as string;
        assert.ok(replyTo.startsWith(`${REPLY_TO}.`), `reply_to is rewritten to a unique address, got ${replyTo}`);
        assert.ok(replyTo.length > REPLY_TO.length + 10);
        assert.equal(req.properties.correlationId, 'c-1');
        responder.sendToQueue(replyTo, Buffer.from('pong'), { correlationId: 'c-1' });
        const [reply] = await inbox.take(1);
        assert.equal(reply.content.toString(), 'pong');
        assert.equal(reply.properties.correlationId, 'c-1');
        assert.equal(reply.fields.consumerTag, consumerTag);
        assert.equal(reply.fields.exchange, '');
        assert.equal(reply.fields.routingKey, replyTo);
        assert.equal(reply.fields.redelivered, false);
        assert.equal(reply.fields.deliveryTag, 1);
      });
    } finally {
      await closeQuietly(requester);
    }
  });

  test('several outstanding requests are answered on the same reply address and matched by correlation id', LIMIT, async () => {
    const requester = await openChannel(conn);
    const responder = await openChannel(conn);
    try {
      const { inbox } = await consumeInto(requester, REPLY_TO, { noAck: true });
      const serviceQueue = (await responder.assertQueue('', { exclusive: true })).queue;
      const replyAddresses = new Set<string>();
      await responder.consume(
        serviceQueue,
        (m: ConsumeMessage | null) => {
          if (!m) return;
          replyAddresses.add(m.properties.replyTo);
          responder.sendToQueue(m.properties.replyTo, Buffer.from(m.content.toString().toUpperCase()), {
            correlationId: m.properties.correlationId,
          });
        },
        { noAck: true },
      );
      for (const word of ['alpha', 'beta', 'gamma']) {
        requester.sendToQueue(serviceQueue, Buffer.from(word), { replyTo: REPLY_TO, correlationId: word });
      }
      const replies = await inbox.take(3);
      assert.deepEqual(
        Object.fromEntries(replies.map((r) => [r.properties.correlationId, r.content.toString()])),
        { alpha: 'ALPHA', beta: 'BETA', gamma: 'GAMMA' },
      );
      assert.equal(replyAddresses.size, 1, 'one reply address per requesting channel');
    } finally {
      await closeQuietly(requester);
      await closeQuietly(responder);
    }
  });

  test('consuming amq.rabbitmq.reply-to in acknowledgement mode fails with 406', LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    await expectAmqpError(ch.consume(REPLY_TO, () => {}), 406, 'PRECONDITION_FAILED - reply consumer cannot acknowledge');
  });

  test('a second reply-to consumer on the same channel fails with 406', LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    await ch.consume(REPLY_TO, () => {}, { noAck: true });
    await expectAmqpError(ch.consume(REPLY_TO, () => {}, { noAck: true }), 406, 'PRECONDITION_FAILED - reply consumer already set');
  });

  test('publishing with reply_to amq.rabbitmq.reply-to without a reply consumer on the channel fails with 406', LIMIT, async () => {
    const { ch, closed } = await trackChannel(conn);
    ch.sendToQueue(uniqueName('q.any'), Buffer.from('x'), { replyTo: REPLY_TO });
    const err = await closed;
    assert.equal(err?.code, 406);
    assert.equal(
      err!.message,
      'Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - fast reply consumer does not exist"',
    );
  });

  test('passive declare of amq.rabbitmq.reply-to succeeds (reporting 0 messages and 1 consumer)', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const ok = await ch.checkQueue(REPLY_TO);
      assert.deepEqual({ ...ok }, { queue: REPLY_TO, messageCount: 0, consumerCount: 1 });
    } finally {
      await closeQuietly(ch);
    }
  });

  test('replies to an unknown, malformed or expired reply address are unroutable (returned if mandatory)', LIMIT, async () => {
    const requester = await openChannel(conn);
    const responder = await openChannel(conn);
    try {
      await requester.consume(REPLY_TO, () => {}, { noAck: true });
      const serviceQueue = (await responder.assertQueue('', { exclusive: true })).queue;
      requester.sendToQueue(serviceQueue, Buffer.from('req'), { replyTo: REPLY_TO });
      const req = await getEventually(responder, serviceQueue, { noAck: true });
      const replyTo = req.properties.replyTo as string;
      const returned: Message[] = [];
      responder.on('return', (m: Message) => returned.push(m));
      responder.sendToQueue(`${REPLY_TO}.garbage`, Buffer.from('x'), { mandatory: true });
      responder.sendToQueue(`${replyTo}x`, Buffer.from('x'), { mandatory: true });
      responder.publish('amq.direct', replyTo, Buffer.from('x'), { mandatory: true });
      await waitFor(() => returned.length === 3, 5000, '3 returns');
      assert.deepEqual(
        returned.map((m) => [(m.fields as unknown as { replyCode: number }).replyCode, m.fields.exchange, m.fields.routingKey]),
        [
          [312, '', `${REPLY_TO}.garbage`],
          [312, '', `${replyTo}x`],
          [312, 'amq.direct', replyTo],
        ],
        'reply addresses are only reachable through the default exchange',
      );
      await requester.close();
      responder.sendToQueue(replyTo, Buffer.from('too late'), { mandatory: true });
      await waitFor(() => returned.length === 4, 5000, 'a return after the requester went away');
      assert.equal(returned[3].fields.routingKey, replyTo);
    } finally {
      await closeQuietly(requester);
      await closeQuietly(responder);
    }
  });
});
