// The frame parser (src/amqp/frame-parser.ts): however TCP splits or coalesces the byte stream,
// the same frames come out; framing violations are FrameErrors; whole frames are not copied.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FrameError, FrameParser } from '../../src/amqp/frame-parser.js';

interface Frame {
  type: number;
  channel: number;
  payload: string; // hex
}

/** Encodes one frame: type, channel, size, payload, frame-end 0xCE. */
function frame(type: number, channel: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(8 + payload.length);
  b[0] = type;
  b.writeUInt16BE(channel, 1);
  b.writeUInt32BE(payload.length, 3);
  payload.copy(b, 7);
  b[b.length - 1] = 0xce;
  return b;
}

/** A parser that records a copy of every frame (payload views are only valid during the call). */
function collecting(maxPayload = 131072 - 8): { parser: FrameParser; frames: Frame[] } {
  const frames: Frame[] = [];
  const parser = new FrameParser(maxPayload, (type, channel, payload, start, end) => {
    frames.push({ type, channel, payload: payload.toString('hex', start, end) });
  });
  return { parser, frames };
}

function describeFrame(b: Buffer): Frame {
  return { type: b[0], channel: b.readUInt16BE(1), payload: b.toString('hex', 7, b.length - 1) };
}

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

const methodFrame = frame(1, 1, Buffer.from('003c002800000002657802726b00', 'hex'));
const headerFrame = frame(2, 1, Buffer.from('003c0000000000000000001490000a746578742f706c61696e02', 'hex'));
const bodyFrame = frame(3, 1, Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff)));
const heartbeatFrame = frame(8, 0, Buffer.alloc(0));
const stream = Buffer.concat([methodFrame, headerFrame, bodyFrame]);
const expected = [methodFrame, headerFrame, bodyFrame].map(describeFrame);

describe('frame parser: reassembly', () => {
  test('one frame fed byte by byte yields exactly that frame, once, after its last byte', () => {
    const { parser, frames } = collecting();
    for (let i = 0; i < methodFrame.length; i++) {
      assert.equal(frames.length, 0, `no frame before byte ${i}`);
      parser.push(methodFrame.subarray(i, i + 1));
    }
    assert.deepEqual(frames, [describeFrame(methodFrame)]);
  });

  test('three frames fed byte by byte yield the same three frames', () => {
    const { parser, frames } = collecting();
    for (let i = 0; i < stream.length; i++) parser.push(Buffer.from(stream.subarray(i, i + 1)));
    assert.deepEqual(frames, expected);
  });

  test('a stream of three frames split in two at every possible byte boundary yields the same frames', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const { parser, frames } = collecting();
      parser.push(Buffer.from(stream.subarray(0, cut)));
      parser.push(Buffer.from(stream.subarray(cut)));
      assert.deepEqual(frames, expected, `split at ${cut}`);
    }
  });

  test('a stream of three frames in 500 random chunkings yields the same frames every time', () => {
    const rnd = prng(2024);
    for (let round = 0; round < 500; round++) {
      const { parser, frames } = collecting();
      let pos = 0;
      while (pos < stream.length) {
        // mostly small chunks, sometimes large ones, sometimes empty ones
        const r = rnd();
        const n = r < 0.1 ? 0 : r < 0.8 ? 1 + Math.floor(rnd() * 10) : 1 + Math.floor(rnd() * 400);
        parser.push(Buffer.from(stream.subarray(pos, pos + n)));
        pos += n;
      }
      assert.deepEqual(frames, expected, `round ${round}`);
    }
  });

  test('coalesced frames in one chunk are all delivered, in order, from that one push', () => {
    const { parser, frames } = collecting();
    parser.push(Buffer.concat([heartbeatFrame, stream, heartbeatFrame]));
    assert.deepEqual(frames, [describeFrame(heartbeatFrame), ...expected, describeFrame(heartbeatFrame)]);
  });

  test('a chunk that ends one frame and starts the next delivers the first and keeps the rest', () => {
    const { parser, frames } = collecting();
    const cut = methodFrame.length + 5;
    parser.push(Buffer.from(stream.subarray(0, cut)));
    assert.deepEqual(frames, [expected[0]]);
    parser.push(Buffer.from(stream.subarray(cut)));
    assert.deepEqual(frames, expected);
  });

  test('an empty chunk changes nothing', () => {
    const { parser, frames } = collecting();
    parser.push(Buffer.alloc(0));
    parser.push(Buffer.from(methodFrame.subarray(0, 3)));
    parser.push(Buffer.alloc(0));
    parser.push(Buffer.from(methodFrame.subarray(3)));
    assert.deepEqual(frames, [describeFrame(methodFrame)]);
  });

  test('a heartbeat frame has channel 0 and an empty payload', () => {
    const { parser, frames } = collecting();
    parser.push(Buffer.from('08 0000 00000000 ce'.replace(/ /g, ''), 'hex'));
    assert.deepEqual(frames, [{ type: 8, channel: 0, payload: '' }]);
  });
});

