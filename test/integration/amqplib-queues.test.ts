// Queue declaration, equivalence, exclusivity, auto-delete, bind/unbind, purge and delete,
// driven with amqplib.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import {
  destroyAllSockets,
  closeQuietly,
  connect,
  consumeInto,
  expectAmqpError,
  openChannel,
  openConfirmChannel,
  trackChannel,
  waitFor,
  waitForMessageCount,
  withConnection,
  type ChannelModel,
} from '../support/clients.js';

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

const LOCKED = (q: string) =>
  `RESOURCE_LOCKED - cannot obtain exclusive access to locked queue '${q}' in vhost '/'. ` +
  'It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.';

/** Asserts (from a throwaway channel) that `queue` no longer exists. */
async function assertQueueGone(queue: string): Promise<void> {
  const { ch } = await trackChannel(conn);
  await expectAmqpError(ch.checkQueue(queue), 404, `NOT_FOUND - no queue '${queue}' in vhost '/'`);
}

/** Polls until `queue` no longer exists. */
async function waitQueueGone(queue: string): Promise<void> {
  await waitFor(
    async () => {
      const { ch, closed } = await trackChannel(conn);
      try {
        await ch.checkQueue(queue);
        await ch.close();
        return false;
      } catch {
        const err = await closed;
        return err?.code === 404;
      }
    },
    5000,
    `queue ${queue} to be deleted`,
  );
}

