// The frame writer (src/amqp/frame-writer.ts), against a stub socket that records writes:
// frame bytes, body splitting at frame_max, and one flush per event-loop turn.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { FrameWriter } from '../../src/amqp/frame-writer.js';
import { FrameParser } from '../../src/amqp/frame-parser.js';
import { MethodId } from '../../src/amqp/spec.js';
import type { Method } from '../../src/amqp/spec.js';

/** The part of net.Socket the writer uses, recording what it is given. */
class StubSocket {
  writes: Buffer[] = [];
  /** The Buffer objects passed to write, uncopied (to check zero-copy). */
  raw: Buffer[] = [];
  corked = 0;
  uncorked = 0;
  destroyed = false;
  writableLength = 0;
  writeReturns = true;

  write(b: Buffer): boolean {
    this.raw.push(b);
    this.writes.push(Buffer.from(b));
    return this.writeReturns;
  }
  cork(): void { this.corked++; }
  uncork(): void { this.uncorked++; }

  get bytes(): Buffer {
    return Buffer.concat(this.writes);
  }
}

function writerWith(frameMax = 131072): { socket: StubSocket; writer: FrameWriter } {
  const socket = new StubSocket();
  return { socket, writer: new FrameWriter(socket as unknown as Socket, frameMax) };
}

