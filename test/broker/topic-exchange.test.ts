// Topic routing (src/broker/exchanges/topic-exchange.ts) with RabbitMQ's semantics, through a
// VHost: '*' is exactly one word, '#' zero or more, words may be empty, "" has zero words.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { VHost } from '../../src/broker/vhost.js';
import type { Exchange } from '../../src/broker/exchange.js';
import type { Queue } from '../../src/broker/queue.js';
import type { FieldTable } from '../../src/amqp/field-table.js';

const owner = {};

function setup(): { vhost: VHost; ex: Exchange; queue: (name: string) => Queue } {
  const vhost = new VHost('/');
  const ex = vhost.declareExchange('topic', 'topic', { passive: false, durable: false, autoDelete: false, internal: false, arguments: {} });
  const queue = (name: string) =>
    vhost.declareQueue(name, { passive: false, durable: false, exclusive: false, autoDelete: false, arguments: {} }, owner);
  return { vhost, ex, queue };
}

function routed(vhost: VHost, ex: Exchange, key: string, headers?: FieldTable): string[] {
  const out = new Set<Queue>();
  vhost.route(ex, [key], headers, out);
  return [...out].map((q) => q.name).sort();
}

/** A direct reading of the AMQP topic rules, to check the trie against. */
function reference(pattern: string, key: string): boolean {
  const split = (s: string) => (s === '' ? [] : s.split('.'));
  const go = (p: string[], i: number, k: string[], j: number): boolean => {
    if (i === p.length) return j === k.length;
    if (p[i] === '#') return go(p, i + 1, k, j) || (j < k.length && go(p, i, k, j + 1));
    if (j === k.length) return false;
    return (p[i] === '*' || p[i] === k[j]) && go(p, i + 1, k, j + 1);
  };
  return go(split(pattern), 0, split(key), 0);
}

describe('topic exchange: pattern semantics', () => {
  // [pattern, key, matches]
  const cases: [string, string, boolean][] = [
    ['a.b', 'a.b', true],
    ['a.b', 'a.B', false],
    ['a.b', 'a.b.c', false],
    ['a.b', 'a', false],
    ['*', 'a', true],
    ['*', '', false],
    ['*', 'a.b', false],
    ['*', '.', false],
    ['#', '', true],
    ['#', 'a', true],
    ['#', 'a.b.c', true],
    ['#', '.', true],
    ['a.*', 'a.b', true],
    ['a.*', 'a', false],
    ['a.*', 'a.b.c', false],
    ['a.*', 'a.', true],
    ['a.#', 'a', true],
    ['a.#', 'a.b', true],
    ['a.#', 'a.b.c', true],
    ['a.#', 'a.', true],
    ['a.#', 'b.a', false],
    ['a.#', 'ab', false],
    ['a.#.b', 'a.b', true],
    ['a.#.b', 'a.x.b', true],
    ['a.#.b', 'a.x.y.b', true],
    ['a.#.b', 'a.b.b', true],
    ['a.#.b', 'a.b.c', false],
    ['a.#.b', 'a', false],
    ['a.#.b', 'b', false],
    ['#.#', '', true],
    ['#.#', 'a', true],
    ['#.#', 'a.b.c', true],
    ['#.a', 'a', true],
    ['#.a', 'x.y.a', true],
    ['#.a', 'a.x', false],
    ['*.*', 'a.b', true],
    ['*.*', 'a', false],
    ['*.*', '.', true],
    ['*.*', 'a.', true],
    ['*.#', '', false],
    ['*.#', 'a', true],
    ['#.*', '', false],
    ['#.*', 'a', true],
    ['#.*', 'a.b.c', true],
    ['*.#.*', 'a', false],
    ['*.#.*', 'a.b', true],
    ['*.#.*', 'a.b.c.d', true],
    ['#.b.#', 'b', true],
    ['#.b.#', 'a.b.c', true],
    ['#.b.#', 'abc', false],
    ['a.*.b', 'a..b', true],
    ['a.*.b', 'a.b', false],
    ['a..b', 'a..b', true],
    ['a..b', 'a.b', false],
    ['', '', true],
    ['', 'a', false],
    ['a.', 'a.', true],
    ['a.', 'a', false],
    ['.', '.', true],
    ['.', '', false],
    ['a*.b', 'a*.b', true],
    ['a*.b', 'ax.b', false],
    ['a#', 'a#', true],
    ['a#', 'a.b', false],
    ['ünï.*.日本', 'ünï.x.日本', true],
  ];

  for (const [pattern, key, want] of cases) {
    test(`pattern '${pattern}' ${want ? 'matches' : 'does not match'} key '${key}'`, () => {
      assert.equal(reference(pattern, key), want, 'reference matcher agrees with the table');
      const { vhost, ex, queue } = setup();
      vhost.bind(ex, queue('q'), pattern, {});
      assert.deepEqual(routed(vhost, ex, key), want ? ['q'] : []);
    });
  }

  test('each queue receives a message once, however many of its bindings match', () => {
    const { vhost, ex, queue } = setup();
    const q = queue('q');
    for (const p of ['a.b', 'a.*', 'a.#', '#', '#.b', '*.*', '#.#']) vhost.bind(ex, q, p, {});
    vhost.bind(ex, q, 'a.*', {}); // duplicate binding: ignored
    const out = new Set<Queue>();
    vhost.route(ex, ['a.b'], undefined, out);
    assert.equal(out.size, 1);
    assert.equal(q.bindings.size, 7);
  });

  test('different queues matching the same key all receive it', () => {
    const { vhost, ex, queue } = setup();
    vhost.bind(ex, queue('q1'), 'a.*', {});
    vhost.bind(ex, queue('q2'), 'a.#', {});
    vhost.bind(ex, queue('q3'), 'b.#', {});
    vhost.bind(ex, queue('q4'), '#', {});
    assert.deepEqual(routed(vhost, ex, 'a.b'), ['q1', 'q2', 'q4']);
    assert.deepEqual(routed(vhost, ex, 'a'), ['q2', 'q4']);
    assert.deepEqual(routed(vhost, ex, ''), ['q4']);
  });

  test('several routing keys (CC/BCC) route to the union of their matches', () => {
    const { vhost, ex, queue } = setup();
    vhost.bind(ex, queue('q1'), 'a.*', {});
    vhost.bind(ex, queue('q2'), 'b.*', {});
    const out = new Set<Queue>();
    vhost.route(ex, ['a.x', 'b.y', 'c.z'], undefined, out);
    assert.deepEqual([...out].map((q) => q.name).sort(), ['q1', 'q2']);
  });
});