describe('queue.declare', () => {
  test("a server-named queue gets a name like 'amq.gen-' followed by 22 url-safe base64 characters", LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const a = await ch.assertQueue('', { exclusive: true });
      const b = await ch.assertQueue('', { exclusive: true });
      assert.match(a.queue, /^amq\.gen-[A-Za-z0-9_-]{22}$/);
      assert.match(b.queue, /^amq\.gen-[A-Za-z0-9_-]{22}$/);
      assert.notEqual(a.queue, b.queue);
      assert.equal(a.messageCount, 0);
      assert.equal(a.consumerCount, 0);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('declare-ok echoes the queue name and reports zero counts for a new queue', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const name = uniqueName('q.new');
      const ok = await ch.assertQueue(name, { exclusive: true });
      assert.deepEqual({ ...ok }, { queue: name, messageCount: 0, consumerCount: 0 });
    } finally {
      await closeQuietly(ch);
    }
  });

  test('declare-ok reports ready messages (not unacknowledged ones) and consumers', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const name = uniqueName('q.counts');
      await ch.assertQueue(name, { exclusive: true });
      for (let i = 0; i < 5; i++) ch.sendToQueue(name, Buffer.from(`m${i}`));
      await waitForMessageCount(ch, name, 5);
      const consumerCh = await openChannel(conn);
      await consumerCh.prefetch(2);
      const { inbox } = await consumeInto(consumerCh, name);
      await inbox.take(2);
      await waitFor(async () => (await ch.checkQueue(name)).messageCount === 3, 5000, '3 ready messages');
      const ok = await ch.assertQueue(name, { exclusive: true });
      assert.equal(ok.messageCount, 3, 'the 2 unacked deliveries are not counted');
      assert.equal(ok.consumerCount, 1);
      const passive = await ch.checkQueue(name);
      assert.equal(passive.messageCount, 3);
      assert.equal(passive.consumerCount, 1);
      await consumerCh.close();
      await waitFor(async () => (await ch.checkQueue(name)).messageCount === 5, 5000, 'unacked messages returned');
      assert.equal((await ch.checkQueue(name)).consumerCount, 0);
    } finally {
      await closeQuietly(ch);
    }
  });

  test("passive declare of a missing queue closes the channel with 404 NOT_FOUND - no queue 'x' in vhost '/'", LIMIT, async () => {
    const { ch, closed } = await trackChannel(conn);
    const name = uniqueName('q.missing');
    const err = await expectAmqpError(ch.checkQueue(name), 404, `NOT_FOUND - no queue '${name}' in vhost '/'`);
    assert.equal(err.classId, 50, 'class queue');
    assert.equal(err.methodId, 10, 'method declare');
    assert.equal((await closed)?.code, 404);
  });

  test('redeclaring with a different durable flag fails with 406 inequivalent arg durable', LIMIT, async () => {
    const ch = await openChannel(conn);
    const name = uniqueName('q.durable');
    await ch.assertQueue(name, { durable: false });
    const { ch: ch2 } = await trackChannel(conn);
    await expectAmqpError(
      ch2.assertQueue(name, { durable: true }),
      406,
      `PRECONDITION_FAILED - inequivalent arg 'durable' for queue '${name}' in vhost '/': received 'true' but current is 'false'`,
    );
    await ch.deleteQueue(name);
    await closeQuietly(ch);
  });

  test('redeclaring with a different auto_delete flag fails with 406 inequivalent arg auto_delete', LIMIT, async () => {
    const ch = await openChannel(conn);
    const name = uniqueName('q.ad');
    await ch.assertQueue(name, { durable: false, autoDelete: false });
    const { ch: ch2 } = await trackChannel(conn);
    await expectAmqpError(
      ch2.assertQueue(name, { durable: false, autoDelete: true }),
      406,
      `PRECONDITION_FAILED - inequivalent arg 'auto_delete' for queue '${name}' in vhost '/': received 'true' but current is 'false'`,
    );
    await ch.deleteQueue(name);
    await closeQuietly(ch);
  });

  test('redeclaring with a different x-message-ttl value fails with 406 naming both values', LIMIT, async () => {
    const ch = await openChannel(conn);
    const name = uniqueName('q.ttl');
    await ch.assertQueue(name, { durable: false, messageTtl: 1000 });
    const { ch: ch2 } = await trackChannel(conn);
    await expectAmqpError(
      ch2.assertQueue(name, { durable: false, messageTtl: 2000 }),
      406,
      `PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue '${name}' in vhost '/': received '2000' but current is '1000'`,
    );
    await ch.deleteQueue(name);
    await closeQuietly(ch);
  });

  test('redeclaring without an x-argument the queue has fails with 406 "received none but current is the value ... of type ..."', LIMIT, async () => {
    const ch = await openChannel(conn);
    const name = uniqueName('q.ttl');
    await ch.assertQueue(name, { durable: false, messageTtl: 1000 });
    const { ch: ch2 } = await trackChannel(conn);
    // amqplib encodes 1000 as a 16-bit signed integer, AMQP type 'short'
    await expectAmqpError(
      ch2.assertQueue(name, { durable: false }),
      406,
      `PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue '${name}' in vhost '/': received none but current is the value '1000' of type 'short'`,
    );
    await ch.deleteQueue(name);
    await closeQuietly(ch);
  });

  test('redeclaring with an x-argument the queue lacks fails with 406 "received the value ... of type ... but current is none"', LIMIT, async () => {
    const ch = await openChannel(conn);
    const name = uniqueName('q.maxlen');
    await ch.assertQueue(name, { durable: false });
    const { ch: ch2 } = await trackChannel(conn);
    // amqplib encodes 5 as an 8-bit signed integer, AMQP type 'byte'
    await expectAmqpError(
      ch2.assertQueue(name, { durable: false, maxLength: 5 }),
      406,
      `PRECONDITION_FAILED - inequivalent arg 'x-max-length' for queue '${name}' in vhost '/': received the value '5' of type 'byte' but current is none`,
    );
    await ch.deleteQueue(name);
    await closeQuietly(ch);
  });

  test('numeric x-arguments are equivalent across integer widths', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const name = uniqueName('q.width');
      await ch.assertQueue(name, { durable: false, arguments: { 'x-message-ttl': 1000 } });
      await ch.assertQueue(name, { durable: false, arguments: { 'x-message-ttl': { '!': 'long', value: 1000 } } });
      await ch.assertQueue(name, { durable: false, arguments: { 'x-message-ttl': { '!': 'int', value: 1000 } } });
      await ch.deleteQueue(name);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('unknown x-arguments are accepted and not checked for equivalence', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const name = uniqueName('q.custom');
      await ch.assertQueue(name, { durable: false, arguments: { 'x-custom': 'a' } });
      await ch.assertQueue(name, { durable: false, arguments: { 'x-custom': 'b' } });
      await ch.assertQueue(name, { durable: false });
      await ch.deleteQueue(name);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('passive declare ignores the other flags and arguments', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const name = uniqueName('q.passive');
      await ch.assertQueue(name, { durable: false, messageTtl: 1000 });
      const ok = await ch.checkQueue(name);
      assert.equal(ok.queue, name);
      await ch.deleteQueue(name);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('invalid x-argument values are rejected with 406 invalid arg', LIMIT, async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ 'x-message-ttl': -1 }, 'x-message-ttl', '{value_negative,-1}'],
      [{ 'x-expires': 0 }, 'x-expires', '{value_zero,0}'],
      [{ 'x-max-length': 'abc' }, 'x-max-length', '"expected integer, got longstr"'],
      [{ 'x-max-priority': 300 }, 'x-max-priority', '{max_value_exceeded,300}'],
      [{ 'x-overflow': 'abc' }, 'x-overflow', 'invalid_overflow'],
    ];
    for (const [args, key, detail] of cases) {
      const { ch } = await trackChannel(conn);
      const name = uniqueName('q.invalid');
      await expectAmqpError(
        ch.assertQueue(name, { durable: false, arguments: args }),
        406,
        `PRECONDITION_FAILED - invalid arg '${key}' for queue '${name}' in vhost '/': ${detail}`,
      );
    }
  });

  test("declaring a queue whose name starts with 'amq.' is refused with 403", LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    const name = `amq.${uniqueName('q')}`;
    await expectAmqpError(ch.assertQueue(name, { durable: false }), 403, `ACCESS_REFUSED - queue name '${name}' contains reserved prefix 'amq.*'`);
  });

  test("passive declare of a missing 'amq.' queue is a plain 404", LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    const name = `amq.${uniqueName('q')}`;
    await expectAmqpError(ch.checkQueue(name), 404, `NOT_FOUND - no queue '${name}' in vhost '/'`);
  });

  test('a non-durable quorum queue is rejected with 406 invalid property non-durable', LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    const name = uniqueName('q.quorum');
    await expectAmqpError(
      ch.assertQueue(name, { durable: false, arguments: { 'x-queue-type': 'quorum' } }),
      406,
      `PRECONDITION_FAILED - invalid property 'non-durable' for queue '${name}' in vhost '/'`,
    );
  });

  test('an exclusive quorum queue is rejected with 406 invalid property exclusive-owner', LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    const name = uniqueName('q.quorum');
    await expectAmqpError(
      ch.assertQueue(name, { durable: true, exclusive: true, arguments: { 'x-queue-type': 'quorum' } }),
      406,
      `PRECONDITION_FAILED - invalid property 'exclusive-owner' for queue '${name}' in vhost '/'`,
    );
  });

  test('an auto-delete quorum queue is rejected with 406 invalid property auto-delete', LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    const name = uniqueName('q.quorum');
    await expectAmqpError(
      ch.assertQueue(name, { durable: true, autoDelete: true, arguments: { 'x-queue-type': 'quorum' } }),
      406,
      `PRECONDITION_FAILED - invalid property 'auto-delete' for queue '${name}' in vhost '/'`,
    );
  });

  test('an unknown x-queue-type is rejected with 406', LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    const name = uniqueName('q.type');
    await expectAmqpError(
      ch.assertQueue(name, { durable: true, arguments: { 'x-queue-type': 'foo' } }),
      406,
      `PRECONDITION_FAILED - invalid arg 'x-queue-type' for queue '${name}' in vhost '/': "unsupported queue type 'foo'"`,
    );
  });

  test("x-queue-type 'classic' is accepted", LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const name = uniqueName('q.classic');
      await ch.assertQueue(name, { durable: false, exclusive: true, arguments: { 'x-queue-type': 'classic' } });
      await ch.checkQueue(name);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a durable queue can be declared, redeclared and deleted', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const name = uniqueName('q.durable');
      await ch.assertQueue(name, { durable: true });
      await ch.assertQueue(name, { durable: true });
      assert.equal((await ch.deleteQueue(name)).messageCount, 0);
    } finally {
      await closeQuietly(ch);
    }
  });
});

