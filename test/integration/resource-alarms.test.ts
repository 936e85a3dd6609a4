// Resource alarms (vm_memory_high_watermark, disk_free_limit), as RabbitMQ 3.10.8 applies them
// (observed on a 3.10.8 node with rabbitmqctl set_vm_memory_high_watermark / set_disk_free_limit):
// a connection that publishes while an alarm is in effect gets connection.blocked with the reason
// ("low on memory", "low on disk & memory") and is read no further — its message waits — until
// every alarm has cleared (connection.unblocked). Connections that do not publish during the alarm
// are never blocked, so consumers keep draining. Runs against Warren, and against a RabbitMQ node
// of one's own: WARREN_TEST_URL=amqp://guest:guest@127.0.0.1:PORT/ WARREN_TEST_RABBITMQ_NODE=NODE
// WARREN_TEST_ALARMS=1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, closeQuietly, sleep, waitFor } from '../support/clients.js';
import type { ChannelModel } from '../support/clients.js';
import { uniqueName } from '../support/broker.js';
import { alarmTestsSkipped, startAlarmBroker } from '../support/alarm-broker.js';
import type { AlarmBroker } from '../support/alarm-broker.js';

/** An amqplib connection that records its blocked/unblocked notifications. */
async function watched(url: string): Promise<{ conn: ChannelModel; events: string[] }> {
  const conn = await connect(url);
  const events: string[] = [];
  conn.on('blocked', (reason: string) => events.push(`blocked:${reason}`));
  conn.on('unblocked', () => events.push('unblocked'));
  return { conn, events };
}

describe('resource alarms', { skip: alarmTestsSkipped() ?? false }, () => {
  let broker: AlarmBroker;
  const conns: ChannelModel[] = [];

  before(async () => {
    broker = await startAlarmBroker();
  });
  after(async () => {
    for (const c of conns) await closeQuietly(c);
    await broker.close();
  });

  test('memory alarm: a publisher is blocked and held, consumers keep draining, unblocked when it clears', async () => {
    const earlier = await watched(broker.url);
    const publisher = await watched(broker.url);
    const consumer = await watched(broker.url);
    conns.push(earlier.conn, publisher.conn, consumer.conn);
    const cch = await consumer.conn.createChannel();
    const q = (await cch.assertQueue(uniqueName('alarm.mem'), { exclusive: true })).queue;
    const ech = await earlier.conn.createConfirmChannel();
    for (let i = 0; i < 20; i++) ech.sendToQueue(q, Buffer.from(`backlog-${i}`));
    await ech.waitForConfirms();

    await broker.memoryAlarm(true);
    try {
      const pch = await publisher.conn.createChannel();
      pch.sendToQueue(q, Buffer.from('during'));
      await waitFor(() => publisher.events.length > 0, 10_000, 'connection.blocked');
      assert.deepEqual(publisher.events, ['blocked:low on memory']);

      // The consumer drains the backlog while the alarm is in effect; the held publish is not there.
      const received: string[] = [];
      await cch.consume(q, (m) => m && received.push(m.content.toString()), { noAck: true });
      await waitFor(() => received.length >= 20, 10_000, 'the backlog drained during the alarm');
      await sleep(300);
      assert.deepEqual(received, Array.from({ length: 20 }, (_, i) => `backlog-${i}`));

      await broker.memoryAlarm(false);
      await waitFor(() => publisher.events.includes('unblocked'), 10_000, 'connection.unblocked');
      await waitFor(() => received.length === 21, 10_000, 'the held message');
      assert.equal(received[20], 'during');
    } finally {
      await broker.memoryAlarm(false);
    }
    // Only the connection that published during the alarm was told.
    assert.deepEqual(earlier.events, []);
    assert.deepEqual(consumer.events, []);
    assert.deepEqual(publisher.events, ['blocked:low on memory', 'unblocked']);
  });

  test('memory and disk together: one blocked (naming both), unblocked only when both have cleared', async () => {
    const first = await watched(broker.url);
    const consumer = await watched(broker.url);
    conns.push(first.conn, consumer.conn);
    const cch = await consumer.conn.createChannel();
    const q = (await cch.assertQueue(uniqueName('alarm.both'), { exclusive: true })).queue;
    const received: string[] = [];
    await cch.consume(q, (m) => m && received.push(m.content.toString()), { noAck: true });

    await broker.memoryAlarm(true);
    try {
      (await first.conn.createChannel()).sendToQueue(q, Buffer.from('first'));
      await waitFor(() => first.events.length > 0, 10_000, 'connection.blocked');
      await broker.diskAlarm(true);
      const late = await watched(broker.url);
      conns.push(late.conn);
      (await late.conn.createChannel()).sendToQueue(q, Buffer.from('late'));
      await waitFor(() => late.events.length > 0, 10_000, 'connection.blocked of the late publisher');
      assert.deepEqual(late.events, ['blocked:low on disk & memory']);

      await broker.memoryAlarm(false);
      await sleep(500);
      assert.deepEqual(first.events, ['blocked:low on memory'], 'still blocked by the disk alarm, not told again');
      assert.deepEqual(received, []);

      await broker.diskAlarm(false);
      await waitFor(() => first.events.includes('unblocked') && late.events.includes('unblocked'), 10_000, 'connection.unblocked');
      await waitFor(() => received.length === 2, 10_000, 'both held messages');
      assert.deepEqual([...received].sort(), ['first', 'late']);
    } finally {
      await broker.memoryAlarm(false);
      await broker.diskAlarm(false);
    }
  });
});
