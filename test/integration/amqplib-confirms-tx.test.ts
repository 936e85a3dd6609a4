// Publisher confirms (confirm.select) and transactions (tx.*), driven with amqplib.
// amqplib has no tx API, so tx methods are sent through its generic channel RPC.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { GetMessage, Message } from 'amqplib';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import {
  destroyAllSockets,
  closeQuietly,
  connect,
  expectAmqpError,
  getEventually,
  openChannel,
  openConfirmChannel,
  sleep,
  trackChannel,
  waitFor,
  waitForMessageCount,
  within,
  type Channel,
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

// AMQP method ids: (class << 16) | method
const TX_SELECT = (90 << 16) | 10;
const TX_SELECT_OK = (90 << 16) | 11;
const TX_COMMIT = (90 << 16) | 20;
const TX_COMMIT_OK = (90 << 16) | 21;
const TX_ROLLBACK = (90 << 16) | 30;
const TX_ROLLBACK_OK = (90 << 16) | 31;
const CONFIRM_SELECT = (85 << 16) | 10;
const CONFIRM_SELECT_OK = (85 << 16) | 11;

type Rpc = { rpc(method: number, fields: object, expect: number): Promise<unknown> };
const rpc = (ch: Channel, method: number, expect: number, fields: object = {}) => (ch as unknown as Rpc).rpc(method, fields, expect);
const txSelect = (ch: Channel) => rpc(ch, TX_SELECT, TX_SELECT_OK);
const txCommit = (ch: Channel) => rpc(ch, TX_COMMIT, TX_COMMIT_OK);
const txRollback = (ch: Channel) => rpc(ch, TX_ROLLBACK, TX_ROLLBACK_OK);
const confirmSelect = (ch: Channel) => rpc(ch, CONFIRM_SELECT, CONFIRM_SELECT_OK, { nowait: false });

async function tempQueue(ch: Channel, options: Parameters<Channel['assertQueue']>[1] = {}): Promise<string> {
  return (await ch.assertQueue('', { exclusive: true, ...options })).queue;
}

/** Publishes on a confirm channel and resolves with 'ack' or 'nack' for that message. */
function publishConfirmed(ch: import('amqplib').ConfirmChannel, exchange: string, key: string, body: string, options = {}): Promise<'ack' | 'nack'> {
  return new Promise((resolve) => {
    ch.publish(exchange, key, Buffer.from(body), options, (err) => resolve(err ? 'nack' : 'ack'));
  });
}