describe('exclusive queues', () => {
  test('an exclusive queue is usable by every channel of its own connection', LIMIT, async () => {
    const ch1 = await openChannel(conn);
    const ch2 = await openChannel(conn);
    try {
      const name = uniqueName('q.excl');
      await ch1.assertQueue(name, { exclusive: true });
      await ch2.assertQueue(name, { exclusive: true });
      ch2.sendToQueue(name, Buffer.from('x'));
      await waitForMessageCount(ch1, name, 1);
      assert.ok(await ch1.get(name, { noAck: true }));
      await ch2.deleteQueue(name);
    } finally {
      await closeQuietly(ch1);
      await closeQuietly(ch2);
    }
  });

  test('redeclaring an exclusive queue as non-exclusive on the owning connection fails with 405 RESOURCE_LOCKED', LIMIT, async () => {
    const ch = await openChannel(conn);
    const name = uniqueName('q.excl');
    await ch.assertQueue(name, { exclusive: true });
    const { ch: ch2 } = await trackChannel(conn);
    await expectAmqpError(ch2.assertQueue(name, { exclusive: false }), 405, LOCKED(name));
    await ch.deleteQueue(name);
    await closeQuietly(ch);
  });

  test('redeclaring a non-exclusive queue as exclusive fails with 405 RESOURCE_LOCKED', LIMIT, async () => {
    const ch = await openChannel(conn);
    const name = uniqueName('q.shared');
    await ch.assertQueue(name, { durable: false });
    const { ch: ch2 } = await trackChannel(conn);
    await expectAmqpError(ch2.assertQueue(name, { durable: false, exclusive: true }), 405, LOCKED(name));
    await ch.deleteQueue(name);
    await closeQuietly(ch);
  });

  test('other connections get 405 RESOURCE_LOCKED for declare, passive declare, consume, get, bind, purge and delete', LIMIT, async () => {
    const owner = await openChannel(conn);
    const name = uniqueName('q.locked');
    await owner.assertQueue(name, { exclusive: true });
    await withConnection(broker.url, async (other) => {
      const attempts: Array<[string, (ch: Awaited<ReturnType<typeof trackChannel>>['ch']) => Promise<unknown>]> = [
        ['declare', (ch) => ch.assertQueue(name, { exclusive: true })],
        ['declare non-exclusive', (ch) => ch.assertQueue(name, { exclusive: false })],
        ['passive declare', (ch) => ch.checkQueue(name)],
        ['consume', (ch) => ch.consume(name, () => {})],
        ['get', (ch) => ch.get(name)],
        ['bind', (ch) => ch.bindQueue(name, 'amq.direct', 'k')],
        ['purge', (ch) => ch.purgeQueue(name)],
        ['delete', (ch) => ch.deleteQueue(name)],
      ];
      for (const [what, op] of attempts) {
        const { ch } = await trackChannel(other);
        await expectAmqpError(op(ch), 405, LOCKED(name)).catch((e: Error) => {
          throw new Error(`${what}: ${e.message}`);
        });
      }
    });
    await owner.checkQueue(name);
    await closeQuietly(owner);
  });

  test('other connections may still publish to an exclusive queue', LIMIT, async () => {
    const owner = await openChannel(conn);
    try {
      const name = uniqueName('q.locked');
      await owner.assertQueue(name, { exclusive: true });
      await withConnection(broker.url, async (other) => {
        const ch = await openConfirmChannel(other);
        ch.sendToQueue(name, Buffer.from('from another connection'));
        await ch.waitForConfirms();
      });
      const got = await owner.get(name, { noAck: true });
      assert.ok(got);
      assert.equal(got.content.toString(), 'from another connection');
    } finally {
      await closeQuietly(owner);
    }
  });

  test('an exclusive queue is deleted when its connection closes', LIMIT, async () => {
    const name = uniqueName('q.excl.gone');
    await withConnection(broker.url, async (c) => {
      const ch = await openChannel(c);
      await ch.assertQueue(name, { exclusive: true });
      ch.sendToQueue(name, Buffer.from('x'));
    });
    await waitQueueGone(name);
  });

  test('an exclusive queue survives the closing of the channel that declared it', LIMIT, async () => {
    const ch = await openChannel(conn);
    const name = uniqueName('q.excl.stay');
    await ch.assertQueue(name, { exclusive: true });
    await ch.close();
    const ch2 = await openChannel(conn);
    await ch2.checkQueue(name);
    await ch2.deleteQueue(name);
    await closeQuietly(ch2);
  });
});