describe('topic exchange: unbinding', () => {
  test("binding 'a.*' and 'a.#' to one queue and unbinding 'a.*' leaves 'a.#' routing", () => {
    const { vhost, ex, queue } = setup();
    const q = queue('q');
    vhost.bind(ex, q, 'a.*', {});
    vhost.bind(ex, q, 'a.#', {});
    vhost.unbind(ex, q, 'a.*', {});
    assert.deepEqual(routed(vhost, ex, 'a.b'), ['q']);
    assert.deepEqual(routed(vhost, ex, 'a.b.c'), ['q']);
    assert.deepEqual(routed(vhost, ex, 'a'), ['q']);
    vhost.unbind(ex, q, 'a.#', {});
    assert.deepEqual(routed(vhost, ex, 'a.b'), []);
  });

  test("unbinding 'a.#' leaves 'a.*' routing", () => {
    const { vhost, ex, queue } = setup();
    const q = queue('q');
    vhost.bind(ex, q, 'a.*', {});
    vhost.bind(ex, q, 'a.#', {});
    vhost.unbind(ex, q, 'a.#', {});
    assert.deepEqual(routed(vhost, ex, 'a.b'), ['q']);
    assert.deepEqual(routed(vhost, ex, 'a'), []);
    assert.deepEqual(routed(vhost, ex, 'a.b.c'), []);
  });

  test('unbinding one queue leaves another queue with the same pattern bound', () => {
    const { vhost, ex, queue } = setup();
    vhost.bind(ex, queue('q1'), 'a.b', {});
    vhost.bind(ex, queue('q2'), 'a.b', {});
    vhost.unbind(ex, vhost.queues.get('q1')!, 'a.b', {});
    assert.deepEqual(routed(vhost, ex, 'a.b'), ['q2']);
  });

  test('two bindings with the same pattern but different arguments: unbinding one keeps the route', () => {
    const { vhost, ex, queue } = setup();
    const q = queue('q');
    vhost.bind(ex, q, 'a.b', { tag: 'one' });
    vhost.bind(ex, q, 'a.b', { tag: 'two' });
    vhost.unbind(ex, q, 'a.b', { tag: 'one' });
    assert.deepEqual(routed(vhost, ex, 'a.b'), ['q']);
    vhost.unbind(ex, q, 'a.b', { tag: 'two' });
    assert.deepEqual(routed(vhost, ex, 'a.b'), []);
  });

  test('unbinding a longer pattern keeps a shorter one sharing its prefix, and vice versa', () => {
    const { vhost, ex, queue } = setup();
    const q1 = queue('q1');
    const q2 = queue('q2');
    vhost.bind(ex, q1, 'a.b', {});
    vhost.bind(ex, q2, 'a.b.c', {});
    vhost.unbind(ex, q2, 'a.b.c', {});
    assert.deepEqual(routed(vhost, ex, 'a.b'), ['q1']);
    vhost.bind(ex, q2, 'a.b.c', {});
    vhost.unbind(ex, q1, 'a.b', {});
    assert.deepEqual(routed(vhost, ex, 'a.b.c'), ['q2']);
    assert.deepEqual(routed(vhost, ex, 'a.b'), []);
  });

  test('unbinding a binding that does not exist changes nothing', () => {
    const { vhost, ex, queue } = setup();
    const q = queue('q');
    vhost.bind(ex, q, 'a.*', {});
    vhost.unbind(ex, q, 'a.#', {});
    vhost.unbind(ex, q, 'a.*.*', {});
    vhost.unbind(ex, q, 'a.*', { other: 'args' });
    assert.deepEqual(routed(vhost, ex, 'a.b'), ['q']);
  });

  test('unbinding everything prunes the trie back to an empty root', () => {
    const { vhost, ex, queue } = setup();
    const q = queue('q');
    const patterns = ['a.b.c', 'a.*.c', 'a.#', '#', '#.#', '*.b', 'a..b', '', 'x.#.y.*'];
    for (const p of patterns) vhost.bind(ex, q, p, {});
    for (const p of patterns) vhost.unbind(ex, q, p, {});
    const root = (ex as unknown as { root: { isEmpty: boolean } }).root;
    assert.equal(root.isEmpty, true);
    assert.equal(ex.bindings.size, 0);
  });

  test('deleting a queue removes its topic bindings', () => {
    const { vhost, ex, queue } = setup();
    queue('q1');
    vhost.bind(ex, vhost.queues.get('q1')!, 'a.#', {});
    vhost.bind(ex, queue('q2'), 'a.#', {});
    vhost.deleteQueue('q1', false, false, owner);
    assert.deepEqual(routed(vhost, ex, 'a.b'), ['q2']);
  });
});