describe('publisher confirms', () => {
  test('every publish on a confirm channel is acked, with delivery tags counting from 1', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const q = await tempQueue(ch);
      const acked = new Set<number>();
      let nacks = 0;
      ch.on('ack', (f: { deliveryTag: number; multiple: boolean }) => {
        if (f.multiple) {
          for (let t = 1; t <= f.deliveryTag; t++) acked.add(t);
        } else acked.add(f.deliveryTag);
      });
      ch.on('nack', () => nacks++);
      const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => publishConfirmed(ch, '', q, `m${i}`)));
      assert.deepEqual(outcomes, Array(50).fill('ack'));
      await ch.waitForConfirms();
      assert.deepEqual(
        [...acked].sort((a, b) => a - b),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      assert.equal(nacks, 0);
      assert.equal((await ch.checkQueue(q)).messageCount, 50);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('waitForConfirms resolves once all outstanding publishes are confirmed', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const q = await tempQueue(ch);
      for (let i = 0; i < 200; i++) ch.sendToQueue(q, Buffer.from(String(i)));
      await within(ch.waitForConfirms(), 5000, 'confirms');
      assert.equal((await ch.checkQueue(q)).messageCount, 200);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('unroutable messages are still acked (the broker has handled them)', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const x = uniqueName('x.empty');
      await ch.assertExchange(x, 'fanout', { durable: false });
      assert.equal(await publishConfirmed(ch, x, '', 'to nowhere'), 'ack');
      assert.equal(await publishConfirmed(ch, '', uniqueName('q.none'), 'to nowhere'), 'ack');
      await ch.deleteExchange(x);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('an unroutable mandatory message is returned before it is acked', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const events: string[] = [];
      ch.on('return', (m: Message) => events.push(`return:${m.content.toString()}`));
      const outcome = await publishConfirmed(ch, 'amq.direct', uniqueName('nobody'), 'bounced', { mandatory: true });
      events.push(`confirm:${outcome}`);
      assert.deepEqual(events, ['return:bounced', 'confirm:ack']);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('persistent messages to a durable queue are acked', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    const q = uniqueName('q.durable');
    try {
      await ch.assertQueue(q, { durable: true });
      assert.equal(await publishConfirmed(ch, '', q, 'persisted', { persistent: true }), 'ack');
      const m = await getEventually(ch, q, { noAck: true });
      assert.equal(m.properties.deliveryMode, 2);
    } finally {
      await ch.deleteQueue(q).catch(() => {});
      await closeQuietly(ch);
    }
  });

  test('publish confirm sequence numbers are independent of delivery tags for received messages', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const q = await tempQueue(ch);
      const acks: number[] = [];
      ch.on('ack', (f: { deliveryTag: number }) => acks.push(f.deliveryTag));
      ch.sendToQueue(q, Buffer.from('one'));
      await ch.waitForConfirms();
      const m1 = (await ch.get(q)) as GetMessage;
      assert.equal(m1.fields.deliveryTag, 1);
      ch.sendToQueue(q, Buffer.from('two'));
      await ch.waitForConfirms();
      const m2 = (await ch.get(q)) as GetMessage;
      assert.equal(m2.fields.deliveryTag, 2);
      ch.ack(m2, true);
      assert.equal(Math.max(...acks), 2, 'two publishes have been confirmed');
    } finally {
      await closeQuietly(ch);
    }
  });

  test('confirm.select is idempotent on a confirm channel', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      await confirmSelect(ch);
      const q = await tempQueue(ch);
      assert.equal(await publishConfirmed(ch, '', q, 'x'), 'ack');
    } finally {
      await closeQuietly(ch);
    }
  });

  test('publishing to a missing exchange on a confirm channel closes the channel with 404 and fails the pending confirm', LIMIT, async () => {
    const { ch, closed } = await trackChannel(conn, true);
    const confirm = ch as import('amqplib').ConfirmChannel;
    const x = uniqueName('x.absent');
    let cbErr: unknown;
    confirm.publish(x, 'k', Buffer.from('lost'), {}, (err) => {
      cbErr = err ?? 'acked';
    });
    const err = await closed;
    assert.equal(err?.code, 404);
    assert.match(err!.message, new RegExp(`"NOT_FOUND - no exchange '${x.replace(/\./g, '\\.')}' in vhost '/'"$`));
    await waitFor(() => cbErr !== undefined, 5000, 'the publish callback');
    assert.notEqual(cbErr, 'acked');
  });
});