describe('auto-delete queues', () => {
  test('an auto-delete queue is deleted when its last consumer is cancelled', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const name = uniqueName('q.autodel');
      await ch.assertQueue(name, { durable: false, autoDelete: true });
      const a = await ch.consume(name, () => {});
      const b = await ch.consume(name, () => {});
      await ch.cancel(a.consumerTag);
      assert.equal((await ch.checkQueue(name)).consumerCount, 1, 'still one consumer left');
      await ch.cancel(b.consumerTag);
      await waitQueueGone(name);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('an auto-delete queue is deleted when the channel of its last consumer closes', LIMIT, async () => {
    const name = uniqueName('q.autodel.ch');
    const ch = await openChannel(conn);
    await ch.assertQueue(name, { durable: false, autoDelete: true });
    await ch.consume(name, () => {});
    await ch.close();
    await waitQueueGone(name);
  });

  test('an auto-delete queue that never had a consumer is not deleted', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const name = uniqueName('q.autodel.never');
      await ch.assertQueue(name, { durable: false, autoDelete: true });
      ch.sendToQueue(name, Buffer.from('x'));
      assert.ok(await ch.get(name, { noAck: true }), 'basic.get is not a consumer');
      await ch.checkQueue(name);
      await ch.deleteQueue(name);
    } finally {
      await closeQuietly(ch);
    }
  });
});

