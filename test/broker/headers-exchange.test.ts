// Headers routing (src/broker/exchanges/headers-exchange.ts) with RabbitMQ's semantics, through a
// VHost. Behaviour marked "RabbitMQ 3.10.8" below was checked against the reference broker.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { VHost } from '../../src/broker/vhost.js';
import type { Exchange } from '../../src/broker/exchange.js';
import type { Queue } from '../../src/broker/queue.js';
import { AmqpError } from '../../src/amqp/amqp-error.js';
import { Decimal, TypedValue } from '../../src/amqp/field-table.js';
import type { FieldTable } from '../../src/amqp/field-table.js';

const owner = {};

function setup(): { vhost: VHost; ex: Exchange; queue: (name: string) => Queue } {
  const vhost = new VHost('/');
  const ex = vhost.declareExchange('hdr', 'headers', { passive: false, durable: false, autoDelete: false, internal: false, arguments: {} });
  const queue = (name: string) =>
    vhost.queues.get(name) ??
    vhost.declareQueue(name, { passive: false, durable: false, exclusive: false, autoDelete: false, arguments: {} }, owner);
  return { vhost, ex, queue };
}

function routed(vhost: VHost, ex: Exchange, headers: FieldTable | undefined): string[] {
  const out = new Set<Queue>();
  vhost.route(ex, ['ignored'], headers, out);
  return [...out].map((q) => q.name).sort();
}

/** Whether a single binding with `args` routes a message with `headers`. */
function matches(args: FieldTable, headers: FieldTable | undefined): boolean {
  const { vhost, ex, queue } = setup();
  vhost.bind(ex, queue('q'), '', args);
  return routed(vhost, ex, headers).length === 1;
}

describe('headers exchange: x-match all (the default)', () => {
  const args = { a: 1, b: 'x' };
  test('all binding arguments present and equal: routed', () => {
    assert.equal(matches(args, { a: 1, b: 'x' }), true);
    assert.equal(matches({ ...args, 'x-match': 'all' }, { a: 1, b: 'x' }), true);
  });
  test('extra headers do not matter', () => {
    assert.equal(matches(args, { a: 1, b: 'x', c: 3 }), true);
  });
  test('one argument missing: not routed', () => {
    assert.equal(matches(args, { a: 1 }), false);
  });
  test('one argument different: not routed', () => {
    assert.equal(matches(args, { a: 1, b: 'y' }), false);
  });
  test('no headers at all: not routed', () => {
    assert.equal(matches(args, undefined), false);
    assert.equal(matches(args, {}), false);
  });
  test('the routing key is ignored', () => {
    const { vhost, ex, queue } = setup();
    vhost.bind(ex, queue('q'), 'some.key', { a: 1 });
    const out = new Set<Queue>();
    vhost.route(ex, ['other'], { a: 1 }, out);
    assert.equal(out.size, 1);
  });
  test('types are compared too: the string "1" is not the number 1', () => {
    assert.equal(matches({ a: 1 }, { a: '1' }), false);
    assert.equal(matches({ a: true }, { a: 1 }), false);
  });
  test('a binary header equals a string argument with the same bytes', () => {
    assert.equal(matches({ a: 'abc' }, { a: Buffer.from('abc') }), true);
  });
  test('nested tables and arrays compare by value', () => {
    assert.equal(matches({ t: { k: [1, 'v'] } }, { t: { k: [1, 'v'] } }), true);
    assert.equal(matches({ t: { k: [1, 'v'] } }, { t: { k: [1, 'w'] } }), false);
  });
});

describe('headers exchange: x-match any', () => {
  const args = { 'x-match': 'any', a: 1, b: 'x' };
  test('one argument present and equal is enough', () => {
    assert.equal(matches(args, { a: 1 }), true);
    assert.equal(matches(args, { b: 'x', a: 2 }), true);
  });
  test('no argument matching: not routed', () => {
    assert.equal(matches(args, { a: 2, b: 'y' }), false);
    assert.equal(matches(args, { c: 1 }), false);
    assert.equal(matches(args, undefined), false);
  });
});