describe('topic exchange: seeded model check', () => {
  function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  test('random binds and unbinds route exactly as the reference matcher over the live bindings', () => {
    const rnd = prng(99);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const words = ['a', 'b', '', 'c'];
    const randomKey = (wild: boolean) => {
      const n = Math.floor(rnd() * 5);
      if (n === 0) return '';
      return Array.from({ length: n }, () => (wild && rnd() < 0.4 ? pick(['*', '#']) : pick(words))).join('.');
    };
    for (let round = 0; round < 30; round++) {
      const { vhost, ex, queue } = setup();
      const queues = ['q0', 'q1', 'q2'].map(queue);
      const live: { q: Queue; pattern: string }[] = [];
      for (let step = 0; step < 60; step++) {
        const q = pick(queues);
        if (rnd() < 0.65 || live.length === 0) {
          const pattern = randomKey(true);
          vhost.bind(ex, q, pattern, {});
          if (!live.some((b) => b.q === q && b.pattern === pattern)) live.push({ q, pattern });
        } else {
          const i = Math.floor(rnd() * live.length);
          vhost.unbind(ex, live[i].q, live[i].pattern, {});
          live.splice(i, 1);
        }
        for (let probe = 0; probe < 5; probe++) {
          const key = randomKey(false);
          const want = [...new Set(live.filter((b) => reference(b.pattern, key)).map((b) => b.q.name))].sort();
          assert.deepEqual(routed(vhost, ex, key), want, `round ${round} step ${step} key '${key}' bindings ${JSON.stringify(live.map((b) => [b.q.name, b.pattern]))}`);
        }
      }
    }
  });
});
