// Exchange declaration, deletion, bindings and routing semantics, driven with amqplib.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import {
  destroyAllSockets,
  closeQuietly,
  connect,
  expectAmqpError,
  openChannel,
  openConfirmChannel,
  trackChannel,
  withConnection,
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
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

/** Declares `n` exclusive server-named queues. */
async function queues(ch: Channel, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await ch.assertQueue('', { exclusive: true })).queue);
  return out;
}

/**
 * Publishes one message through `exchange` with a confirm channel, waits until the broker has
 * confirmed it (so routing is complete), then reports which of `qs` received it (draining them).
 */
async function routedTo(
  ch: ConfirmChannel,
  exchange: string,
  routingKey: string,
  qs: string[],
  headers?: Record<string, unknown>,
): Promise<string[]> {
  ch.publish(exchange, routingKey, Buffer.from('probe'), headers ? { headers } : {});
  await ch.waitForConfirms();
  const hit: string[] = [];
  for (const q of qs) {
    let n = 0;
    while ((await ch.get(q, { noAck: true })) !== false) n++;
    assert.ok(n <= 1, `queue ${q} received ${n} copies of one message`);
    if (n === 1) hit.push(q);
  }
  return hit;
}

describe('exchange.declare', () => {
  for (const type of ['direct', 'fanout', 'topic', 'headers']) {
    test(`declaring a ${type} exchange succeeds and an identical redeclare is a no-op`, LIMIT, async () => {
      const ch = await openChannel(conn);
      try {
        const name = uniqueName(`x.${type}`);
        const ok = await ch.assertExchange(name, type, { durable: false, autoDelete: false });
        assert.equal(ok.exchange, name);
        await ch.assertExchange(name, type, { durable: false, autoDelete: false });
        await ch.checkExchange(name);
        await ch.deleteExchange(name);
      } finally {
        await closeQuietly(ch);
      }
    });
  }

  test('a durable exchange can be declared and deleted', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const name = uniqueName('x.durable');
      await ch.assertExchange(name, 'direct', { durable: true });
      await ch.checkExchange(name);
      await ch.deleteExchange(name);
      await expectAmqpError(ch.checkExchange(name), 404, `NOT_FOUND - no exchange '${name}' in vhost '/'`);
    } finally {
      await closeQuietly(ch);
    }
  });

  test("passive declare of a missing exchange closes the channel with 404 NOT_FOUND - no exchange 'x' in vhost '/'", LIMIT, async () => {
    const { ch, closed } = await trackChannel(conn);
    const name = uniqueName('x.missing');
    const err = await expectAmqpError(ch.checkExchange(name), 404, `NOT_FOUND - no exchange '${name}' in vhost '/'`);
    assert.equal(err.classId, 40, 'class exchange');
    assert.equal(err.methodId, 10, 'method declare');
    const chErr = await closed;
    assert.equal(chErr?.code, 404);
    assert.match(chErr!.message, /^Channel closed by server: 404 \(NOT-FOUND\) with message "NOT_FOUND - no exchange/);
  });

  test('passive declare of the built-in amq.* exchanges succeeds', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      for (const name of ['amq.direct', 'amq.fanout', 'amq.topic', 'amq.headers', 'amq.match']) {
        await ch.checkExchange(name);
      }
    } finally {
      await closeQuietly(ch);
    }
  });

  test('redeclaring with a different type fails with 406 inequivalent arg type', LIMIT, async () => {
    const ch = await openChannel(conn);
    const name = uniqueName('x.type');
    await ch.assertExchange(name, 'direct', { durable: false });
    const { ch: ch2 } = await trackChannel(conn);
    await expectAmqpError(
      ch2.assertExchange(name, 'fanout', { durable: false }),
      406,
      `PRECONDITION_FAILED - inequivalent arg 'type' for exchange '${name}' in vhost '/': received 'fanout' but current is 'direct'`,
    );
    await ch.deleteExchange(name);
    await closeQuietly(ch);
  });

  test('redeclaring with a different durable flag fails with 406 inequivalent arg durable', LIMIT, async () => {
    const ch = await openChannel(conn);
    const name = uniqueName('x.durable');
    await ch.assertExchange(name, 'direct', { durable: false });
    const { ch: ch2 } = await trackChannel(conn);
    await expectAmqpError(
      ch2.assertExchange(name, 'direct', { durable: true }),
      406,
      `PRECONDITION_FAILED - inequivalent arg 'durable' for exchange '${name}' in vhost '/': received 'true' but current is 'false'`,
    );
    await ch.deleteExchange(name);
    await closeQuietly(ch);
  });

  test('redeclaring with a different auto_delete flag fails with 406 inequivalent arg auto_delete', LIMIT, async () => {
    const ch = await openChannel(conn);
    const name = uniqueName('x.ad');
    await ch.assertExchange(name, 'direct', { durable: false, autoDelete: false });
    const { ch: ch2 } = await trackChannel(conn);
    await expectAmqpError(
      ch2.assertExchange(name, 'direct', { durable: false, autoDelete: true }),
      406,
      `PRECONDITION_FAILED - inequivalent arg 'auto_delete' for exchange '${name}' in vhost '/': received 'true' but current is 'false'`,
    );
    await ch.deleteExchange(name);
    await closeQuietly(ch);
  });

  test('redeclaring with a different internal flag fails with 406 inequivalent arg internal', LIMIT, async () => {
    const ch = await openChannel(conn);
    const name = uniqueName('x.int');
    await ch.assertExchange(name, 'direct', { durable: false, internal: false });
    const { ch: ch2 } = await trackChannel(conn);
    await expectAmqpError(
      ch2.assertExchange(name, 'direct', { durable: false, internal: true }),
      406,
      `PRECONDITION_FAILED - inequivalent arg 'internal' for exchange '${name}' in vhost '/': received 'true' but current is 'false'`,
    );
    await ch.deleteExchange(name);
    await closeQuietly(ch);
  });

  test('redeclaring with a different alternate-exchange argument fails with 406', LIMIT, async () => {
    const ch = await openChannel(conn);
    const name = uniqueName('x.ae');
    await ch.assertExchange(name, 'direct', { durable: false });
    const { ch: ch2 } = await trackChannel(conn);
    await expectAmqpError(
      ch2.assertExchange(name, 'direct', { durable: false, alternateExchange: 'other' }),
      406,
      `PRECONDITION_FAILED - inequivalent arg 'alternate-exchange' for exchange '${name}' in vhost '/': received the value 'other' of type 'longstr' but current is none`,
    );
    await ch.deleteExchange(name);
    await closeQuietly(ch);
  });

  test('declaring an exchange whose name starts with amq. fails with 403 ACCESS_REFUSED', LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    const name = `amq.${uniqueName('custom')}`;
    await expectAmqpError(
      ch.assertExchange(name, 'direct', { durable: false }),
      403,
      `ACCESS_REFUSED - exchange name '${name}' contains reserved prefix 'amq.*'`,
    );
  });

  test('actively redeclaring a built-in amq.* exchange with its own properties succeeds; different ones fail with 406', LIMIT, async () => {
    const ch = await openChannel(conn);
    await ch.assertExchange('amq.direct', 'direct', { durable: true });
    await ch.assertExchange('amq.topic', 'topic', { durable: true });
    await closeQuietly(ch);
    const { ch: ch2 } = await trackChannel(conn);
    await expectAmqpError(
      ch2.assertExchange('amq.direct', 'fanout', { durable: true }),
      406,
      "PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'amq.direct' in vhost '/': received 'fanout' but current is 'direct'",
    );
    const { ch: ch3 } = await trackChannel(conn);
    await expectAmqpError(
      ch3.assertExchange('amq.direct', 'direct', { durable: false }),
      406,
      "PRECONDITION_FAILED - inequivalent arg 'durable' for exchange 'amq.direct' in vhost '/': received 'false' but current is 'true'",
    );
  });

  test('declaring the default exchange (empty name), even passively, is refused with 403', LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    await expectAmqpError(ch.checkExchange(''), 403, 'ACCESS_REFUSED - operation not permitted on the default exchange');
    const { ch: ch2 } = await trackChannel(conn);
    await expectAmqpError(
      ch2.assertExchange('', 'direct', { durable: true }),
      403,
      'ACCESS_REFUSED - operation not permitted on the default exchange',
    );
  });
});

