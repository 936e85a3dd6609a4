// Consumer timeout (consumer_timeout / x-consumer-timeout): a delivery left unacknowledged longer
// than the timeout closes its channel with 406 and the message is requeued (redelivered) for other
// consumers. The reply text was recorded from RabbitMQ 3.10.8 (consumer_timeout 2000 ms). RabbitMQ
// 3.10.8 ignores x-consumer-timeout (per-queue timeouts arrived in 3.12); Warren honours it.
// In-process only: the broker needs a small consumerTimeout.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import {
  assertAmqpError, closeQuietly, connect, consumeInto, destroyAllSockets, openChannel, sleep, trackChannel, within,
  type ChannelModel,
} from '../support/clients.js';
import { parseRabbitmqConf } from '../../src/config/rabbitmq-conf.js';

const LIMIT = { timeout: 20_000 };
const skip = process.env.WARREN_TEST_URL ? 'needs an in-process broker with a small consumer timeout' : false;

const text = (ch: number, ms: number) =>
  `PRECONDITION_FAILED - delivery acknowledgement on channel ${ch} timed out. Timeout value used: ${ms} ms. ` +
  'This timeout value can be configured, see consumers doc guide to learn more';

describe('consumer timeout', { skip }, () => {
  let broker: TestBroker;
  let conn: ChannelModel;

  before(async () => {
    broker = await startTestBroker({ consumerTimeout: 500 });
    conn = await connect(broker.url);
  }, LIMIT);

  after(async () => {
    await closeQuietly(conn);
    await broker.close();
    destroyAllSockets();
  }, LIMIT);

  test('an unacknowledged delivery closes the channel with 406; the message is redelivered elsewhere', LIMIT, async () => {
    const admin = await openChannel(conn);
    const q = uniqueName('ct');
    await admin.assertQueue(q, { autoDelete: false });
    const { ch, closed } = await trackChannel(conn);
    const { inbox } = await consumeInto(ch, q);
    admin.sendToQueue(q, Buffer.from('slow'));
    await inbox.take(1);
    const t0 = Date.now();
    const err = await within(closed, 3000, 'channel close');
    const elapsed = Date.now() - t0;
    assertAmqpError(err, 406, text((ch as unknown as { ch: number }).ch, 500));
    assert.ok(elapsed >= 400 && elapsed < 1500, `closed after ${elapsed} ms`);
    const other = await openChannel(conn);
    const second = await consumeInto(other, q, { noAck: true });
    await second.inbox.take(1);
    assert.equal(second.inbox.messages[0].content.toString(), 'slow');
    assert.equal(second.inbox.messages[0].fields.redelivered, true);
    await admin.deleteQueue(q);
  });

  test('acknowledged in time: the channel stays open', LIMIT, async () => {
    const q = uniqueName('ct-ok');
    const { ch, errors } = await trackChannel(conn);
    await ch.assertQueue(q, { exclusive: true });
    const { inbox } = await consumeInto(ch, q);
    for (let i = 0; i < 5; i++) {
      ch.sendToQueue(q, Buffer.from(String(i)));
      await inbox.take(i + 1);
      await sleep(200);
      ch.ack(inbox.messages[i]);
    }
    await sleep(700);
    assert.deepEqual(errors, []);
    await ch.checkQueue(q);
    await ch.close();
  });

  test('x-consumer-timeout overrides the broker default per queue', LIMIT, async () => {
    const admin = await openChannel(conn);
    const long = uniqueName('ct-long');
    const short = uniqueName('ct-short');
    await admin.assertQueue(long, { autoDelete: false, arguments: { 'x-consumer-timeout': 60_000 } });
    await admin.assertQueue(short, { autoDelete: false, arguments: { 'x-consumer-timeout': 200 } });

    // A long per-queue timeout outlives the broker's 500 ms.
    const a = await trackChannel(conn);
    const ia = await consumeInto(a.ch, long);
    admin.sendToQueue(long, Buffer.from('a'));
    await ia.inbox.take(1);
    await sleep(900);
    assert.deepEqual(a.errors, []);
    a.ch.ack(ia.inbox.messages[0]);

    // A short one fires sooner than the default, with its own value in the text.
    const b = await trackChannel(conn);
    const ib = await consumeInto(b.ch, short);
    admin.sendToQueue(short, Buffer.from('b'));
    await ib.inbox.take(1);
    const t0 = Date.now();
    const err = await within(b.closed, 3000, 'channel close');
    assert.ok(Date.now() - t0 < 450, `closed after ${Date.now() - t0} ms`);
    assertAmqpError(err, 406, text((b.ch as unknown as { ch: number }).ch, 200));
    const got = await admin.get(short, { noAck: true });
    assert.ok(got && got.fields.redelivered);
    await a.ch.close();
    await admin.deleteQueue(long);
    await admin.deleteQueue(short);
  });

  test('basic.get deliveries left unacknowledged time out too', LIMIT, async () => {
    const admin = await openChannel(conn);
    const q = uniqueName('ct-get');
    await admin.assertQueue(q, { autoDelete: false });
    admin.sendToQueue(q, Buffer.from('g'));
    await sleep(50);
    const { ch, closed } = await trackChannel(conn);
    assert.ok(await ch.get(q));
    const err = await within(closed, 3000, 'channel close');
    assertAmqpError(err, 406, text((ch as unknown as { ch: number }).ch, 500));
    await admin.deleteQueue(q);
  });
});

test('consumer_timeout in rabbitmq.conf', () => {
  assert.equal(parseRabbitmqConf('consumer_timeout = 2000').options.consumerTimeout, 2000);
  assert.throws(() => parseRabbitmqConf('consumer_timeout = soon'), /consumer_timeout/);
});
