import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Message } from '../../src/broker/message.js';
import { PagedDeque } from '../../src/store/paged-deque.js';

const msg = (i: number, extra: Partial<{ keys: string[]; ttl: number }> = {}) => {
  const m = new Message('ex', `rk.${i}`, Buffer.from([0x10, 0x00, 0x02]), Buffer.from(`body-${i}`), i % 2 === 0, i % 10, extra.ttl ?? -1, extra.keys);
  m.arrivedAt = 1_700_000_000_000 + i;
  m.storeId = i % 3 === 0 ? i + 1 : 0;
  return m;
};

function deque(maxInMemory: number, fileSize?: number) {
  const dir = join(mkdtempSync(join(tmpdir(), 'warren-paging-')), 'q');
  return { dir, d: new PagedDeque({ dir, maxInMemory, fileSize }) };
}

describe('PagedDeque', () => {
  test('keeps FIFO order and every message field across the memory/disk boundary', () => {
    const { d, dir } = deque(100, 64 * 1024);
    const n = 20_000;
    for (let i = 0; i < n; i++) d.push(msg(i, i === 5000 ? { keys: ['a', 'b.c'], ttl: 30 } : {}), i % 7 === 0 ? 1 : 0);
    assert.equal(d.length, n);
    assert.ok(d.pagedOut > n - 200, `most messages should be paged out, ${d.pagedOut} are`);
    for (let i = 0; i < n; i++) {
      const m = d.shift()!;
      if (i === 150) assert.ok(readdirSync(dir).length > 1, 'several paging files');
      assert.equal(m.body.toString(), `body-${i}`);
      assert.equal(d.lastFlags, i % 7 === 0 ? 1 : 0);
      const want = msg(i, i === 5000 ? { keys: ['a', 'b.c'], ttl: 30 } : {});
      assert.deepEqual(
        [m.exchange, m.routingKey, m.properties, m.persistent, m.priority, m.ttl, m.routingKeys, m.arrivedAt, m.storeId],
        [want.exchange, want.routingKey, want.properties, want.persistent, want.priority, want.ttl, want.routingKeys, want.arrivedAt, want.storeId],
      );
    }
    assert.equal(d.length, 0);
    assert.equal(d.shift(), undefined);
    assert.deepEqual(existsSync(dir) ? readdirSync(dir) : [], [], 'drained paging files are deleted');
  });

  test('pushes behind paged-out messages stay behind them; unshift goes to the front', () => {
    const { d } = deque(10);
    for (let i = 0; i < 50; i++) d.push(msg(i));
    const first = d.shift()!;
    for (let i = 50; i < 60; i++) d.push(msg(i));
    d.unshift(first, 1);
    const order: number[] = [];
    for (let m = d.shift(); m; m = d.shift()) order.push(Number(m.body.toString().slice(5)));
    assert.deepEqual(order, Array.from({ length: 60 }, (_, i) => i));
  });

  test('length and bytes count paged-out messages; forEach visits all; clear empties disk too', () => {
    const { d, dir } = deque(5);
    let bytes = 0;
    for (let i = 0; i < 100; i++) {
      const m = msg(i);
      bytes += m.body.length;
      d.push(m);
    }
    assert.equal(d.length, 100);
    assert.equal(d.bytes, bytes);
    let seen = 0;
    d.forEach(() => seen++);
    assert.equal(seen, 100);
    assert.equal(d.clear(), 100);
    assert.equal(d.length, 0);
    assert.equal(d.bytes, 0);
    assert.deepEqual(readdirSync(dir), []);
    d.push(msg(1));
    assert.equal(d.shift()!.body.toString(), 'body-1');
  });

  test('large bodies (bigger than the read chunk) round-trip', () => {
    const { d } = deque(1);
    const big = Buffer.alloc(1024 * 1024, 7);
    d.push(msg(0));
    for (let i = 0; i < 3; i++) d.push(new Message('', 'k', Buffer.from([0, 0]), big, false, 0));
    d.shift();
    for (let i = 0; i < 3; i++) assert.ok(d.shift()!.body.equals(big));
  });

  test('a body held as pieces (a large body as it arrived) is paged out and back joined', () => {
    const { d } = deque(1);
    const whole = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff));
    const pieces = [whole.subarray(0, 65_000), whole.subarray(65_000, 200_000), whole.subarray(200_000)];
    d.push(msg(0));
    d.push(new Message('', 'k', Buffer.from([0, 0]), pieces, false, 0));
    assert.equal(d.bytes, 'body-0'.length + whole.length);
    d.shift();
    const back = d.shift()!;
    assert.equal(back.bodySize, whole.length);
    assert.ok(back.body.equals(whole));
  });
});