describe('exchange.delete', () => {
  test('deleting an exchange that does not exist succeeds (delete is idempotent)', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      await ch.deleteExchange(uniqueName('x.never'));
      await ch.checkExchange('amq.direct');
    } finally {
      await closeQuietly(ch);
    }
  });

  test('delete with if-unused fails with 406 while the exchange has bindings', LIMIT, async () => {
    const ch = await openChannel(conn);
    const name = uniqueName('x.inuse');
    await ch.assertExchange(name, 'direct', { durable: false });
    const [q] = await queues(ch, 1);
    await ch.bindQueue(q, name, 'k');
    const { ch: ch2 } = await trackChannel(conn);
    await expectAmqpError(ch2.deleteExchange(name, { ifUnused: true }), 406, `PRECONDITION_FAILED - exchange '${name}' in vhost '/' in use`);
    // After unbinding, if-unused delete succeeds.
    await ch.unbindQueue(q, name, 'k');
    await ch.deleteExchange(name, { ifUnused: true });
    await expectAmqpError(ch.checkExchange(name), 404, `NOT_FOUND - no exchange '${name}' in vhost '/'`);
  });

  test('delete with if-unused counts exchange-to-exchange bindings where the exchange is the source', LIMIT, async () => {
    const ch = await openChannel(conn);
    const src = uniqueName('x.src');
    const dst = uniqueName('x.dst');
    await ch.assertExchange(src, 'fanout', { durable: false });
    await ch.assertExchange(dst, 'fanout', { durable: false });
    await ch.bindExchange(dst, src, '');
    const { ch: ch2 } = await trackChannel(conn);
    await expectAmqpError(ch2.deleteExchange(src, { ifUnused: true }), 406, `PRECONDITION_FAILED - exchange '${src}' in vhost '/' in use`);
    await ch.deleteExchange(src);
    await ch.deleteExchange(dst);
    await closeQuietly(ch);
  });

  test('deleting the default exchange is refused with 403', LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    await expectAmqpError(ch.deleteExchange(''), 403, 'ACCESS_REFUSED - operation not permitted on the default exchange');
  });

  test('deleting a built-in amq.* exchange is refused with 403', LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    await expectAmqpError(
      ch.deleteExchange('amq.direct'),
      403,
      "ACCESS_REFUSED - deletion of system exchange 'amq.direct' in vhost '/' not allowed",
    );
  });

  test('deleting an exchange removes its bindings but not the bound queues', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const x = uniqueName('x.del');
      await ch.assertExchange(x, 'fanout', { durable: false });
      const [q] = await queues(ch, 1);
      await ch.bindQueue(q, x, '');
      assert.deepEqual(await routedTo(ch, x, '', [q]), [q]);
      await ch.deleteExchange(x);
      await ch.assertExchange(x, 'fanout', { durable: false });
      assert.deepEqual(await routedTo(ch, x, '', [q]), [], 'the old binding must be gone');
      await ch.checkQueue(q);
      await ch.deleteExchange(x);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('an auto-delete exchange is deleted when its last binding is removed', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const x = uniqueName('x.autodel');
      await ch.assertExchange(x, 'direct', { durable: false, autoDelete: true });
      const [q] = await queues(ch, 1);
      await ch.bindQueue(q, x, 'a');
      await ch.bindQueue(q, x, 'b');
      await ch.unbindQueue(q, x, 'a');
      await ch.checkExchange(x);
      await ch.unbindQueue(q, x, 'b');
      const { ch: ch2 } = await trackChannel(conn);
      await expectAmqpError(ch2.checkExchange(x), 404, `NOT_FOUND - no exchange '${x}' in vhost '/'`);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('an auto-delete exchange without any bindings yet is not deleted', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const x = uniqueName('x.autodel0');
      await ch.assertExchange(x, 'direct', { durable: false, autoDelete: true });
      await ch.checkExchange(x);
      await ch.deleteExchange(x);
    } finally {
      await closeQuietly(ch);
    }
  });
});