describe('transactions', () => {
  test('messages published in a transaction are only enqueued on commit', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      await txSelect(ch);
      ch.sendToQueue(q, Buffer.from('a'));
      ch.sendToQueue(q, Buffer.from('b'));
      await sleep(100);
      assert.equal((await ch.checkQueue(q)).messageCount, 0, 'nothing visible before commit');
      await txCommit(ch);
      assert.equal((await ch.checkQueue(q)).messageCount, 2);
      assert.equal(((await ch.get(q, { noAck: true })) as GetMessage).content.toString(), 'a');
    } finally {
      await closeQuietly(ch);
    }
  });

  test('rollback discards the messages published since the last commit', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      await txSelect(ch);
      ch.sendToQueue(q, Buffer.from('kept'));
      await txCommit(ch);
      ch.sendToQueue(q, Buffer.from('discarded'));
      await txRollback(ch);
      await txCommit(ch);
      assert.equal((await ch.checkQueue(q)).messageCount, 1);
      assert.equal(((await ch.get(q, { noAck: true })) as GetMessage).content.toString(), 'kept');
    } finally {
      await closeQuietly(ch);
    }
  });

  test('the channel stays transactional after commit and rollback', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      await txSelect(ch);
      await txCommit(ch);
      await txRollback(ch);
      ch.sendToQueue(q, Buffer.from('still in a tx'));
      await sleep(100);
      assert.equal((await ch.checkQueue(q)).messageCount, 0);
      await txCommit(ch);
      assert.equal((await ch.checkQueue(q)).messageCount, 1);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('tx.select is idempotent', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      await txSelect(ch);
      await txSelect(ch);
      await txCommit(ch);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('acks in a transaction take effect on commit', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      ch.sendToQueue(q, Buffer.from('m'));
      await waitForMessageCount(ch, q, 1);
      await txSelect(ch);
      const m = (await ch.get(q)) as GetMessage;
      ch.ack(m);
      await txCommit(ch);
      await ch.recover();
      await sleep(50);
      assert.equal((await ch.checkQueue(q)).messageCount, 0, 'the committed ack removed the message for good');
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a rolled-back ack leaves the message unacknowledged (not requeued) until recovered', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      ch.sendToQueue(q, Buffer.from('m'));
      await waitForMessageCount(ch, q, 1);
      await txSelect(ch);
      const m = (await ch.get(q)) as GetMessage;
      ch.ack(m);
      await txRollback(ch);
      assert.equal((await ch.checkQueue(q)).messageCount, 0, 'still held by the channel as unacked');
      await ch.recover();
      await waitForMessageCount(ch, q, 1);
      const again = (await ch.get(q)) as GetMessage;
      assert.equal(again.fields.redelivered, true);
      ch.ack(again);
      await txCommit(ch);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a nack with requeue in a transaction requeues on commit', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      ch.sendToQueue(q, Buffer.from('m'));
      await waitForMessageCount(ch, q, 1);
      await txSelect(ch);
      const m = (await ch.get(q)) as GetMessage;
      ch.nack(m, false, true);
      await sleep(50);
      assert.equal((await ch.checkQueue(q)).messageCount, 0);
      await txCommit(ch);
      assert.equal((await ch.checkQueue(q)).messageCount, 1);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('an unroutable mandatory message in a transaction is returned at commit', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const returned: Message[] = [];
      ch.on('return', (m: Message) => returned.push(m));
      await txSelect(ch);
      ch.sendToQueue(uniqueName('q.none'), Buffer.from('bounce'), { mandatory: true });
      await sleep(100);
      assert.equal(returned.length, 0, 'not returned before commit');
      await txCommit(ch);
      await waitFor(() => returned.length === 1, 5000, 'basic.return');
      assert.equal((returned[0].fields as unknown as { replyText: string }).replyText, 'NO_ROUTE');
    } finally {
      await closeQuietly(ch);
    }
  });

  test('uncommitted publishes are discarded when the channel closes', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = await tempQueue(ch);
      const txCh = await openChannel(conn);
      await txSelect(txCh);
      txCh.sendToQueue(q, Buffer.from('never'));
      await txCh.close();
      await sleep(50);
      assert.equal((await ch.checkQueue(q)).messageCount, 0);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('tx.commit on a non-transactional channel fails with 406', LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    await expectAmqpError(txCommit(ch), 406, 'PRECONDITION_FAILED - channel is not transactional');
  });

  test('tx.rollback on a non-transactional channel fails with 406', LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    await expectAmqpError(txRollback(ch), 406, 'PRECONDITION_FAILED - channel is not transactional');
  });

  test('confirm.select on a transactional channel fails with 406', LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    await txSelect(ch);
    await expectAmqpError(confirmSelect(ch), 406, 'PRECONDITION_FAILED - cannot switch from tx to confirm mode');
  });

  test('tx.select on a confirm channel fails with 406', LIMIT, async () => {
    const { ch } = await trackChannel(conn, true);
    await expectAmqpError(txSelect(ch), 406, 'PRECONDITION_FAILED - cannot switch from confirm to tx mode');
  });
});