describe('queue.bind / queue.unbind', () => {
  test('bind routes matching messages into the queue; unbind stops it', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const x = uniqueName('x.bind');
      await ch.assertExchange(x, 'direct', { durable: false });
      const q = (await ch.assertQueue('', { exclusive: true })).queue;
      await ch.bindQueue(q, x, 'k1');
      ch.publish(x, 'k1', Buffer.from('one'));
      ch.publish(x, 'k2', Buffer.from('two'));
      await ch.waitForConfirms();
      assert.equal((await ch.checkQueue(q)).messageCount, 1);
      await ch.unbindQueue(q, x, 'k1');
      ch.publish(x, 'k1', Buffer.from('three'));
      await ch.waitForConfirms();
      assert.equal((await ch.checkQueue(q)).messageCount, 1);
      await ch.deleteExchange(x);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('bindings are removed when the queue is deleted', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const x = uniqueName('x.bind');
      await ch.assertExchange(x, 'fanout', { durable: false });
      const name = uniqueName('q.bound');
      await ch.assertQueue(name, { durable: false });
      await ch.bindQueue(name, x, '');
      await ch.deleteQueue(name);
      // Re-creating the queue does not resurrect the binding.
      await ch.assertQueue(name, { durable: false });
      ch.publish(x, '', Buffer.from('x'));
      await ch.waitForConfirms();
      assert.equal((await ch.checkQueue(name)).messageCount, 0);
      // And with no bindings left the exchange counts as unused.
      await ch.deleteExchange(x, { ifUnused: true });
      await ch.deleteQueue(name);
    } finally {
      await closeQuietly(ch);
    }
  });
});

describe('queue.purge and queue.delete', () => {
  test('purge removes ready messages and returns how many it removed; unacked messages are kept', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = (await ch.assertQueue('', { exclusive: true })).queue;
      for (let i = 0; i < 4; i++) ch.sendToQueue(q, Buffer.from(`m${i}`));
      await waitForMessageCount(ch, q, 4);
      const held = await ch.get(q);
      assert.ok(held);
      const purged = await ch.purgeQueue(q);
      assert.equal(purged.messageCount, 3);
      assert.equal((await ch.purgeQueue(q)).messageCount, 0);
      ch.nack(held, false, true);
      await waitForMessageCount(ch, q, 1);
      const again = await ch.get(q, { noAck: true });
      assert.ok(again);
      assert.equal(again.content.toString(), 'm0');
      assert.equal(again.fields.redelivered, true);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('purging a missing queue fails with 404', LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    const name = uniqueName('q.missing');
    await expectAmqpError(ch.purgeQueue(name), 404, `NOT_FOUND - no queue '${name}' in vhost '/'`);
  });

  test('delete returns the number of ready messages deleted', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const name = uniqueName('q.del');
      await ch.assertQueue(name, { durable: false });
      for (let i = 0; i < 3; i++) ch.sendToQueue(name, Buffer.from(`m${i}`));
      await waitForMessageCount(ch, name, 3);
      const ok = await ch.deleteQueue(name);
      assert.equal(ok.messageCount, 3);
      await assertQueueGone(name);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('deleting a missing queue succeeds with a message count of 0', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const ok = await ch.deleteQueue(uniqueName('q.never'));
      assert.equal(ok.messageCount, 0);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('delete with if-unused fails with 406 while the queue has consumers', LIMIT, async () => {
    const ch = await openChannel(conn);
    const name = uniqueName('q.inuse');
    await ch.assertQueue(name, { durable: false });
    const { consumerTag } = await ch.consume(name, () => {});
    const { ch: ch2 } = await trackChannel(conn);
    await expectAmqpError(ch2.deleteQueue(name, { ifUnused: true }), 406, `PRECONDITION_FAILED - queue '${name}' in vhost '/' in use`);
    await ch.cancel(consumerTag);
    await ch.deleteQueue(name, { ifUnused: true });
    await closeQuietly(ch);
  });

  test('delete with if-empty fails with 406 while the queue has messages', LIMIT, async () => {
    const ch = await openChannel(conn);
    const name = uniqueName('q.notempty');
    await ch.assertQueue(name, { durable: false });
    ch.sendToQueue(name, Buffer.from('x'));
    await waitForMessageCount(ch, name, 1);
    const { ch: ch2 } = await trackChannel(conn);
    await expectAmqpError(ch2.deleteQueue(name, { ifEmpty: true }), 406, `PRECONDITION_FAILED - queue '${name}' in vhost '/' not empty`);
    await ch.purgeQueue(name);
    assert.equal((await ch.deleteQueue(name, { ifEmpty: true })).messageCount, 0);
    await closeQuietly(ch);
  });

  test('deleting a queue with a consumer cancels the consumer', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const name = uniqueName('q.cancelled');
      await ch.assertQueue(name, { durable: false });
      const { inbox } = await consumeInto(ch, name);
      const other = await openChannel(conn);
      await other.deleteQueue(name);
      await other.close();
      await inbox.waitCancelled();
    } finally {
      await closeQuietly(ch);
    }
  });
});