/** Lets the writer's process.nextTick flush run. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface ParsedFrame {
  type: number;
  channel: number;
  payload: Buffer;
}

function parseFrames(bytes: Buffer, maxPayload = 1 << 30): ParsedFrame[] {
  const out: ParsedFrame[] = [];
  const parser = new FrameParser(maxPayload, (type, channel, payload, start, end) => {
    out.push({ type, channel, payload: Buffer.from(payload.subarray(start, end)) });
  });
  parser.push(bytes);
  return out;
}

const deliver: Method = {
  id: MethodId.BasicDeliver, consumerTag: 'c', deliveryTag: 1, redelivered: false, exchange: '', routingKey: 'q',
};

describe('frame writer: frame bytes', () => {
  test('a heartbeat is type 8 on channel 0 with an empty payload: 08 0000 00000000 ce', async () => {
    const { socket, writer } = writerWith();
    writer.heartbeat();
    await nextTurn();
    assert.equal(socket.bytes.toString('hex'), '08000000000000ce');
  });

  test('a method frame: type 1, channel, payload size, method payload, frame end', async () => {
    const { socket, writer } = writerWith();
    writer.method(3, { id: MethodId.BasicAck, deliveryTag: 7, multiple: true });
    await nextTurn();
    assert.equal(socket.bytes.toString('hex'), '01' + '0003' + '0000000d' + '003c0050' + '0000000000000007' + '01' + 'ce');
  });

  test('content: method frame, then a header frame with class, weight 0, 64-bit body size and the properties as given', async () => {
    const { socket, writer } = writerWith();
    const properties = Buffer.from('9000' + '0a' + Buffer.from('text/plain').toString('hex') + '02', 'hex');
    writer.content(1, deliver, 60, properties, Buffer.from('hello'));
    await nextTurn();
    const frames = parseFrames(socket.bytes);
    assert.deepEqual(frames.map((f) => f.type), [1, 2, 3]);
    assert.ok(frames.every((f) => f.channel === 1));
    assert.equal(frames[1].payload.toString('hex'), '003c' + '0000' + '0000000000000005' + properties.toString('hex'));
    assert.equal(frames[2].payload.toString(), 'hello');
  });

  test('an empty body is sent as no body frame at all', async () => {
    const { socket, writer } = writerWith();
    writer.content(1, deliver, 60, Buffer.from('0000', 'hex'), Buffer.alloc(0));
    await nextTurn();
    const frames = parseFrames(socket.bytes);
    assert.deepEqual(frames.map((f) => f.type), [1, 2]);
    assert.equal(frames[1].payload.readUInt32BE(8), 0);
  });

  test('a method that fails to encode leaves no half frame behind', async () => {
    const { socket, writer } = writerWith();
    writer.method(1, { id: MethodId.BasicAck, deliveryTag: 1, multiple: false });
    assert.throws(() => writer.method(1, { id: MethodId.BasicConsumeOk, consumerTag: 'x'.repeat(256) }), RangeError);
    writer.method(1, { id: MethodId.BasicAck, deliveryTag: 2, multiple: false });
    await nextTurn();
    const frames = parseFrames(socket.bytes);
    assert.equal(frames.length, 2);
    assert.deepEqual(frames.map((f) => f.payload.readUInt32BE(8)), [1, 2]);
  });
});

describe('frame writer: body frames never exceed frame_max', () => {
  const frameMax = 4096;
  const limit = frameMax - 8;

  for (const size of [1, limit - 1, limit, limit + 1, 2 * limit, 10_000, 3 * limit + 17]) {
    test(`a ${size}-byte body with frame_max ${frameMax} is split into body frames of at most ${limit} bytes`, async () => {
      const { socket, writer } = writerWith(frameMax);
      const body = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7) & 0xff));
      writer.content(5, deliver, 60, Buffer.from('0000', 'hex'), body);
      await nextTurn();
      // A parser limited to frame_max - 8 accepts every frame the writer produced.
      const frames = parseFrames(socket.bytes, limit);
      const bodies = frames.filter((f) => f.type === 3);
      assert.equal(bodies.length, Math.ceil(size / limit));
      for (const [i, f] of bodies.entries()) {
        assert.ok(f.payload.length <= limit, `body frame ${i} is ${f.payload.length} bytes`);
        if (i < bodies.length - 1) assert.equal(f.payload.length, limit, 'all but the last body frame are full');
      }
      assert.ok(Buffer.concat(bodies.map((f) => f.payload)).equals(body), 'the body frames concatenate to the body');
    });
  }

  test('frame_max raised after tune-ok applies to the next content', async () => {
    const { socket, writer } = writerWith(4096);
    writer.frameMax = 8192;
    writer.content(1, deliver, 60, Buffer.from('0000', 'hex'), Buffer.alloc(8184));
    await nextTurn();
    assert.equal(parseFrames(socket.bytes).filter((f) => f.type === 3).length, 1);
  });

  /** Splits `body` into pieces of the given sizes (the last takes the rest). */
  const split = (body: Buffer, sizes: number[]): Buffer[] => {
    const out: Buffer[] = [];
    let at = 0;
    for (const n of sizes) {
      out.push(body.subarray(at, at + n));
      at += n;
    }
    out.push(body.subarray(at));
    return out;
  };

  for (const sizes of [[1], [limit], [limit - 1, 2], [5000, 5000, 5000], [100, 100, 9000, 1], [3 * limit], [0, 7000, 0]]) {
    test(`a body given as pieces (${sizes.join(', ')}, rest) is framed exactly as the joined body`, async () => {
      const body = Buffer.from(Array.from({ length: 3 * limit + 17 }, (_, i) => (i * 13) & 0xff));
      const joined = writerWith(frameMax);
      joined.writer.content(5, deliver, 60, Buffer.from('0000', 'hex'), body);
      const pieced = writerWith(frameMax);
      pieced.writer.content(5, deliver, 60, Buffer.from('0000', 'hex'), split(body, sizes));
      await nextTurn();
      assert.ok(pieced.socket.bytes.equals(joined.socket.bytes), 'same bytes on the wire');
    });
  }

  test('large pieces go to the socket as they are, including a piece that spans two body frames', async () => {
    const { socket, writer } = writerWith(131072);
    const pieces = [Buffer.alloc(100_000, 1), Buffer.alloc(100_000, 2)];
    writer.content(1, deliver, 60, Buffer.from('0000', 'hex'), pieces);
    await nextTurn();
    assert.ok(socket.raw.some((b) => b === pieces[0]), 'the first piece is written whole, uncopied');
    assert.ok(socket.raw.some((b) => b.buffer === pieces[1].buffer && b.length < pieces[1].length), 'the second is written as views of itself');
    const bodies = parseFrames(socket.bytes).filter((f) => f.type === 3);
    assert.deepEqual(bodies.map((f) => f.payload.length), [131064, 200_000 - 131064]);
    assert.ok(Buffer.concat(bodies.map((f) => f.payload)).equals(Buffer.concat(pieces)));
  });

  test('large body pieces go to the socket as views of the body, not copies', async () => {
    const { socket, writer } = writerWith(131072);
    const body = Buffer.alloc(50_000, 0xab);
    writer.content(1, deliver, 60, Buffer.from('0000', 'hex'), body);
    await nextTurn();
    assert.ok(socket.raw.some((b) => b.buffer === body.buffer), 'the body itself was handed to the socket');
    const frames = parseFrames(socket.bytes);
    assert.ok(frames[2].payload.equals(body));
  });
});

