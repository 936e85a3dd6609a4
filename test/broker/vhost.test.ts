// The vhost model (src/broker/vhost.ts): declare, passive and equivalence errors with RabbitMQ's
// codes and texts (src/broker/errors.ts), exchange-to-exchange routing, alternate exchanges,
// auto-delete exchanges and exclusive queues. Texts marked "RabbitMQ 3.10.8" were checked
// against the reference broker.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { VHost } from '../../src/broker/vhost.js';
import type { ExchangeDeclare, QueueDeclare } from '../../src/broker/vhost.js';
import type { Exchange } from '../../src/broker/exchange.js';
import type { Queue } from '../../src/broker/queue.js';
import { Consumer } from '../../src/broker/consumer.js';
import type { ConsumerOwner } from '../../src/broker/consumer.js';
import { Message } from '../../src/broker/message.js';
import { AmqpError } from '../../src/amqp/amqp-error.js';
import type { FieldTable } from '../../src/amqp/field-table.js';

const connA = { name: 'connection A' };
const connB = { name: 'connection B' };

function exOpts(d: Partial<ExchangeDeclare> = {}): ExchangeDeclare {
  return { passive: false, durable: false, autoDelete: false, internal: false, arguments: {}, ...d };
}

function qOpts(d: Partial<QueueDeclare> = {}): QueueDeclare {
  return { passive: false, durable: false, exclusive: false, autoDelete: false, arguments: {}, ...d };
}