describe("the empty queue name means the channel's last declared queue", () => {
  test("without a queue declared on the channel, '' fails with 404 NOT_FOUND - no previously declared queue", LIMIT, async () => {
    const ops: Array<[string, (ch: Awaited<ReturnType<typeof trackChannel>>['ch']) => Promise<unknown>, number, number]> = [
      ['basic.get', (ch) => ch.get(''), 60, 70],
      ['basic.consume', (ch) => ch.consume('', () => {}), 60, 20],
      ['queue.purge', (ch) => ch.purgeQueue(''), 50, 30],
      ['queue.bind', (ch) => ch.bindQueue('', 'amq.direct', 'k'), 50, 20],
      ['queue.delete', (ch) => ch.deleteQueue(''), 50, 40],
    ];
    for (const [name, op, classId, methodId] of ops) {
      const { ch } = await trackChannel(conn);
      const err = await expectAmqpError(op(ch), 404, 'NOT_FOUND - no previously declared queue');
      assert.deepEqual([err.classId, err.methodId], [classId, methodId], name);
    }
  });

  test("a passive declare of '' is a plain 404 for the queue named ''", LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    await ch.assertQueue('', { exclusive: true });
    await expectAmqpError(ch.checkQueue(''), 404, "NOT_FOUND - no queue '' in vhost '/'");
  });

  test("after a declare, '' works for get, purge, consume and delete, and bind with '' and an empty routing key uses the queue name as key", LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const q = (await ch.assertQueue('', { exclusive: true })).queue;
      ch.sendToQueue(q, Buffer.from('one'));
      await ch.waitForConfirms();
      const got = await ch.get('', { noAck: true });
      assert.ok(got);
      assert.equal(got.fields.routingKey, q);
      await ch.bindQueue('', 'amq.direct', '');
      ch.publish('amq.direct', q, Buffer.from('via amq.direct'));
      await ch.waitForConfirms();
      assert.equal((await ch.purgeQueue('')).messageCount, 1);
      const { consumerTag } = await ch.consume('', () => {});
      assert.equal((await ch.checkQueue(q)).consumerCount, 1);
      await ch.cancel(consumerTag);
      await ch.unbindQueue('', 'amq.direct', '');
      assert.equal((await ch.deleteQueue('')).messageCount, 0);
      await assertQueueGone(q);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('the last declared queue is remembered per channel', LIMIT, async () => {
    const ch1 = await openChannel(conn);
    try {
      await ch1.assertQueue('', { exclusive: true });
      const { ch: ch2 } = await trackChannel(conn);
      await expectAmqpError(ch2.get(''), 404, 'NOT_FOUND - no previously declared queue');
      assert.equal(await ch1.get(''), false);
    } finally {
      await closeQuietly(ch1);
    }
  });
});
