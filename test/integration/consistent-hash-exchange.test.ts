// x-consistent-hash (rabbitmq_consistent_hash_exchange): binding keys are integer weights, the
// message's routing key (or the hash-header header, or the hash-property property) picks a point
// on a hash ring. Error texts recorded against RabbitMQ 3.10.8 with the plugin enabled; there 10,000
// random keys over 4 equal-weight queues spread evenly too, but the exact placement differs (RabbitMQ
// hashes with erlang:phash2, Warren with FNV-1a + fmix32), so only proportions are compared.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import {
  closeQuietly, connect, destroyAllSockets, expectAmqpError, openChannel, openConfirmChannel, type ChannelModel, type ConfirmChannel,
} from '../support/clients.js';

const LIMIT = { timeout: 30_000 };
const X = 'x-consistent-hash';

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

async function setup(ch: ConfirmChannel, weights: string[], args: Record<string, unknown> = {}): Promise<{ ex: string; queues: string[] }> {
  const ex = uniqueName('chx');
  await ch.assertExchange(ex, X, { autoDelete: true, arguments: args });
  const queues: string[] = [];
  for (const w of weights) {
    const q = (await ch.assertQueue('', { exclusive: true })).queue;
    await ch.bindQueue(q, ex, w);
    queues.push(q);
  }
  return { ex, queues };
}

async function counts(ch: ConfirmChannel, queues: string[]): Promise<number[]> {
  await ch.waitForConfirms();
  return Promise.all(queues.map(async (q) => (await ch.checkQueue(q)).messageCount));
}

const randomKey = () => Math.random().toString(36).slice(2);

describe('x-consistent-hash exchange', () => {
  test('equal weights spread 10,000 random routing keys evenly', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    const { ex, queues } = await setup(ch, ['1', '1', '1', '1']);
    for (let i = 0; i < 10_000; i++) ch.publish(ex, randomKey(), Buffer.from('x'));
    const n = await counts(ch, queues);
    assert.equal(n.reduce((a, b) => a + b), 10_000);
    for (const c of n) assert.ok(c >= 1500 && c <= 3500, `uneven: ${n}`);
    await ch.close();
  });

  test('the same routing key always lands in the same queue', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    const { ex, queues } = await setup(ch, ['1', '1', '1', '1']);
    for (let k = 0; k < 20; k++) {
      const key = randomKey();
      for (let i = 0; i < 5; i++) ch.publish(ex, key, Buffer.from(key));
    }
    await ch.waitForConfirms();
    const seen = new Map<string, string>();
    for (const q of queues) {
      for (let m = await ch.get(q, { noAck: true }); m; m = await ch.get(q, { noAck: true })) {
        const key = m.content.toString();
        assert.equal(seen.get(key) ?? q, q, `key ${key} reached two queues`);
        seen.set(key, q);
      }
    }
    assert.equal(seen.size, 20);
    await ch.close();
  });

  test('weights change the proportions', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    const { ex, queues } = await setup(ch, ['1', '1', '1', '3']);
    for (let i = 0; i < 10_000; i++) ch.publish(ex, randomKey(), Buffer.from('x'));
    const n = await counts(ch, queues);
    // Expected 1/6, 1/6, 1/6, 1/2 (RabbitMQ 3.10.8 gave 1628, 1711, 1746, 4915).
    for (const c of n.slice(0, 3)) assert.ok(c >= 1000 && c <= 2500, `weights ignored: ${n}`);
    assert.ok(n[3] >= 3800 && n[3] <= 6200, `weights ignored: ${n}`);
    await ch.close();
  });

  test('hash-header and hash-property hash on a header or message property instead of the routing key', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    const byHeader = await setup(ch, ['1', '1', '1', '1'], { 'hash-header': 'shard' });
    for (let i = 0; i < 2000; i++) ch.publish(byHeader.ex, 'same', Buffer.from('x'), { headers: { shard: randomKey() } });
    for (const c of await counts(ch, byHeader.queues)) assert.ok(c >= 300 && c <= 700, 'hash-header ignored');
    const byProp = await setup(ch, ['1', '1', '1', '1'], { 'hash-property': 'message_id' });
    for (let i = 0; i < 2000; i++) ch.publish(byProp.ex, 'same', Buffer.from('x'), { messageId: randomKey() });
    for (const c of await counts(ch, byProp.queues)) assert.ok(c >= 300 && c <= 700, 'hash-property ignored');
    // The same header value always goes to one queue.
    const one = await setup(ch, ['1', '1', '1', '1'], { 'hash-header': 'shard' });
    for (let i = 0; i < 50; i++) ch.publish(one.ex, randomKey(), Buffer.from('x'), { headers: { shard: 'fixed' } });
    assert.deepEqual((await counts(ch, one.queues)).sort((a, b) => a - b), [0, 0, 0, 50]);
    await ch.close();
  });

  test('errors as RabbitMQ 3.10.8: binding keys must be positive integers; bad exchange arguments', LIMIT, async () => {
    const cases: [string, (ch: Awaited<ReturnType<typeof openChannel>>) => Promise<unknown>, string][] = [
      ['abc', null!, 'PRECONDITION_FAILED - The binding key must be an integer: <<"abc">>'],
      ['', null!, 'PRECONDITION_FAILED - The binding key must be an integer: <<>>'],
      ['0', null!, 'PRECONDITION_FAILED - The binding key must be greater than 0'],
      ['-3', null!, 'PRECONDITION_FAILED - The binding key must be greater than 0'],
    ];
    for (const [key, , text] of cases) {
      const ch = await openChannel(conn);
      ch.on('error', () => {});
      const ex = uniqueName('chx-bad');
      await ch.assertExchange(ex, X, { autoDelete: true });
      const q = (await ch.assertQueue('', { exclusive: true })).queue;
      await expectAmqpError(ch.bindQueue(q, ex, key), 406, text);
    }
    const declares: [Record<string, unknown>, string][] = [
      [{ 'hash-property': 'foo' }, 'PRECONDITION_FAILED - Unsupported property: foo'],
      [{ 'hash-property': 'message_id', 'hash-header': 'h' }, 'PRECONDITION_FAILED - hash-header and hash-property are mutually exclusive'],
    ];
    for (const [args, text] of declares) {
      const ch = await openChannel(conn);
      ch.on('error', () => {});
      await expectAmqpError(ch.assertExchange(uniqueName('chx-arg'), X, { autoDelete: true, arguments: args }), 406, text);
    }
  });
});
