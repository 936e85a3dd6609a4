import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, closeSync, mkdtempSync, openSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageStore } from '../../src/store/message-store.js';
import type { RecoveredMessage } from '../../src/store/message-store.js';

const props = Buffer.from([0x10, 0x00, 0x02]); // delivery-mode flag set, mode 2
const durable = (s: MessageStore) => new Promise<void>((resolve, reject) => s.afterDurable((e) => (e ? reject(e) : resolve())));

/** What the store hands back at open, collected per queue (as the broker's restore sees it). */
function recovered(s: MessageStore): Map<string, RecoveredMessage[]> {
  const out = new Map<string, RecoveredMessage[]>();
  s.recover((q, m) => {
    let list = out.get(q);
    if (!list) out.set(q, (list = []));
    list.push(m);
  });
  return out;
}

function freshDir(): string {
  return mkdtempSync(join(tmpdir(), 'warren-store-'));
}

describe('MessageStore', () => {
  test('published messages come back after reopening, per queue, in publish order', async () => {
    const dir = freshDir();
    const s = MessageStore.open({ dir });
    const q1 = MessageStore.queueKey('/', 'q1');
    const q2 = MessageStore.queueKey('/', 'q2');
    for (let i = 0; i < 5; i++) s.publish(s.newId(), i % 2 === 0 ? [q1, q2] : [q1], 'ex', 'rk' + i, props, Buffer.from('m' + i));
    await durable(s);
    await s.close();
    const r = MessageStore.open({ dir });
    const rec = recovered(r);
    assert.deepEqual(rec.get(q1)!.map((m) => m.body.toString()), ['m0', 'm1', 'm2', 'm3', 'm4']);
    assert.deepEqual(rec.get(q2)!.map((m) => m.body.toString()), ['m0', 'm2', 'm4']);
    assert.equal(rec.get(q1)![1].routingKey, 'rk1');
    assert.deepEqual(rec.get(q1)![0].properties, props);
    await r.close();
  });

  test('after close nothing is written: the closed log\'s fd numbers may already be another file\'s', async () => {
    const dir = freshDir();
    const s = MessageStore.open({ dir });
    const q = MessageStore.queueKey('/', 'q');
    s.publish(s.newId(), [q], 'ex', 'rk', props, Buffer.from('before'));
    await durable(s);
    await s.close();
    // A file opened now may get the number of the log's closed segment fd (lowest free number).
    const other = join(dir, 'other-file');
    const fd = openSync(other, 'w');
    try {
      // A late publish (a timer of a closed broker) goes nowhere; its durability callback fails.
      s.publish(s.newId(), [q], 'ex', 'rk', props, Buffer.from('after close'));
      const outcome = await new Promise<Error | undefined>((resolve) => s.afterDurable(resolve));
      assert.match(String(outcome), /closed/);
    } finally {
      closeSync(fd);
    }
    assert.equal(statSync(other).size, 0, 'the other file is untouched');
    const r = MessageStore.open({ dir });
    assert.deepEqual(recovered(r).get(q)!.map((m) => m.body.toString()), ['before']);
    await r.close();
  });

  test('acknowledged messages are not recovered; delivered ones come back redelivered', async () => {
    const dir = freshDir();
    const s = MessageStore.open({ dir });
    const q = MessageStore.queueKey('/', 'q');
    const ids = [s.newId(), s.newId(), s.newId()];
    for (const id of ids) s.publish(id, [q], '', 'q', props, Buffer.from(String(id)));
    await durable(s);
    s.ack(q, ids[0]);
    s.delivered(q, ids[1]);
    await durable(s);
    await s.close();
    const r = MessageStore.open({ dir });
    const rec = recovered(r);
    const got = rec.get(q)!;
    assert.deepEqual(got.map((m) => [m.id, m.redelivered]), [[ids[1], true], [ids[2], false]]);
    await r.close();
  });

  test('a purge removes every earlier message of that queue only', async () => {
    const dir = freshDir();
    const s = MessageStore.open({ dir });
    const a = MessageStore.queueKey('/', 'a');
    const b = MessageStore.queueKey('/', 'b');
    const id1 = s.newId();
    s.publish(id1, [a, b], '', '', props, Buffer.from('x'));
    s.purge(a, [id1]);
    const id2 = s.newId();
    s.publish(id2, [a], '', '', props, Buffer.from('y'));
    await durable(s);
    await s.close();
    const r = MessageStore.open({ dir });
    const rec = recovered(r);
    assert.deepEqual(rec.get(a)!.map((m) => m.body.toString()), ['y']);
    assert.deepEqual(rec.get(b)!.map((m) => m.body.toString()), ['x']);
    await r.close();
  });

  test('a torn or corrupt tail is cut off and everything before it recovers', async () => {
    const dir = freshDir();
    const s = MessageStore.open({ dir });
    const q = MessageStore.queueKey('/', 'q');
    for (let i = 0; i < 10; i++) s.publish(s.newId(), [q], '', 'q', props, Buffer.alloc(100, i));
    await durable(s);
    await s.close();
    const seg = readdirSync(dir).filter((f) => f.endsWith('.seg')).map((f) => join(dir, f)).find((f) => statSync(f).size > 0)!;
    // Cut the last record in half and add garbage after a valid prefix.
    truncateSync(seg, statSync(seg).size - 50);
    appendFileSync(seg, Buffer.from('garbage that is not a record'));
    const r = MessageStore.open({ dir });
    const rec = recovered(r);
    assert.equal(rec.get(q)!.length, 9);
    // New writes after recovery are readable on the next start.
    r.publish(r.newId(), [q], '', 'q', props, Buffer.from('after'));
    await durable(r);
    await r.close();
    const r2 = MessageStore.open({ dir });
    const rec2 = recovered(r2);
    assert.equal(rec2.get(q)!.length, 10);
    assert.equal(rec2.get(q)!.at(-1)!.body.toString(), 'after');
    await r2.close();
  });

  test('segments whose messages are all acknowledged are deleted, oldest first', async () => {
    const dir = freshDir();
    const s = MessageStore.open({ dir, segmentSize: 4096 });
    const q = MessageStore.queueKey('/', 'q');
    const ids: number[] = [];
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 5; i++) {
        const id = s.newId();
        ids.push(id);
        s.publish(id, [q], '', 'q', props, Buffer.alloc(200));
      }
      await durable(s);
    }
    assert.ok(s.segmentCount > 5, `expected several segments, got ${s.segmentCount}`);
    for (const id of ids) s.ack(q, id);
    await durable(s);
    // One more write so the log moves past the acked segments.
    s.publish(s.newId(), [q], '', 'q', props, Buffer.alloc(5000));
    await durable(s);
    assert.ok(s.segmentCount <= 2, `expected the acked segments to be gone, ${s.segmentCount} left`);
    await s.close();
    const r = MessageStore.open({ dir, segmentSize: 4096 });
    const rec = recovered(r);
    assert.equal(rec.get(q)!.length, 1);
    await r.close();
  });

  test('compaction: one long-lived message does not pin the segments written after it', async () => {
    const dir = freshDir();
    const s = MessageStore.open({ dir, segmentSize: 4096 });
    const keep = MessageStore.queueKey('/', 'keep');
    const a = MessageStore.queueKey('/', 'a');
    const b = MessageStore.queueKey('/', 'b');
    const old = s.newId();
    s.publish(old, [keep], '', 'keep', props, Buffer.from('long-lived'));
    // A fanout message: queue a acks it, queue b still holds it.
    const shared = s.newId();
    s.publish(shared, [a, b], '', 'x', props, Buffer.from('shared'));
    await durable(s);
    s.ack(a, shared);
    for (let round = 0; round < 60; round++) {
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) {
        const id = s.newId();
        ids.push(id);
        s.publish(id, [keep], '', 'keep', props, Buffer.alloc(200));
      }
      await durable(s);
      for (const id of ids) s.ack(keep, id);
      await durable(s);
    }
    // Let the last compaction's Moved records land and the old segments go.
    await durable(s);
    await durable(s);
    assert.ok(s.segmentCount <= 4, `expected compaction to keep few segments, ${s.segmentCount} on disk`);
    await s.close();
    const r = MessageStore.open({ dir, segmentSize: 4096 });
    const rec = recovered(r);
    assert.deepEqual(rec.get(keep)!.map((m) => m.body.toString()), ['long-lived']);
    assert.equal(rec.get(a), undefined, 'queue a acknowledged the shared message');
    assert.deepEqual(rec.get(b)!.map((m) => m.body.toString()), ['shared']);
    // Acks after compaction refer to the moved copies and still take effect.
    r.ack(keep, old);
    r.ack(b, shared);
    await durable(r);
    await r.close();
    const r2 = MessageStore.open({ dir, segmentSize: 4096 });
    const rec2 = recovered(r2);
    assert.equal(rec2.size, 0);
    await r2.close();
  });
});
