// The output buffer (src/amqp/buffer-writer.ts): bytes handed over with take() are never written
// again, whether the writer goes on in the rest of the same buffer or in a new one.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Writer } from '../../src/amqp/buffer-writer.js';

describe('Writer.take', () => {
  test('hands over exactly the bytes written, and later writes never change them', () => {
    const w = new Writer(64);
    const taken: [Buffer, string][] = [];
    for (let i = 0; i < 200; i++) {
      const s = `chunk-${i}-`.repeat(1 + (i % 7));
      w.bytes(Buffer.from(s));
      const out = w.take();
      assert.equal(w.pos, 0);
      taken.push([out, s]);
    }
    for (const [out, s] of taken) assert.equal(out.toString(), s);
  });

  test('a small take leaves the writer in the rest of the same buffer (no new allocation)', () => {
    const w = new Writer(64 * 1024);
    w.u32(7);
    const first = w.take();
    w.u32(8);
    const second = w.take();
    assert.equal(second.buffer, first.buffer, 'same ArrayBuffer');
    assert.equal(second.byteOffset, first.byteOffset + 4, 'right after the bytes handed over');
    assert.deepEqual([first.readUInt32BE(0), second.readUInt32BE(0)], [7, 8]);
  });

  test('once less than a quarter of a chunk is left, the writer moves to a new buffer', () => {
    const w = new Writer(1024);
    w.bytes(Buffer.alloc(800, 1));
    const first = w.take();
    w.u8(2);
    const second = w.take();
    assert.notEqual(second.buffer, first.buffer);
    assert.ok(first.every((b) => b === 1));
    assert.equal(second[0], 2);
  });
});