describe('routing', () => {
  test('the default exchange routes by queue name and every queue is implicitly bound to it', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const [a, b] = await queues(ch, 2);
      assert.deepEqual(await routedTo(ch, '', a, [a, b]), [a]);
      assert.deepEqual(await routedTo(ch, '', 'no-such-queue-' + a, [a, b]), []);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('binding a queue to the default exchange is refused with 403', LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    const q = (await ch.assertQueue('', { exclusive: true })).queue;
    await expectAmqpError(ch.bindQueue(q, '', 'k'), 403, 'ACCESS_REFUSED - operation not permitted on the default exchange');
  });

  test('unbinding a queue from the default exchange is refused with 403', LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    const q = (await ch.assertQueue('', { exclusive: true })).queue;
    await expectAmqpError(ch.unbindQueue(q, '', q), 403, 'ACCESS_REFUSED - operation not permitted on the default exchange');
  });

  test('direct exchanges route on exact routing key equality', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const x = uniqueName('x.direct');
      await ch.assertExchange(x, 'direct', { durable: false });
      const [a, b, c] = await queues(ch, 3);
      await ch.bindQueue(a, x, 'red');
      await ch.bindQueue(b, x, 'red');
      await ch.bindQueue(b, x, 'green');
      await ch.bindQueue(c, x, '');
      assert.deepEqual(await routedTo(ch, x, 'red', [a, b, c]), [a, b]);
      assert.deepEqual(await routedTo(ch, x, 'green', [a, b, c]), [b]);
      assert.deepEqual(await routedTo(ch, x, 'Red', [a, b, c]), [], 'routing keys are case-sensitive');
      assert.deepEqual(await routedTo(ch, x, '', [a, b, c]), [c]);
      await ch.deleteExchange(x);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a queue bound twice with the same key, or with several matching keys, receives one copy', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const x = uniqueName('x.topic');
      await ch.assertExchange(x, 'topic', { durable: false });
      const [a] = await queues(ch, 1);
      await ch.bindQueue(a, x, 'a.b');
      await ch.bindQueue(a, x, 'a.b');
      await ch.bindQueue(a, x, 'a.*');
      await ch.bindQueue(a, x, '#');
      assert.deepEqual(await routedTo(ch, x, 'a.b', [a]), [a]);
      await ch.deleteExchange(x);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('fanout exchanges ignore the routing key', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const x = uniqueName('x.fanout');
      await ch.assertExchange(x, 'fanout', { durable: false });
      const [a, b, c] = await queues(ch, 3);
      await ch.bindQueue(a, x, '');
      await ch.bindQueue(b, x, 'whatever');
      assert.deepEqual(await routedTo(ch, x, 'anything', [a, b, c]), [a, b]);
      await ch.unbindQueue(b, x, 'whatever');
      assert.deepEqual(await routedTo(ch, x, '', [a, b, c]), [a]);
      await ch.deleteExchange(x);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('topic exchanges match * as exactly one word and # as zero or more words', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const x = uniqueName('x.topic');
      await ch.assertExchange(x, 'topic', { durable: false });
      const [star, hash, mid, exact, all, hashMid] = await queues(ch, 6);
      await ch.bindQueue(star, x, '*.orange.*');
      await ch.bindQueue(hash, x, 'lazy.#');
      await ch.bindQueue(mid, x, '*.*.rabbit');
      await ch.bindQueue(exact, x, 'quick.orange.rabbit');
      await ch.bindQueue(all, x, '#');
      await ch.bindQueue(hashMid, x, 'a.#.z');
      const qs = [star, hash, mid, exact, all, hashMid];
      assert.deepEqual(await routedTo(ch, x, 'quick.orange.rabbit', qs), [star, mid, exact, all]);
      assert.deepEqual(await routedTo(ch, x, 'lazy.orange.elephant', qs), [star, hash, all]);
      assert.deepEqual(await routedTo(ch, x, 'quick.orange.fox', qs), [star, all]);
      assert.deepEqual(await routedTo(ch, x, 'lazy.brown.fox', qs), [hash, all]);
      assert.deepEqual(await routedTo(ch, x, 'lazy', qs), [hash, all], "'lazy.#' matches 'lazy' (# matches zero words)");
      assert.deepEqual(await routedTo(ch, x, 'lazy.pink.rabbit', qs), [hash, mid, all]);
      assert.deepEqual(await routedTo(ch, x, 'quick.brown.fox', qs), [all]);
      assert.deepEqual(await routedTo(ch, x, 'orange', qs), [all], "'*.orange.*' needs exactly three words");
      assert.deepEqual(await routedTo(ch, x, 'quick.orange.male.rabbit', qs), [all]);
      assert.deepEqual(await routedTo(ch, x, '', qs), [all], "'#' matches the empty routing key");
      assert.deepEqual(await routedTo(ch, x, 'a.z', qs), [all, hashMid]);
      assert.deepEqual(await routedTo(ch, x, 'a.b.c.z', qs), [all, hashMid]);
      assert.deepEqual(await routedTo(ch, x, 'a.b.c', qs), [all]);
      await ch.deleteExchange(x);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('topic * matches an empty word between dots, the empty key has no words, and words split on dots only', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const x = uniqueName('x.topic');
      await ch.assertExchange(x, 'topic', { durable: false });
      const [twoWords, oneWord, dashed] = await queues(ch, 3);
      await ch.bindQueue(twoWords, x, '*.*');
      await ch.bindQueue(oneWord, x, '*');
      await ch.bindQueue(dashed, x, 'a-b.#');
      const qs = [twoWords, oneWord, dashed];
      assert.deepEqual(await routedTo(ch, x, '.', qs), [twoWords], "'.' is two empty words");
      assert.deepEqual(await routedTo(ch, x, 'a.', qs), [twoWords]);
      assert.deepEqual(await routedTo(ch, x, '', qs), [], "the empty key has zero words, so '*' does not match it");
      assert.deepEqual(await routedTo(ch, x, 'a-b', qs), [oneWord, dashed]);
      await ch.deleteExchange(x);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('headers exchanges match all (default) or any of the binding arguments, ignoring x- keys', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const x = uniqueName('x.headers');
      await ch.assertExchange(x, 'headers', { durable: false });
      const [allQ, anyQ, defaultQ, emptyQ] = await queues(ch, 4);
      await ch.bindQueue(allQ, x, '', { 'x-match': 'all', format: 'pdf', type: 'report' });
      await ch.bindQueue(anyQ, x, '', { 'x-match': 'any', format: 'pdf', type: 'report' });
      await ch.bindQueue(defaultQ, x, '', { format: 'pdf', type: 'report' });
      await ch.bindQueue(emptyQ, x, '', {});
      const qs = [allQ, anyQ, defaultQ, emptyQ];
      assert.deepEqual(await routedTo(ch, x, 'ignored', qs, { format: 'pdf', type: 'report' }), [allQ, anyQ, defaultQ, emptyQ]);
      assert.deepEqual(await routedTo(ch, x, '', qs, { format: 'pdf', type: 'report', extra: 1 }), [allQ, anyQ, defaultQ, emptyQ]);
      assert.deepEqual(await routedTo(ch, x, '', qs, { format: 'pdf' }), [anyQ, emptyQ]);
      assert.deepEqual(await routedTo(ch, x, '', qs, { format: 'zip', type: 'log' }), [emptyQ]);
      assert.deepEqual(await routedTo(ch, x, '', qs), [emptyQ], 'a binding with no arguments matches everything');
      assert.deepEqual(await routedTo(ch, x, '', qs, { format: 'PDF' }), [emptyQ], 'values are compared exactly');
      await ch.deleteExchange(x);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('headers exchange values must match in type as well as value', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const x = uniqueName('x.headers');
      await ch.assertExchange(x, 'headers', { durable: false });
      const [numQ, strQ] = await queues(ch, 2);
      await ch.bindQueue(numQ, x, '', { n: 1 });
      await ch.bindQueue(strQ, x, '', { n: '1' });
      assert.deepEqual(await routedTo(ch, x, '', [numQ, strQ], { n: 1 }), [numQ]);
      assert.deepEqual(await routedTo(ch, x, '', [numQ, strQ], { n: '1' }), [strQ]);
      await ch.deleteExchange(x);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('amq.match and amq.headers are headers exchanges, amq.topic is a topic exchange, amq.fanout a fanout', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const [q] = await queues(ch, 1);
      await ch.bindQueue(q, 'amq.match', '', { tag: q });
      assert.deepEqual(await routedTo(ch, 'amq.match', 'x', [q], { tag: q }), [q]);
      await ch.unbindQueue(q, 'amq.match', '', { tag: q });
      await ch.bindQueue(q, 'amq.topic', `${q}.*`);
      assert.deepEqual(await routedTo(ch, 'amq.topic', `${q}.x`, [q]), [q]);
      await ch.unbindQueue(q, 'amq.topic', `${q}.*`);
      assert.deepEqual(await routedTo(ch, 'amq.topic', `${q}.x`, [q]), []);
      await ch.bindQueue(q, 'amq.direct', q);
      assert.deepEqual(await routedTo(ch, 'amq.direct', q, [q]), [q]);
      await ch.unbindQueue(q, 'amq.direct', q);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('unbinding a binding that does not exist succeeds', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const x = uniqueName('x.unbind');
      await ch.assertExchange(x, 'direct', { durable: false });
      const [q] = await queues(ch, 1);
      await ch.unbindQueue(q, x, 'never-bound');
      await ch.deleteExchange(x);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('binding to a missing exchange fails with 404 naming the exchange', LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    const q = (await ch.assertQueue('', { exclusive: true })).queue;
    const x = uniqueName('x.nope');
    await expectAmqpError(ch.bindQueue(q, x, 'k'), 404, `NOT_FOUND - no exchange '${x}' in vhost '/'`);
  });

  test('binding a missing queue fails with 404 naming the queue', LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    const q = uniqueName('q.nope');
    await expectAmqpError(ch.bindQueue(q, 'amq.direct', 'k'), 404, `NOT_FOUND - no queue '${q}' in vhost '/'`);
  });

  test('binding when both the queue and the exchange are missing reports both', LIMIT, async () => {
    const { ch } = await trackChannel(conn);
    const q = uniqueName('q.nope');
    const x = uniqueName('x.nope');
    await expectAmqpError(
      ch.bindQueue(q, x, 'k'),
      404,
      `NOT_FOUND - no exchange '${x}' in vhost '/'`,
    );
  });
});

describe('exchange-to-exchange bindings', () => {
  test('messages flow through exchange-to-exchange bindings and stop after unbind', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const src = uniqueName('x.e2e.src');
      const dst = uniqueName('x.e2e.dst');
      await ch.assertExchange(src, 'topic', { durable: false });
      await ch.assertExchange(dst, 'direct', { durable: false });
      const [q, direct] = await queues(ch, 2);
      await ch.bindExchange(dst, src, 'orders.*');
      await ch.bindQueue(q, dst, 'orders.new');
      await ch.bindQueue(direct, src, 'orders.new');
      assert.deepEqual(await routedTo(ch, src, 'orders.new', [q, direct]), [q, direct]);
      assert.deepEqual(await routedTo(ch, src, 'orders.old', [q, direct]), [], 'the destination exchange applies its own routing');
      assert.deepEqual(await routedTo(ch, src, 'invoices.new', [q, direct]), []);
      await ch.unbindExchange(dst, src, 'orders.*');
      assert.deepEqual(await routedTo(ch, src, 'orders.new', [q, direct]), [direct]);
      await ch.deleteExchange(src);
      await ch.deleteExchange(dst);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a queue reachable through several paths receives one copy, and exchange cycles terminate', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const a = uniqueName('x.cycle.a');
      const b = uniqueName('x.cycle.b');
      await ch.assertExchange(a, 'fanout', { durable: false });
      await ch.assertExchange(b, 'fanout', { durable: false });
      await ch.bindExchange(b, a, '');
      await ch.bindExchange(a, b, '');
      const [q] = await queues(ch, 1);
      await ch.bindQueue(q, a, '');
      await ch.bindQueue(q, b, '');
      assert.deepEqual(await routedTo(ch, a, '', [q]), [q]);
      assert.deepEqual(await routedTo(ch, b, '', [q]), [q]);
      await ch.deleteExchange(a);
      await ch.deleteExchange(b);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('exchange.bind with a missing source or destination fails with 404', LIMIT, async () => {
    const ch = await openChannel(conn);
    const x = uniqueName('x.e2e');
    await ch.assertExchange(x, 'fanout', { durable: false });
    const missing = uniqueName('x.missing');
    const { ch: ch2 } = await trackChannel(conn);
    await expectAmqpError(ch2.bindExchange(x, missing, ''), 404, `NOT_FOUND - no exchange '${missing}' in vhost '/'`);
    const { ch: ch3 } = await trackChannel(conn);
    await expectAmqpError(ch3.bindExchange(missing, x, ''), 404, `NOT_FOUND - no exchange '${missing}' in vhost '/'`);
    await ch.deleteExchange(x);
    await closeQuietly(ch);
  });

  test('deleting the destination exchange removes the exchange-to-exchange binding', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const src = uniqueName('x.src');
      const dst = uniqueName('x.dst');
      await ch.assertExchange(src, 'fanout', { durable: false });
      await ch.assertExchange(dst, 'fanout', { durable: false });
      await ch.bindExchange(dst, src, '');
      // Without bindings left, if-unused delete of the source succeeds.
      await ch.deleteExchange(dst);
      await ch.deleteExchange(src, { ifUnused: true });
    } finally {
      await closeQuietly(ch);
    }
  });
});

describe('alternate exchanges and internal exchanges', () => {
  test('messages that match no binding go to the alternate-exchange', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const ae = uniqueName('x.ae');
      const main = uniqueName('x.main');
      await ch.assertExchange(ae, 'fanout', { durable: false });
      await ch.assertExchange(main, 'direct', { durable: false, alternateExchange: ae });
      const [routed, unrouted] = await queues(ch, 2);
      await ch.bindQueue(routed, main, 'known');
      await ch.bindQueue(unrouted, ae, '');
      assert.deepEqual(await routedTo(ch, main, 'known', [routed, unrouted]), [routed]);
      assert.deepEqual(await routedTo(ch, main, 'unknown', [routed, unrouted]), [unrouted]);
      await ch.deleteExchange(main);
      await ch.deleteExchange(ae);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a mandatory message routed via the alternate exchange is not returned', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const ae = uniqueName('x.ae');
      const main = uniqueName('x.main');
      await ch.assertExchange(ae, 'fanout', { durable: false });
      await ch.assertExchange(main, 'direct', { durable: false, alternateExchange: ae });
      const [q] = await queues(ch, 1);
      await ch.bindQueue(q, ae, '');
      let returned = 0;
      ch.on('return', () => returned++);
      ch.publish(main, 'nowhere', Buffer.from('m'), { mandatory: true });
      await ch.waitForConfirms();
      const got = await ch.get(q, { noAck: true });
      assert.ok(got, 'message must arrive through the alternate exchange');
      assert.equal(got.fields.exchange, main, 'the delivery names the exchange the message was published to');
      assert.equal(got.fields.routingKey, 'nowhere');
      assert.equal(returned, 0);
      await ch.deleteExchange(main);
      await ch.deleteExchange(ae);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a missing alternate exchange just drops unroutable messages, mandatory ones are returned', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const main = uniqueName('x.main');
      await ch.assertExchange(main, 'direct', { durable: false, alternateExchange: uniqueName('x.ae.missing') });
      const returns: string[] = [];
      ch.on('return', (m) => returns.push(m.fields.routingKey));
      ch.publish(main, 'nowhere', Buffer.from('m'), { mandatory: true });
      await ch.waitForConfirms();
      // basic.return is sent before the confirm
      assert.deepEqual(returns, ['nowhere']);
      await ch.deleteExchange(main);
    } finally {
      await closeQuietly(ch);
    }
  });

  test("publishing to an internal exchange fails with 403 ACCESS_REFUSED - cannot publish to internal exchange", LIMIT, async () => {
    const ch = await openChannel(conn);
    const x = uniqueName('x.internal');
    await ch.assertExchange(x, 'fanout', { durable: false, internal: true });
    const { ch: pub, closed } = await trackChannel(conn);
    pub.publish(x, '', Buffer.from('nope'));
    const err = await closed;
    assert.equal(err?.code, 403);
    assert.match(err!.message, /^Channel closed by server: 403 \(ACCESS-REFUSED\)/);
    assert.equal(err!.message.endsWith(`with message "ACCESS_REFUSED - cannot publish to internal exchange '${x}' in vhost '/'"`), true, err!.message);
    assert.equal(err!.classId, 60);
    assert.equal(err!.methodId, 40);
    await ch.deleteExchange(x);
    await closeQuietly(ch);
  });

  test('an internal exchange still receives messages through exchange-to-exchange bindings', LIMIT, async () => {
    const ch = await openConfirmChannel(conn);
    try {
      const front = uniqueName('x.front');
      const internal = uniqueName('x.internal');
      await ch.assertExchange(front, 'fanout', { durable: false });
      await ch.assertExchange(internal, 'fanout', { durable: false, internal: true });
      await ch.bindExchange(internal, front, '');
      const [q] = await queues(ch, 1);
      await ch.bindQueue(q, internal, '');
      assert.deepEqual(await routedTo(ch, front, '', [q]), [q]);
      await ch.deleteExchange(front);
      await ch.deleteExchange(internal);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('publishing to a missing exchange closes the channel with 404 NOT_FOUND', LIMIT, async () => {
    const { ch, closed } = await trackChannel(conn);
    const x = uniqueName('x.absent');
    ch.publish(x, 'k', Buffer.from('lost'));
    const err = await closed;
    assert.equal(err?.code, 404);
    assert.equal(err!.message, `Channel closed by server: 404 (NOT-FOUND) with message "NOT_FOUND - no exchange '${x}' in vhost '/'"`);
    assert.equal(err!.classId, 60, 'class basic');
    assert.equal(err!.methodId, 40, 'method publish');
  });

  test('a channel error does not affect other channels on the same connection', LIMIT, async () => {
    await withConnection(broker.url, async (c) => {
      const good = await openChannel(c);
      const { ch: bad, closed } = await trackChannel(c);
      bad.publish(uniqueName('x.absent'), 'k', Buffer.from('lost'));
      await closed;
      const ok = await good.assertQueue('', { exclusive: true });
      assert.match(ok.queue, /^amq\.gen-/);
    });
  });
});