describe('frame parser: framing errors', () => {
  test('a wrong frame-end octet in a whole frame throws FrameError', () => {
    const bad = Buffer.from(methodFrame);
    bad[bad.length - 1] = 0x00;
    const { parser, frames } = collecting();
    assert.throws(() => parser.push(bad), FrameError);
    assert.equal(frames.length, 0);
  });

  test('a wrong frame-end octet in a frame assembled from pieces throws FrameError', () => {
    const bad = Buffer.from(methodFrame);
    bad[bad.length - 1] = 0xcf;
    const { parser, frames } = collecting();
    for (let i = 0; i < bad.length - 1; i++) parser.push(Buffer.from(bad.subarray(i, i + 1)));
    assert.throws(() => parser.push(Buffer.from(bad.subarray(bad.length - 1))), FrameError);
    assert.equal(frames.length, 0);
  });

  test('a frame after good frames with a bad end still delivers the good ones first', () => {
    const bad = Buffer.from(bodyFrame);
    bad[bad.length - 1] = 0x01;
    const { parser, frames } = collecting();
    assert.throws(() => parser.push(Buffer.concat([methodFrame, bad])), FrameError);
    assert.deepEqual(frames, [expected[0]]);
  });

  test('a frame larger than maxPayload is refused as soon as its header arrives, before the body', () => {
    const { parser, frames } = collecting(4096 - 8);
    const header = Buffer.from('01 0001 00001000'.replace(/ /g, ''), 'hex'); // size 4096 > 4088
    assert.throws(() => parser.push(header), FrameError);
    assert.equal(frames.length, 0);
  });

  test('an oversized frame whose header is itself split across chunks is refused when the header completes', () => {
    const { parser } = collecting(4096 - 8);
    const header = Buffer.from('01000100001000', 'hex');
    parser.push(header.subarray(0, 3));
    parser.push(header.subarray(3, 6));
    assert.throws(() => parser.push(header.subarray(6, 7)), FrameError);
  });

  test('an oversized frame header followed by part of its body in the same chunk is refused', () => {
    const { parser } = collecting(100);
    assert.throws(() => parser.push(frame(3, 1, Buffer.alloc(101)).subarray(0, 50)), FrameError);
  });

  test("the oversize error reads as RabbitMQ's: type, no octets yet, {frame_too_large,Size,Limit}", () => {
    const { parser } = collecting(4096 - 8);
    assert.throws(() => parser.push(Buffer.from('01000100001000', 'hex')), {
      name: 'FrameError',
      message: 'type 1, all octets = <<>>: {frame_too_large,4096,4088}',
    });
  });

  test("the bad frame-end error reads as RabbitMQ's: type, the payload octets, {invalid_frame_end_marker,Octet}", () => {
    const { parser } = collecting();
    const bad = frame(1, 1, Buffer.from('hi'));
    bad[bad.length - 1] = 0;
    assert.throws(() => parser.push(bad), {
      name: 'FrameError',
      message: 'type 1, all octets = <<"hi">>: {invalid_frame_end_marker,0}',
    });
  });

  test('a frame of exactly maxPayload is accepted', () => {
    const { parser, frames } = collecting(100);
    parser.push(frame(3, 1, Buffer.alloc(100, 1)));
    assert.equal(frames.length, 1);
    assert.equal(frames[0].payload.length, 200);
  });

  test('raising maxPayload (after tune-ok) admits larger frames', () => {
    const { parser, frames } = collecting(10);
    parser.maxPayload = 4096;
    parser.push(frame(3, 1, Buffer.alloc(1000)));
    assert.equal(frames.length, 1);
  });
});

