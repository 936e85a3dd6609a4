// A message's body (src/broker/message.ts): one buffer, or the pieces a large body arrived in,
// joined only when a caller needs one buffer.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Message } from '../../src/broker/message.js';

const noProperties = Buffer.from('0000', 'hex');

describe('message body', () => {
  test('a body given as one buffer is that buffer, its size its length', () => {
    const body = Buffer.from('hello');
    const m = new Message('', 'q', noProperties, body, false, 0);
    assert.equal(m.body, body);
    assert.equal(m.bodyPieces, body);
    assert.equal(m.bodySize, 5);
  });

  test('a body given as pieces keeps them until one buffer is asked for, then is joined once', () => {
    const pieces = [Buffer.from('hel'), Buffer.from(''), Buffer.from('lo, '), Buffer.from('world')];
    const m = new Message('', 'q', noProperties, pieces, false, 0);
    assert.equal(m.bodySize, 12);
    assert.equal(m.bodyPieces, pieces, 'held as given');
    const joined = m.body;
    assert.equal(joined.toString(), 'hello, world');
    assert.equal(m.body, joined, 'joined once: the same buffer every time');
    assert.equal(m.bodyPieces, joined, 'the pieces are let go');
  });

  test('copyBodyTo copies pieces in order without joining them', () => {
    const pieces = [Buffer.from('ab'), Buffer.from('cde')];
    const m = new Message('', 'q', noProperties, pieces, false, 0);
    const target = Buffer.alloc(9, '.');
    assert.equal(m.copyBodyTo(target, 2), 5);
    assert.equal(target.toString(), '..abcde..');
    assert.equal(m.bodyPieces, pieces, 'still in pieces');
  });
});