/** Asserts that `fn` throws an AmqpError with exactly this code and reply text. */
function throwsAmqp(fn: () => unknown, code: number, text: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof AmqpError, `expected an AmqpError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.text, text);
    return true;
  });
}

function routed(vhost: VHost, ex: Exchange, key: string, headers?: FieldTable): string[] {
  const out = new Set<Queue>();
  vhost.route(ex, [key], headers, out);
  return [...out].map((q) => q.name).sort();
}

describe('vhost: exchanges', () => {
  test('a new vhost has the default exchange and the amq.* exchanges of RabbitMQ', () => {
    // RabbitMQ 3.10.8 (rabbitmqctl list_exchanges name type durable internal) on a fresh vhost.
    const v = new VHost('/');
    assert.deepEqual(
      [...v.exchanges.values()].map((e) => [e.name, e.type, e.durable, e.internal]).sort(),
      [
        ['', 'direct', true, false],
        ['amq.direct', 'direct', true, false],
        ['amq.fanout', 'fanout', true, false],
        ['amq.headers', 'headers', true, false],
        ['amq.match', 'headers', true, false],
        ['amq.rabbitmq.trace', 'topic', true, true],
        ['amq.topic', 'topic', true, false],
      ],
    );
  });

  test('declaring twice with the same properties returns the same exchange', () => {
    const v = new VHost('/');
    const e = v.declareExchange('x', 'direct', exOpts());
    assert.equal(v.declareExchange('x', 'direct', exOpts()), e);
  });

  test('passive declare of a missing exchange is 404 NOT_FOUND', () => {
    throwsAmqp(() => new VHost('/').declareExchange('nope', 'direct', exOpts({ passive: true })), 404, "NOT_FOUND - no exchange 'nope' in vhost '/'");
  });

  test('passive declare ignores the type and flags given', () => {
    const v = new VHost('v1');
    const e = v.declareExchange('x', 'direct', exOpts({ durable: true }));
    assert.equal(v.declareExchange('x', 'fanout', exOpts({ passive: true })), e);
  });

  test('redeclaring with another type is 406 with inequivalent arg type', () => {
    const v = new VHost('/');
    v.declareExchange('x', 'direct', exOpts());
    throwsAmqp(() => v.declareExchange('x', 'fanout', exOpts()), 406,
      "PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'x' in vhost '/': received 'fanout' but current is 'direct'");
  });

  test('redeclaring with other durable, auto_delete or internal flags is 406 naming the flag', () => {
    const v = new VHost('/');
    v.declareExchange('x', 'direct', exOpts());
    throwsAmqp(() => v.declareExchange('x', 'direct', exOpts({ durable: true })), 406,
      "PRECONDITION_FAILED - inequivalent arg 'durable' for exchange 'x' in vhost '/': received 'true' but current is 'false'");
    throwsAmqp(() => v.declareExchange('x', 'direct', exOpts({ autoDelete: true })), 406,
      "PRECONDITION_FAILED - inequivalent arg 'auto_delete' for exchange 'x' in vhost '/': received 'true' but current is 'false'");
    throwsAmqp(() => v.declareExchange('x', 'direct', exOpts({ internal: true })), 406,
      "PRECONDITION_FAILED - inequivalent arg 'internal' for exchange 'x' in vhost '/': received 'true' but current is 'false'");
  });

  test('redeclaring with another alternate-exchange is 406', () => {
    const v = new VHost('/');
    v.declareExchange('x', 'direct', exOpts({ arguments: { 'alternate-exchange': 'ae1' } }));
    throwsAmqp(() => v.declareExchange('x', 'direct', exOpts({ arguments: { 'alternate-exchange': 'ae2' } })), 406,
      "PRECONDITION_FAILED - inequivalent arg 'alternate-exchange' for exchange 'x' in vhost '/': received the value 'ae2' of type 'longstr' but current is the value 'ae1' of type 'longstr'");
    throwsAmqp(() => v.declareExchange('x', 'direct', exOpts()), 406,
      "PRECONDITION_FAILED - inequivalent arg 'alternate-exchange' for exchange 'x' in vhost '/': received none but current is the value 'ae1' of type 'longstr'");
  });

  test('other exchange arguments are not compared on redeclare', () => {
    const v = new VHost('/');
    const e = v.declareExchange('x', 'direct', exOpts({ arguments: { 'x-anything': 1 } }));
    assert.equal(v.declareExchange('x', 'direct', exOpts({ arguments: { 'x-anything': 2 } })), e);
  });

  test('an unknown exchange type is 503 COMMAND_INVALID', () => {
    throwsAmqp(() => new VHost('/').declareExchange('x', 'nosuchtype', exOpts()), 503, "COMMAND_INVALID - unknown exchange type 'nosuchtype'");
  });

  test('an unknown exchange type is 503 even when the exchange exists (RabbitMQ checks the type first)', () => {
    // RabbitMQ 3.10.8: COMMAND_INVALID - unknown exchange type 'nosuchtype', a connection error.
    const v = new VHost('/');
    v.declareExchange('x', 'direct', exOpts());
    throwsAmqp(() => v.declareExchange('x', 'nosuchtype', exOpts()), 503, "COMMAND_INVALID - unknown exchange type 'nosuchtype'");
  });

  test("new names starting with 'amq.' are 403; redeclaring a built-in one as it is succeeds", () => {
    const v = new VHost('/');
    throwsAmqp(() => v.declareExchange('amq.custom', 'direct', exOpts()), 403,
      "ACCESS_REFUSED - exchange name 'amq.custom' contains reserved prefix 'amq.*'");
    assert.equal(v.declareExchange('amq.direct', 'direct', exOpts({ durable: true })), v.exchanges.get('amq.direct'));
  });

  test('the default exchange cannot be declared, deleted, bound or unbound (403)', () => {
    const v = new VHost('/');
    const text = 'ACCESS_REFUSED - operation not permitted on the default exchange';
    throwsAmqp(() => v.declareExchange('', 'direct', exOpts()), 403, text);
    throwsAmqp(() => v.deleteExchange('', false), 403, text);
    const q = v.declareQueue('q', qOpts(), connA);
    throwsAmqp(() => v.bind(v.defaultExchange, q, 'q', {}), 403, text);
    throwsAmqp(() => v.unbind(v.defaultExchange, q, 'q', {}), 403, text);
  });

  test('system exchanges cannot be deleted (403)', () => {
    throwsAmqp(() => new VHost('/').deleteExchange('amq.direct', false), 403,
      "ACCESS_REFUSED - deletion of system exchange 'amq.direct' in vhost '/' not allowed");
  });

  test('deleting a missing exchange succeeds; if-unused with bindings is 406 in use', () => {
    const v = new VHost('/');
    v.deleteExchange('missing', false);
    const e = v.declareExchange('x', 'fanout', exOpts());
    v.bind(e, v.declareQueue('q', qOpts(), connA), '', {});
    throwsAmqp(() => v.deleteExchange('x', true), 406, "PRECONDITION_FAILED - exchange 'x' in vhost '/' in use");
    v.deleteExchange('x', false);
    assert.equal(v.exchanges.has('x'), false);
    assert.equal(v.queues.get('q')!.bindings.size, 0, 'the binding went with the exchange');
  });

  test('exchange() looks up by name and is 404 for a missing one', () => {
    const v = new VHost('/');
    throwsAmqp(() => v.exchange('nope'), 404, "NOT_FOUND - no exchange 'nope' in vhost '/'");
  });
});

describe('vhost: queues', () => {
  test('declaring twice returns the same queue; the default exchange routes to it by name', () => {
    const v = new VHost('/');
    const q = v.declareQueue('q', qOpts(), connA);
    assert.equal(v.declareQueue('q', qOpts(), connB), q);
    assert.deepEqual(routed(v, v.defaultExchange, 'q'), ['q']);
    assert.deepEqual(routed(v, v.defaultExchange, 'other'), []);
  });

  test('an empty name gets a server-generated amq.gen- name', () => {
    const v = new VHost('/');
    const q = v.declareQueue('', qOpts(), connA);
    assert.match(q.name, /^amq\.gen-[A-Za-z0-9_-]{22}$/);
    assert.notEqual(v.declareQueue('', qOpts(), connA).name, q.name);
  });

  test('passive declare of a missing queue is 404 NOT_FOUND', () => {
    throwsAmqp(() => new VHost('/').declareQueue('nope', qOpts({ passive: true }), connA), 404, "NOT_FOUND - no queue 'nope' in vhost '/'");
  });

  test("a client-chosen name starting with 'amq.' is 403", () => {
    throwsAmqp(() => new VHost('/').declareQueue('amq.q', qOpts(), connA), 403,
      "ACCESS_REFUSED - queue name 'amq.q' contains reserved prefix 'amq.*'");
  });

  test('redeclaring with other durable or auto_delete flags is 406 naming the flag', () => {
    const v = new VHost('/');
    v.declareQueue('q', qOpts(), connA);
    throwsAmqp(() => v.declareQueue('q', qOpts({ durable: true }), connA), 406,
      "PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'q' in vhost '/': received 'true' but current is 'false'");
    throwsAmqp(() => v.declareQueue('q', qOpts({ autoDelete: true }), connA), 406,
      "PRECONDITION_FAILED - inequivalent arg 'auto_delete' for queue 'q' in vhost '/': received 'true' but current is 'false'");
  });

  test('redeclaring with a different compared argument is 406 describing both sides', () => {
    const v = new VHost('/');
    v.declareQueue('q', qOpts(), connA);
    throwsAmqp(() => v.declareQueue('q', qOpts({ arguments: { 'x-message-ttl': 100 } }), connA), 406,
      "PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue 'q' in vhost '/': received the value '100' of type 'signedint' but current is none");
    v.declareQueue('r', qOpts({ arguments: { 'x-max-length': 5 } }), connA);
    throwsAmqp(() => v.declareQueue('r', qOpts({ arguments: { 'x-max-length': 6 } }), connA), 406,
      "PRECONDITION_FAILED - inequivalent arg 'x-max-length' for queue 'r' in vhost '/': received '6' but current is '5'");
  });

  test('invalid queue arguments are 406 invalid arg, as RabbitMQ words them', () => {
    const v = new VHost('/');
    throwsAmqp(() => v.declareQueue('q', qOpts({ arguments: { 'x-max-priority': 300 } }), connA), 406,
      "PRECONDITION_FAILED - invalid arg 'x-max-priority' for queue 'q' in vhost '/': {max_value_exceeded,300}");
    throwsAmqp(() => v.declareQueue('q', qOpts({ arguments: { 'x-expires': 0 } }), connA), 406,
      "PRECONDITION_FAILED - invalid arg 'x-expires' for queue 'q' in vhost '/': {value_zero,0}");
    throwsAmqp(() => v.declareQueue('q', qOpts({ arguments: { 'x-message-ttl': -1 } }), connA), 406,
      "PRECONDITION_FAILED - invalid arg 'x-message-ttl' for queue 'q' in vhost '/': {value_negative,-1}");
    throwsAmqp(() => v.declareQueue('q', qOpts({ arguments: { 'x-overflow': 'foo' } }), connA), 406,
      "PRECONDITION_FAILED - invalid arg 'x-overflow' for queue 'q' in vhost '/': invalid_overflow");
    throwsAmqp(() => v.declareQueue('q', qOpts({ arguments: { 'x-max-length': 'abc' } }), connA), 406,
      `PRECONDITION_FAILED - invalid arg 'x-max-length' for queue 'q' in vhost '/': "expected integer, got longstr"`);
    assert.equal(v.queues.size, 0, 'nothing was created');
  });

  test('deleting a missing queue returns 0; if-unused and if-empty are 406', () => {
    const v = new VHost('/');
    assert.equal(v.deleteQueue('missing', false, false, connA), 0);
    const q = v.declareQueue('q', qOpts(), connA);
    q.enqueue(new Message('', 'q', Buffer.alloc(2), Buffer.from('x'), false, 0));
    throwsAmqp(() => v.deleteQueue('q', false, true, connA), 406, "PRECONDITION_FAILED - queue 'q' in vhost '/' not empty");
    const owner: ConsumerOwner = { connectionOwner: connA, canDeliver: () => false, deliver: () => {}, cancelledByServer: () => {} };
    q.addConsumer(new Consumer('c', q, owner, false, false, 0, 0, {}));
    throwsAmqp(() => v.deleteQueue('q', true, false, connA), 406, "PRECONDITION_FAILED - queue 'q' in vhost '/' in use");
    assert.equal(v.deleteQueue('q', false, false, connA), 1);
    assert.equal(v.queues.has('q'), false);
  });
});

describe('vhost: exclusive queues', () => {
  const locked = (name: string) =>
    `RESOURCE_LOCKED - cannot obtain exclusive access to locked queue '${name}' in vhost '/'. It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.`;

  test('another connection cannot declare, passively declare, look up or delete an exclusive queue (405)', () => {
    const v = new VHost('/');
    v.declareQueue('ex', qOpts({ exclusive: true }), connA);
    throwsAmqp(() => v.declareQueue('ex', qOpts({ exclusive: true }), connB), 405, locked('ex'));
    throwsAmqp(() => v.declareQueue('ex', qOpts(), connB), 405, locked('ex'));
    throwsAmqp(() => v.declareQueue('ex', qOpts({ passive: true }), connB), 405, locked('ex'));
    throwsAmqp(() => v.queue('ex', connB), 405, locked('ex'));
    throwsAmqp(() => v.deleteQueue('ex', false, false, connB), 405, locked('ex'));
    assert.ok(v.queues.has('ex'));
  });

  test('the owning connection can use it freely', () => {
    const v = new VHost('/');
    const q = v.declareQueue('ex', qOpts({ exclusive: true }), connA);
    assert.equal(v.declareQueue('ex', qOpts({ exclusive: true }), connA), q);
    assert.equal(v.declareQueue('ex', qOpts({ passive: true }), connA), q);
    assert.equal(v.queue('ex', connA), q);
    assert.equal(v.deleteQueue('ex', false, false, connA), 0);
  });

  test('redeclaring with a different exclusive flag is 405, from the owner too', () => {
    const v = new VHost('/');
    v.declareQueue('ex', qOpts({ exclusive: true }), connA);
    throwsAmqp(() => v.declareQueue('ex', qOpts({ exclusive: false }), connA), 405, locked('ex'));
    v.declareQueue('shared', qOpts(), connA);
    throwsAmqp(() => v.declareQueue('shared', qOpts({ exclusive: true }), connA), 405, locked('shared'));
  });

  test('the exclusive check comes before the durable check (RabbitMQ answers 405, not 406)', () => {
    // RabbitMQ 3.10.8: a non-exclusive, non-durable queue redeclared durable + exclusive gives 405 RESOURCE_LOCKED.
    const v = new VHost('/');
    v.declareQueue('shared', qOpts(), connA);
    throwsAmqp(() => v.declareQueue('shared', qOpts({ durable: true, exclusive: true }), connA), 405, locked('shared'));
  });

  test("closing the owner's connection deletes its exclusive queues only", () => {
    const v = new VHost('/');
    v.declareQueue('a1', qOpts({ exclusive: true }), connA);
    v.declareQueue('b1', qOpts({ exclusive: true }), connB);
    v.declareQueue('shared', qOpts(), connA);
    v.releaseOwner(connA);
    assert.deepEqual([...v.queues.keys()].sort(), ['b1', 'shared']);
  });
});

describe('vhost: exchange-to-exchange routing', () => {
  test('a message follows exchange bindings to the queues behind them', () => {
    const v = new VHost('/');
    const x1 = v.declareExchange('x1', 'direct', exOpts());
    const x2 = v.declareExchange('x2', 'topic', exOpts());
    v.bind(x1, x2, 'k', {});
    v.bind(x2, v.declareQueue('q', qOpts(), connA), '#', {});
    assert.deepEqual(routed(v, x1, 'k'), ['q']);
    assert.deepEqual(routed(v, x1, 'other'), []);
  });

  test('a cycle of exchange bindings terminates and each queue gets the message once', () => {
    const v = new VHost('/');
    const x1 = v.declareExchange('x1', 'fanout', exOpts());
    const x2 = v.declareExchange('x2', 'fanout', exOpts());
    const x3 = v.declareExchange('x3', 'fanout', exOpts());
    v.bind(x1, x2, '', {});
    v.bind(x2, x3, '', {});
    v.bind(x3, x1, '', {});
    v.bind(x2, v.declareQueue('q2', qOpts(), connA), '', {});
    v.bind(x3, v.declareQueue('q3', qOpts(), connA), '', {});
    v.bind(x1, v.queues.get('q3')!, '', {});
    assert.deepEqual(routed(v, x1, ''), ['q2', 'q3']);
    assert.deepEqual(routed(v, x3, ''), ['q2', 'q3']);
  });

  test('an exchange bound to itself terminates', () => {
    const v = new VHost('/');
    const x = v.declareExchange('x', 'fanout', exOpts());
    v.bind(x, x, '', {});
    v.bind(x, v.declareQueue('q', qOpts(), connA), '', {});
    assert.deepEqual(routed(v, x, ''), ['q']);
  });

  test('deleting an exchange removes the bindings in which it is the destination', () => {
    const v = new VHost('/');
    const x1 = v.declareExchange('x1', 'fanout', exOpts());
    const x2 = v.declareExchange('x2', 'fanout', exOpts());
    v.bind(x1, x2, '', {});
    v.deleteExchange('x2', false);
    assert.equal(x1.bindings.size, 0);
  });
});

describe('vhost: alternate exchanges', () => {
  function withAe(): { v: VHost; x: Exchange } {
    const v = new VHost('/');
    const ae = v.declareExchange('ae', 'fanout', exOpts());
    v.bind(ae, v.declareQueue('unrouted', qOpts(), connA), '', {});
    const x = v.declareExchange('x', 'direct', exOpts({ arguments: { 'alternate-exchange': 'ae' } }));
    v.bind(x, v.declareQueue('q', qOpts(), connA), 'k', {});
    return { v, x };
  }

  test('a message nothing matched goes to the alternate exchange', () => {
    const { v, x } = withAe();
    assert.deepEqual(routed(v, x, 'nomatch'), ['unrouted']);
  });

  test('a matched message does not go to the alternate exchange', () => {
    const { v, x } = withAe();
    assert.deepEqual(routed(v, x, 'k'), ['q']);
  });

  test('a match on an exchange binding counts as matched even if that exchange routes nowhere (as RabbitMQ)', () => {
    // RabbitMQ 3.10.8: x1 (AE = ae) bound to an empty x2 with key k; publishing k to x1 reaches no queue.
    const { v, x } = withAe();
    v.bind(x, v.declareExchange('empty', 'direct', exOpts()), 'to-empty', {});
    assert.deepEqual(routed(v, x, 'to-empty'), []);
  });

  test("an exchange reached through a binding uses its own alternate exchange when it matches nothing", () => {
    const { v, x } = withAe();
    const front = v.declareExchange('front', 'fanout', exOpts());
    v.bind(front, x, '', {});
    assert.deepEqual(routed(v, front, 'nomatch'), ['unrouted']);
  });

  test('alternate exchanges chain, and a cycle of them terminates', () => {
    const v = new VHost('/');
    const a = v.declareExchange('a', 'direct', exOpts({ arguments: { 'alternate-exchange': 'b' } }));
    v.declareExchange('b', 'direct', exOpts({ arguments: { 'alternate-exchange': 'c' } }));
    const c = v.declareExchange('c', 'direct', exOpts({ arguments: { 'alternate-exchange': 'a' } }));
    assert.deepEqual(routed(v, a, 'k'), []);
    v.bind(c, v.declareQueue('last', qOpts(), connA), 'k', {});
    assert.deepEqual(routed(v, a, 'k'), ['last']);
  });

  test('an alternate exchange that does not exist is ignored', () => {
    const v = new VHost('/');
    const x = v.declareExchange('x', 'direct', exOpts({ arguments: { 'alternate-exchange': 'missing' } }));
    assert.deepEqual(routed(v, x, 'k'), []);
  });
});

describe('vhost: auto-delete exchanges', () => {
  test('an auto-delete exchange is removed when its last binding is removed', () => {
    const v = new VHost('/');
    const x = v.declareExchange('ad', 'fanout', exOpts({ autoDelete: true }));
    const q1 = v.declareQueue('q1', qOpts(), connA);
    const q2 = v.declareQueue('q2', qOpts(), connA);
    v.bind(x, q1, '', {});
    v.bind(x, q2, '', {});
    v.unbind(x, q1, '', {});
    assert.ok(v.exchanges.has('ad'), 'one binding remains');
    v.unbind(x, q2, '', {});
    assert.equal(v.exchanges.has('ad'), false);
  });

  test('an auto-delete exchange that never had a binding stays', () => {
    const v = new VHost('/');
    v.declareExchange('ad', 'fanout', exOpts({ autoDelete: true }));
    v.declareExchange('ad', 'fanout', exOpts({ autoDelete: true }));
    assert.ok(v.exchanges.has('ad'));
  });

  test('deleting the last bound queue removes the auto-delete exchange', () => {
    const v = new VHost('/');
    const x = v.declareExchange('ad', 'direct', exOpts({ autoDelete: true }));
    v.bind(x, v.declareQueue('q', qOpts(), connA), 'k', {});
    v.deleteQueue('q', false, false, connA);
    assert.equal(v.exchanges.has('ad'), false);
  });

  test('removal cascades through exchange-to-exchange bindings (as RabbitMQ)', () => {
    // RabbitMQ 3.10.8: a1 (auto-delete) → a2 (auto-delete) → q; deleting q removes a2 and then a1.
    const v = new VHost('/');
    const a1 = v.declareExchange('a1', 'fanout', exOpts({ autoDelete: true }));
    const a2 = v.declareExchange('a2', 'fanout', exOpts({ autoDelete: true }));
    v.bind(a1, a2, '', {});
    v.bind(a2, v.declareQueue('q', qOpts(), connA), '', {});
    v.deleteQueue('q', false, false, connA);
    assert.equal(v.exchanges.has('a2'), false);
    assert.equal(v.exchanges.has('a1'), false);
  });

  test('an exchange without auto-delete stays when its last binding goes', () => {
    const v = new VHost('/');
    const x = v.declareExchange('keep', 'fanout', exOpts());
    const q = v.declareQueue('q', qOpts(), connA);
    v.bind(x, q, '', {});
    v.unbind(x, q, '', {});
    assert.ok(v.exchanges.has('keep'));
  });

  test('an auto-delete queue is removed from the vhost, with its bindings, when its last consumer leaves', () => {
    const v = new VHost('/');
    const q = v.declareQueue('adq', qOpts({ autoDelete: true }), connA);
    const x = v.declareExchange('x', 'fanout', exOpts());
    v.bind(x, q, '', {});
    const owner: ConsumerOwner = { connectionOwner: connA, canDeliver: () => true, deliver: () => {}, cancelledByServer: () => {} };
    const c = new Consumer('c', q, owner, false, false, 0, 0, {});
    q.addConsumer(c);
    q.removeConsumer(c);
    assert.equal(v.queues.has('adq'), false);
    assert.equal(x.bindings.size, 0);
    assert.deepEqual(routed(v, x, ''), []);
  });
});