describe('frame parser: zero copy and stop', () => {
  test('a frame wholly inside one chunk is delivered as a view on that chunk', () => {
    const chunk = Buffer.concat([stream]);
    const seen: { sameBuffer: boolean; start: number; end: number }[] = [];
    const parser = new FrameParser(131072, (_t, _c, payload, start, end) => {
      seen.push({ sameBuffer: payload.buffer === chunk.buffer && payload.byteOffset === chunk.byteOffset, start, end });
    });
    parser.push(chunk);
    assert.deepEqual(seen, [
      { sameBuffer: true, start: 7, end: methodFrame.length - 1 },
      { sameBuffer: true, start: methodFrame.length + 7, end: methodFrame.length + headerFrame.length - 1 },
      { sameBuffer: true, start: methodFrame.length + headerFrame.length + 7, end: stream.length - 1 },
    ]);
  });

  test('a frame inside a chunk that is itself a slice of a larger buffer is a view on the same ArrayBuffer', () => {
    const big = Buffer.alloc(stream.length + 20);
    stream.copy(big, 10);
    const chunk = big.subarray(10, 10 + stream.length);
    const buffers: ArrayBufferLike[] = [];
    const parser = new FrameParser(131072, (_t, _c, payload) => buffers.push(payload.buffer));
    parser.push(chunk);
    assert.equal(buffers.length, 3);
    for (const b of buffers) assert.equal(b, big.buffer);
  });

  test('a frame that straddles chunks is assembled into a buffer of exactly its own size', () => {
    const sizes: number[] = [];
    const parser = new FrameParser(131072, (_t, _c, payload, start, end) => {
      sizes.push(payload.length);
      assert.equal(end - start, bodyFrame.length - 8);
    });
    parser.push(Buffer.from(bodyFrame.subarray(0, 100)));
    parser.push(Buffer.from(bodyFrame.subarray(100)));
    assert.deepEqual(sizes, [bodyFrame.length]);
  });

  test('stop() from inside the sink ends delivery: the rest of the chunk is ignored', () => {
    const frames: number[] = [];
    const parser: FrameParser = new FrameParser(131072, (type) => {
      frames.push(type);
      parser.stop();
    });
    parser.push(stream);
    parser.push(stream);
    assert.deepEqual(frames, [1]);
  });

  test('after stop(), input is ignored even when a frame was half received', () => {
    for (const cut of [3, 7, 10]) {
      const { parser, frames } = collecting();
      parser.push(Buffer.from(methodFrame.subarray(0, cut)));
      parser.stop();
      assert.doesNotThrow(() => {
        parser.push(Buffer.from(methodFrame.subarray(cut)));
        parser.push(Buffer.from(stream));
      }, `stopped after ${cut} bytes`);
      assert.deepEqual(frames, [], `stopped after ${cut} bytes`);
    }
  });
});

/**
 * A parser with a BodyPieceSink: frames come out whole, except body frames that straddle chunks,
 * whose pieces are joined here (`last` ends one); `pieces` records each piece body frame's pieces.
 */