describe('headers exchange: arguments starting with x-', () => {
  test('plain all ignores x- arguments', () => {
    assert.equal(matches({ 'x-match': 'all', 'x-foo': 1, a: 1 }, { a: 1 }), true);
  });
  test('plain any ignores x- arguments', () => {
    assert.equal(matches({ 'x-match': 'any', 'x-foo': 1, a: 1 }, { 'x-foo': 1 }), false);
  });
  test('all-with-x also requires the x- arguments', () => {
    const args = { 'x-match': 'all-with-x', 'x-foo': 1, a: 1 };
    assert.equal(matches(args, { a: 1 }), false);
    assert.equal(matches(args, { a: 1, 'x-foo': 1 }), true);
    assert.equal(matches(args, { a: 1, 'x-foo': 2 }), false);
  });
  test('any-with-x is satisfied by an x- argument alone', () => {
    const args = { 'x-match': 'any-with-x', 'x-foo': 1, a: 2 };
    assert.equal(matches(args, { 'x-foo': 1 }), true);
    assert.equal(matches(args, { a: 2 }), true);
    assert.equal(matches(args, { a: 1, 'x-foo': 2 }), false);
  });
  test('x-match itself is never compared, even in the -with-x modes', () => {
    assert.equal(matches({ 'x-match': 'all-with-x', a: 1 }, { a: 1 }), true);
  });
});

describe('headers exchange: void-valued arguments test presence only', () => {
  test('a void argument matches a header of any value', () => {
    assert.equal(matches({ a: null }, { a: 'anything' }), true);
    assert.equal(matches({ a: null }, { a: 0 }), true);
    assert.equal(matches({ a: null }, { a: null }), true);
  });
  test('a void argument does not match an absent header', () => {
    assert.equal(matches({ a: null }, { b: 1 }), false);
    assert.equal(matches({ a: null }, undefined), false);
  });
  test('with any, a present void-valued key is enough', () => {
    assert.equal(matches({ 'x-match': 'any', a: null, b: 2 }, { a: false }), true);
  });
  test('a void argument named like an Object.prototype member does not match a message without that header', () => {
    // RabbitMQ 3.10.8: a binding { toString: <void> } does not route a message without headers.
    assert.equal(matches({ toString: null }, undefined), false);
    assert.equal(matches({ constructor: null }, {}), false);
    assert.equal(matches({ 'x-match': 'any', hasOwnProperty: null }, { a: 1 }), false);
  });
});

describe('headers exchange: numbers compare by value across wire widths', () => {
  const widths = [
    ['b (int8)', new TypedValue('b', 1)],
    ['B (uint8)', new TypedValue('B', 1)],
    ['s (int16)', new TypedValue('s', 1)],
    ['u (uint16)', new TypedValue('u', 1)],
    ['I (int32)', 1],
    ['i (uint32)', new TypedValue('i', 1)],
    ['l (int64)', new TypedValue('l', 1)],
    ['L (uint64)', new TypedValue('L', 1n)],
    ['f (float)', new TypedValue('f', 1)],
    ['bigint long', 1n],
  ] as const;
  for (const [name, header] of widths) {
    test(`an int32 argument 1 matches a ${name} header 1`, () => {
      assert.equal(matches({ n: 1 }, { n: header }), true);
      assert.equal(matches({ n: 2 }, { n: header }), false);
    });
  }
  test('a double argument 2.5 matches a float header 2.5', () => {
    assert.equal(matches({ n: 2.5 }, { n: new TypedValue('f', 2.5) }), true);
  });
  test('64-bit values are compared exactly, not after rounding to a double', () => {
    assert.equal(matches({ n: 2n ** 62n }, { n: 2n ** 62n + 1n }), false);
    assert.equal(matches({ n: new TypedValue('L', 2n ** 64n - 1n) }, { n: new TypedValue('L', 2n ** 64n - 2n) }), false);
  });
  test('decimals compare by scale and value', () => {
    assert.equal(matches({ d: new Decimal(2, 150) }, { d: new Decimal(2, 150) }), true);
    assert.equal(matches({ d: new Decimal(2, 150) }, { d: new Decimal(2, 151) }), false);
  });
});

