// Single active consumer: which consumer is active and who takes over, for classic and quorum
// queues (they differ in RabbitMQ 3.10: classic queues hand over to the highest-priority waiting
// consumer, quorum queues to the one waiting longest; neither lets a newcomer take over), that
// the others get nothing even while the active one is at its prefetch limit, and that exclusive
// consumers are refused. Expected values recorded against RabbitMQ 3.10.8.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import {
  closeQuietly,
  connect,
  consumeInto,
  destroyAllSockets,
  expectAmqpError,
  openChannel,
  openConfirmChannel,
  sleep,
  type Channel,
  type ChannelModel,
  type Inbox,
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

const SAC = { 'x-single-active-consumer': true };

for (const type of ['classic', 'quorum'] as const) {
  describe(`single active consumer (${type})`, () => {
    test('the first consumer is active; on cancel the next one takes over', LIMIT, async () => {
      const admin = await openConfirmChannel(conn);
      const q = uniqueName(`q.sac.${type}`);
      const channels: Channel[] = [];
      try {
        await admin.assertQueue(q, { durable: type === 'quorum', arguments: { ...SAC, 'x-queue-type': type } });
        const consumers: Record<string, { inbox: Inbox; tag: string; ch: Channel }> = {};
        for (const [name, priority] of [['A', 0], ['B', 10], ['C', 5], ['D', 10]] as const) {
          const ch = await openChannel(conn);
          channels.push(ch);
          const { inbox, consumerTag } = await consumeInto(ch, q, { noAck: true, arguments: { 'x-priority': priority } });
          consumers[name] = { inbox, tag: consumerTag, ch };
        }
        const who = async (label: string): Promise<string> => {
          for (let i = 0; i < 2; i++) admin.sendToQueue(q, Buffer.from(label + i));
          await admin.waitForConfirms();
          await sleep(100);
          const got = Object.entries(consumers).filter(([, c]) => c.inbox.messages.some((m) => m.content.toString().startsWith(label)));
          assert.equal(got.length, 1, `exactly one consumer gets round ${label}`);
          assert.equal(got[0][1].inbox.messages.filter((m) => m.content.toString().startsWith(label)).length, 2);
          return got[0][0];
        };
        assert.equal(await who('r1'), 'A', 'the first consumer, whatever the priorities');
        await consumers.A.ch.cancel(consumers.A.tag);
        assert.equal(await who('r2'), 'B');
        await consumers.B.ch.cancel(consumers.B.tag);
        // Classic: highest priority waiting (D, 10); quorum: longest waiting (C).
        const third = await who('r3');
        assert.equal(third, type === 'classic' ? 'D' : 'C');
        const e = await openChannel(conn);
        channels.push(e);
        const newcomer = await consumeInto(e, q, { noAck: true, arguments: { 'x-priority': 20 } });
        assert.equal(await who('r4'), third, 'a higher-priority newcomer does not take over');
        assert.equal(newcomer.inbox.messages.length, 0);
      } finally {
        for (const ch of channels) await closeQuietly(ch);
        await admin.deleteQueue(q).catch(() => {});
        await closeQuietly(admin);
      }
    });

    test('the others get nothing while the active consumer is at its prefetch limit', LIMIT, async () => {
      const admin = await openConfirmChannel(conn);
      const q = uniqueName(`q.sac.prefetch.${type}`);
      const a = await openChannel(conn);
      const b = await openChannel(conn);
      try {
        await admin.assertQueue(q, { durable: type === 'quorum', arguments: { ...SAC, 'x-queue-type': type } });
        await a.prefetch(1);
        const first = await consumeInto(a, q);
        const second = await consumeInto(b, q);
        for (let i = 0; i < 3; i++) admin.sendToQueue(q, Buffer.from(`m${i}`));
        await admin.waitForConfirms();
        await first.inbox.take(1);
        await sleep(100);
        assert.equal(first.inbox.messages.length, 1);
        assert.equal(second.inbox.messages.length, 0);
        a.ack(first.inbox.messages[0]);
        await first.inbox.take(2);
        assert.equal(second.inbox.messages.length, 0);
        // Closing the active consumer's channel hands its unacked message and the rest to the next.
        await a.close();
        const got = await second.inbox.take(2);
        assert.deepEqual(got.map((m) => m.content.toString()), ['m1', 'm2']);
      } finally {
        await closeQuietly(a);
        await closeQuietly(b);
        await admin.deleteQueue(q).catch(() => {});
        await closeQuietly(admin);
      }
    });
  });
}

test('an exclusive consumer is refused on a single-active-consumer queue', LIMIT, async () => {
  const ch = await openChannel(conn);
  const q = (await ch.assertQueue('', { exclusive: true, arguments: SAC })).queue;
  await expectAmqpError(ch.consume(q, () => {}, { exclusive: true }), 403, `ACCESS_REFUSED - queue '${q}' in vhost '/' in exclusive use`);
});