function collectingPieces(maxPayload = 131072 - 8): { parser: FrameParser; frames: Frame[]; pieces: number[][] } {
  const frames: Frame[] = [];
  const pieces: number[][] = [];
  let pending: { channel: number; hex: string; sizes: number[] } | null = null;
  const parser = new FrameParser(
    maxPayload,
    (type, channel, payload, start, end) => {
      assert.equal(pending, null, 'no whole frame while a body frame is in pieces');
      frames.push({ type, channel, payload: payload.toString('hex', start, end) });
    },
    (channel, payload, start, end, last) => {
      pending ??= { channel, hex: '', sizes: [] };
      assert.equal(channel, pending.channel);
      pending.hex += payload.toString('hex', start, end);
      pending.sizes.push(end - start);
      if (!last) return;
      frames.push({ type: 3, channel, payload: pending.hex });
      pieces.push(pending.sizes);
      pending = null;
    },
  );
  return { parser, frames, pieces };
}

describe('frame parser: body frames in pieces (large messages are copied once, by the channel)', () => {
  test('a stream split in two at every byte yields the same frames; a straddling body frame comes in pieces', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const { parser, frames, pieces } = collectingPieces();
      parser.push(Buffer.from(stream.subarray(0, cut)));
      parser.push(Buffer.from(stream.subarray(cut)));
      assert.deepEqual(frames, expected, `split at ${cut}`);
      const bodyAt = methodFrame.length + headerFrame.length;
      // Pieces once the first chunk holds the body frame's header and 17 payload octets, up to
      // (and including) a split just before its frame-end octet; otherwise the frame is whole.
      const inPieces = cut >= bodyAt + 7 + 17 && cut < stream.length;
      assert.equal(pieces.length, inPieces ? 1 : 0, `split at ${cut}`);
      if (inPieces) assert.equal(pieces[0].reduce((a, b) => a + b, 0), bodyFrame.length - 8);
    }
  });

  test('500 random chunkings of a stream with several large body frames yield the same frames', () => {
    const big = [1, 2, 3].map((n) => frame(3, n, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * n) & 0xff))));
    const all = Buffer.concat([methodFrame, headerFrame, ...big, bodyFrame, heartbeatFrame]);
    const want = [methodFrame, headerFrame, ...big, bodyFrame, heartbeatFrame].map(describeFrame);
    const rnd = prng(7);
    let pieced = 0;
    for (let round = 0; round < 500; round++) {
      const { parser, frames, pieces } = collectingPieces();
      let pos = 0;
      while (pos < all.length) {
        const r = rnd();
        const n = r < 0.1 ? 0 : r < 0.5 ? 1 + Math.floor(rnd() * 20) : 1 + Math.floor(rnd() * 3000);
        parser.push(Buffer.from(all.subarray(pos, pos + n)));
        pos += n;
      }
      assert.deepEqual(frames, want, `round ${round}`);
      pieced += pieces.length;
    }
    assert.ok(pieced > 500, `body frames were handed on in pieces (${pieced})`);
  });

  test('each piece is a view of the chunk it arrived in, not a copy', () => {
    const chunks: Buffer[] = [Buffer.from(bodyFrame.subarray(0, 100)), Buffer.from(bodyFrame.subarray(100, 200)), Buffer.from(bodyFrame.subarray(200))];
    const seen: { chunk: number; start: number; end: number; last: boolean }[] = [];
    const parser = new FrameParser(
      131072,
      () => assert.fail('no whole frame'),
      (_c, payload, start, end, last) => seen.push({ chunk: chunks.indexOf(payload), start, end, last }),
    );
    for (const c of chunks) parser.push(c);
    assert.deepEqual(seen, [
      { chunk: 0, start: 7, end: 100, last: false },
      { chunk: 1, start: 0, end: 100, last: false },
      { chunk: 2, start: 0, end: bodyFrame.length - 200 - 1, last: true },
    ]);
  });

  test('a frame-end octet that arrives alone ends the frame with an empty last piece', () => {
    const { parser, frames, pieces } = collectingPieces();
    parser.push(Buffer.from(bodyFrame.subarray(0, bodyFrame.length - 1)));
    assert.equal(frames.length, 0, 'not complete before its frame-end octet');
    parser.push(Buffer.from(bodyFrame.subarray(bodyFrame.length - 1)));
    assert.deepEqual(frames, [describeFrame(bodyFrame)]);
    assert.deepEqual(pieces, [[bodyFrame.length - 8, 0]]);
  });

  test("a bad frame-end octet after pieces is a FrameError naming the frame's first octets, and no last piece", () => {
    const bad = Buffer.from(bodyFrame);
    bad[bad.length - 1] = 0x07;
    const lasts: boolean[] = [];
    const parser = new FrameParser(131072, () => {}, (_c, _p, _s, _e, last) => lasts.push(last));
    parser.push(bad.subarray(0, 150));
    assert.throws(() => parser.push(bad.subarray(150)), {
      name: 'FrameError',
      message: 'type 3, first octets = <<0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15>>: {invalid_frame_end_marker,7}',
    });
    assert.deepEqual(lasts, [false]);
  });

  test('a pause in the last piece holds the rest of the chunk until resume', () => {
    const types: number[] = [];
    let parser: FrameParser;
    parser = new FrameParser(
      131072,
      (type) => types.push(type),
      (_c, _p, _s, _e, last) => {
        if (!last) return;
        types.push(3);
        parser.pause();
      },
    );
    const all = Buffer.concat([bodyFrame, methodFrame]);
    parser.push(all.subarray(0, 100));
    parser.push(all.subarray(100));
    assert.deepEqual(types, [3]);
    parser.resume();
    assert.deepEqual(types, [3, 1]);
  });

  test('stop() inside a piece ignores the rest of the frame and everything after it', () => {
    const { parser, frames } = collectingPieces();
    parser.push(Buffer.from(bodyFrame.subarray(0, 100)));
    parser.stop();
    parser.push(Buffer.from(bodyFrame.subarray(100)));
    parser.push(Buffer.from(stream));
    assert.deepEqual(frames, []);
  });
});