describe('headers exchange: bindings without conditions', () => {
  test('all with no arguments matches every message, with or without headers', () => {
    assert.equal(matches({}, undefined), true);
    assert.equal(matches({}, { a: 1 }), true);
    assert.equal(matches({ 'x-match': 'all' }, {}), true);
  });
  test('all with only x- arguments matches every message', () => {
    assert.equal(matches({ 'x-match': 'all', 'x-ignored': 1 }, {}), true);
  });
  test('any with no arguments matches nothing', () => {
    assert.equal(matches({ 'x-match': 'any' }, undefined), false);
    assert.equal(matches({ 'x-match': 'any' }, { a: 1 }), false);
    assert.equal(matches({ 'x-match': 'any', 'x-ignored': 1 }, { 'x-ignored': 1 }), false);
  });
});

describe('headers exchange: bindings and unbinding', () => {
  test('several bindings of one queue route it once', () => {
    const { vhost, ex, queue } = setup();
    const q = queue('q');
    vhost.bind(ex, q, '', { a: 1 });
    vhost.bind(ex, q, '', { b: 2 });
    vhost.bind(ex, q, '', {});
    const out = new Set<Queue>();
    vhost.route(ex, [''], { a: 1, b: 2 }, out);
    assert.equal(out.size, 1);
  });

  test('unbind removes only the binding with those arguments', () => {
    const { vhost, ex, queue } = setup();
    const q = queue('q');
    vhost.bind(ex, q, '', { a: 1 });
    vhost.bind(ex, q, '', { b: 2 });
    vhost.unbind(ex, q, '', { a: 1 });
    assert.deepEqual(routed(vhost, ex, { a: 1 }), []);
    assert.deepEqual(routed(vhost, ex, { b: 2 }), ['q']);
  });

  test('argument order does not make a different binding', () => {
    const { vhost, ex, queue } = setup();
    const q = queue('q');
    vhost.bind(ex, q, '', { a: 1, b: 2 });
    vhost.bind(ex, q, '', { b: 2, a: 1 });
    assert.equal(ex.bindings.size, 1);
    vhost.unbind(ex, q, '', { b: 2, a: 1 });
    assert.deepEqual(routed(vhost, ex, { a: 1, b: 2 }), []);
  });

  test('arguments with the same text but different types are different bindings', () => {
    // RabbitMQ 3.10.8: binding {n: 1} and {n: "1"} to one queue keeps both; a message with n = "1" is routed.
    const { vhost, ex, queue } = setup();
    const q = queue('q');
    vhost.bind(ex, q, '', { n: 1 });
    vhost.bind(ex, q, '', { n: '1' });
    assert.equal(ex.bindings.size, 2);
    assert.deepEqual(routed(vhost, ex, { n: '1' }), ['q']);
  });

  test('typed arguments with different values are different bindings', () => {
    const { vhost, ex, queue } = setup();
    const q = queue('q');
    vhost.bind(ex, q, '', { n: new TypedValue('s', 1) });
    vhost.bind(ex, q, '', { n: new TypedValue('s', 2) });
    assert.equal(ex.bindings.size, 2);
    assert.deepEqual(routed(vhost, ex, { n: 2 }), ['q']);
  });

  test('table-valued arguments with different contents are different bindings', () => {
    const { vhost, ex, queue } = setup();
    const q = queue('q');
    vhost.bind(ex, q, '', { t: { k: 1 } });
    vhost.bind(ex, q, '', { t: { k: 2 } });
    assert.equal(ex.bindings.size, 2);
    assert.deepEqual(routed(vhost, ex, { t: { k: 2 } }), ['q']);
  });

  test('an x-match value other than all, any, all-with-x, any-with-x is refused with 406', () => {
    // RabbitMQ 3.10.8: PRECONDITION_FAILED - Invalid x-match field value <<"foo">>; expected all, any, all-with-x, or any-with-x
    const { vhost, ex, queue } = setup();
    assert.throws(() => vhost.bind(ex, queue('q'), '', { 'x-match': 'foo', a: 1 }), (err: unknown) => {
      assert.ok(err instanceof AmqpError);
      assert.equal(err.code, 406);
      assert.equal(err.text, 'PRECONDITION_FAILED - Invalid x-match field value <<"foo">>; expected all, any, all-with-x, or any-with-x');
      return true;
    });
    assert.equal(ex.bindings.size, 0);
  });
});