describe('frame writer: batching', () => {
  test('nothing is written synchronously; everything written in one tick arrives in one flush', async () => {
    const { socket, writer } = writerWith(4096);
    writer.method(1, { id: MethodId.BasicAck, deliveryTag: 1, multiple: false });
    writer.content(1, deliver, 60, Buffer.from('0000', 'hex'), Buffer.alloc(10_000, 1));
    writer.heartbeat();
    writer.method(2, { id: MethodId.ChannelCloseOk });
    assert.equal(socket.writes.length, 0, 'no write before the tick ends');
    await nextTurn();
    // One flush: a single write, or several inside exactly one cork/uncork pair.
    if (socket.writes.length > 1) {
      assert.equal(socket.corked, 1);
      assert.equal(socket.uncorked, 1);
    }
    const types = parseFrames(socket.bytes).map((f) => f.type);
    assert.deepEqual(types, [1, 1, 2, 3, 3, 3, 8, 1]);
  });

  test('small frames of one tick are written with a single socket.write', async () => {
    const { socket, writer } = writerWith();
    for (let i = 1; i <= 50; i++) writer.method(1, { id: MethodId.BasicAck, deliveryTag: i, multiple: false });
    await nextTurn();
    assert.equal(socket.writes.length, 1);
    assert.equal(parseFrames(socket.bytes).length, 50);
  });

  test('frames of a later tick go in a later flush, in order', async () => {
    const { socket, writer } = writerWith();
    writer.method(1, { id: MethodId.BasicAck, deliveryTag: 1, multiple: false });
    await nextTurn();
    const after = socket.writes.length;
    writer.method(1, { id: MethodId.BasicAck, deliveryTag: 2, multiple: false });
    await nextTurn();
    assert.equal(socket.writes.length, after + 1);
    assert.deepEqual(parseFrames(socket.bytes).map((f) => f.payload.readUInt32BE(8)), [1, 2]);
  });

  test('flush() reports the socket asking to wait for drain', () => {
    const { socket, writer } = writerWith();
    socket.writeReturns = false;
    writer.heartbeat();
    assert.equal(writer.flush(), false);
  });

  test('flush() with nothing queued writes nothing and reports ready', () => {
    const { socket, writer } = writerWith();
    assert.equal(writer.flush(), true);
    assert.equal(socket.writes.length, 0);
  });

  test('a destroyed socket gets no writes and the queued bytes are dropped', async () => {
    const { socket, writer } = writerWith();
    socket.destroyed = true;
    writer.heartbeat();
    await nextTurn();
    assert.equal(socket.writes.length, 0);
    assert.equal(writer.backlog, 0);
  });

  test('backlog counts bytes encoded but not yet flushed plus the socket buffer', async () => {
    const { socket, writer } = writerWith();
    socket.writableLength = 100;
    assert.equal(writer.backlog, 100);
    writer.heartbeat();
    assert.equal(writer.backlog, 108);
    await nextTurn();
    assert.equal(writer.backlog, 100);
  });

  test('sending anything marks the writer as active for the heartbeat check', () => {
    const { writer } = writerWith();
    assert.equal(writer.sentSinceCheck, false);
    writer.method(0, { id: MethodId.ConnectionCloseOk });
    assert.equal(writer.sentSinceCheck, true);
  });
});