describe('pause and resume (a connection blocked by a resource alarm)', () => {
  test('pausing inside a frame callback stops after that frame; resume hands on the rest in order', () => {
    const frames: Frame[] = [];
    let parser: FrameParser;
    parser = new FrameParser(131072, (type, channel, payload, start, end) => {
      frames.push({ type, channel, payload: payload.toString('hex', start, end) });
      if (type === 2) parser.pause();
    });
    const all = [
      frame(1, 1, Buffer.from('method')), frame(2, 1, Buffer.from('header')), frame(3, 1, Buffer.from('body')), frame(1, 2, Buffer.from('next')),
    ];
    const stream = Buffer.concat(all);
    // The tail arrives split, some of it while paused.
    parser.push(stream.subarray(0, stream.length - 5));
    assert.deepEqual(frames, all.slice(0, 2).map(describeFrame));
    parser.push(stream.subarray(stream.length - 5));
    assert.equal(frames.length, 2, 'nothing is handed on while paused');
    parser.resume();
    assert.deepEqual(frames, all.map(describeFrame));
  });

  test('a pause in the frame that completes a straddling frame holds the rest of the chunk', () => {
    const frames: Frame[] = [];
    let parser: FrameParser;
    parser = new FrameParser(131072, (type, channel, payload, start, end) => {
      frames.push({ type, channel, payload: payload.toString('hex', start, end) });
      if (frames.length === 1) parser.pause();
    });
    const all = [frame(2, 1, Buffer.alloc(100, 7)), frame(3, 1, Buffer.from('b1')), frame(3, 1, Buffer.from('b2'))];
    const stream = Buffer.concat(all);
    parser.push(stream.subarray(0, 50));
    parser.push(stream.subarray(50));
    assert.equal(frames.length, 1);
    parser.resume();
    assert.deepEqual(frames, all.map(describeFrame));
  });
});
