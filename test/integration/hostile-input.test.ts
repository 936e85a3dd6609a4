// Hostile and malformed input on raw sockets (node:net), checked against what RabbitMQ 3.10.8
// replies. After every case a fresh amqplib client must still connect and round-trip a message.
//
// The frames are built by hand: frame = type(1) channel(2) size(4) payload(size) 0xCE, method
// payload = class-id(2) method-id(2) arguments. connection.close (10,50) is parsed here:
// reply-code short, reply-text shortstr, failing class-id short, failing method-id short.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import { closeQuietly, connect } from '../support/clients.js';

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker();
});

after(async () => {
  await broker.close();
});

// ---------------------------------------------------------------------------------------------
// Raw frame helpers

const FRAME_END = 0xce;
const PROTOCOL_HEADER = Buffer.from('AMQP\x00\x00\x09\x01', 'latin1');

const u8 = (n: number): Buffer => Buffer.from([n & 0xff]);
const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
const u64 = (n: bigint | number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};
const shortstr = (s: string): Buffer => {
  const x = Buffer.from(s);
  return Buffer.concat([u8(x.length), x]);
};
const longstr = (s: string | Buffer): Buffer => {
  const x = Buffer.isBuffer(s) ? s : Buffer.from(s);
  return Buffer.concat([u32(x.length), x]);
};
/** Field table from already-encoded entries (name shortstr + type octet + value). */
const table = (...entries: Buffer[]): Buffer => {
  const body = Buffer.concat(entries);
  return Buffer.concat([u32(body.length), body]);
};
const boolField = (name: string, v: boolean): Buffer => Buffer.concat([shortstr(name), Buffer.from('t'), u8(v ? 1 : 0)]);

function frame(type: number, channel: number, payload: Buffer, end = FRAME_END): Buffer {
  const b = Buffer.alloc(8 + payload.length);
  b.writeUInt8(type, 0);
  b.writeUInt16BE(channel, 1);
  b.writeUInt32BE(payload.length, 3);
  payload.copy(b, 7);
  b.writeUInt8(end, 7 + payload.length);
  return b;
}
const method = (channel: number, classId: number, methodId: number, ...args: Buffer[]): Buffer =>
  frame(1, channel, Buffer.concat([u16(classId), u16(methodId), ...args]));
const contentHeader = (channel: number, bodySize: bigint | number, flags = 0, props: Buffer = Buffer.alloc(0), classId = 60): Buffer =>
  frame(2, channel, Buffer.concat([u16(classId), u16(0), u64(bodySize), u16(flags), props]));
const body = (channel: number, data: Buffer | string): Buffer => frame(3, channel, Buffer.isBuffer(data) ? data : Buffer.from(data));
const heartbeat = (channel = 0): Buffer => frame(8, channel, Buffer.alloc(0));

const startOk = (mechanism = 'PLAIN', response = '\0guest\0guest', clientProperties = table()): Buffer =>
  method(0, 10, 11, clientProperties, shortstr(mechanism), longstr(response), shortstr('en_US'));
const tuneOk = (channelMax: number, frameMax: number, heartbeatSec: number): Buffer =>
  method(0, 10, 31, u16(channelMax), u32(frameMax), u16(heartbeatSec));
const connectionOpen = (vhost = '/'): Buffer => method(0, 10, 40, shortstr(vhost), shortstr(''), u8(0));
const connectionClose = (): Buffer => method(0, 10, 50, u16(200), shortstr('bye'), u16(0), u16(0));
const channelOpen = (channel: number): Buffer => method(channel, 20, 10, shortstr(''));
const queueDeclare = (channel: number, name: string, flags = 0, args = table()): Buffer =>
  method(channel, 50, 10, u16(0), shortstr(name), u8(flags), args);
const basicPublish = (channel: number, exchange: string, routingKey: string, flags = 0): Buffer =>
  method(channel, 60, 40, u16(0), shortstr(exchange), shortstr(routingKey), u8(flags));
const basicGet = (channel: number, queue: string, noAck = true): Buffer => method(channel, 60, 70, u16(0), shortstr(queue), u8(noAck ? 1 : 0));

interface Frame {
  type: number;
  channel: number;
  payload: Buffer;
  classId?: number;
  methodId?: number;
}

interface CloseInfo {
  code: number;
  text: string;
  classId: number;
  methodId: number;
}

interface Outcome {
  /** The connection.close the server sent, if any. */
  close?: CloseInfo;
  /** Whether the server closed the TCP connection within the wait. */
  socketClosed: boolean;
  /** Other non-heartbeat frames received after the case started (e.g. channel.close), as "ch:class.method". */
  others: string[];
}

function parseClose(payload: Buffer): CloseInfo {
  const code = payload.readUInt16BE(4);
  const len = payload.readUInt8(6);
  const text = payload.subarray(7, 7 + len).toString('utf8');
  return { code, text, classId: payload.readUInt16BE(7 + len), methodId: payload.readUInt16BE(9 + len) };
}

const describeFrame = (f: Frame): string =>
  f.type === 1 ? `${f.channel}:${f.classId}.${f.methodId}` : `type${f.type}@${f.channel}`;

interface HandshakeOptions {
  channelMax?: number;
  frameMax?: number;
  heartbeat?: number;
}

class RawAmqp {
  raw = Buffer.alloc(0);
  frames: Frame[] = [];
  closed = false;
  tune = { channelMax: 0, frameMax: 0, heartbeat: 0 };
  private pending = Buffer.alloc(0);
  private parsing = false;
  private waiters: Array<() => void> = [];

  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.raw = Buffer.concat([this.raw, d]);
      this.pending = Buffer.concat([this.pending, d]);
      this.parse();
      this.wake();
    });
    sock.on('error', () => {}); // ECONNRESET after the server hangs up is expected
    sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static connect(): Promise<RawAmqp> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(broker.port, broker.host);
      sock.setNoDelay(true);
      sock.once('connect', () => {
        sock.removeListener('error', reject);
        resolve(new RawAmqp(sock));
      });
      sock.once('error', reject);
    });
  }

  /** Starts frame parsing (after a valid protocol header was sent). */
  expectFrames(): void {
    this.parsing = true;
    this.parse();
  }

  private parse(): void {
    if (!this.parsing) return;
    while (this.pending.length >= 7) {
      const size = this.pending.readUInt32BE(3);
      if (this.pending.length < size + 8) break;
      const f: Frame = { type: this.pending[0]!, channel: this.pending.readUInt16BE(1), payload: Buffer.from(this.pending.subarray(7, 7 + size)) };
      if (f.type === 1 && size >= 4) {
        f.classId = f.payload.readUInt16BE(0);
        f.methodId = f.payload.readUInt16BE(2);
      }
      this.frames.push(f);
      this.pending = this.pending.subarray(size + 8);
    }
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async until(pred: () => boolean, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!pred()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return true;
  }

  write(b: Buffer): void {
    if (!this.sock.destroyed && this.sock.writable) this.sock.write(b);
  }

  /** Removes and returns the first received method frame (class, method), waiting up to `ms`. */
  async nextMethod(classId: number, methodId: number, ms = 5000): Promise<Frame | undefined> {
    const idx = () => this.frames.findIndex((f) => f.type === 1 && f.classId === classId && f.methodId === methodId);
    await this.until(() => idx() >= 0 || this.closed, ms);
    const i = idx();
    return i < 0 ? undefined : this.frames.splice(i, 1)[0];
  }

  /** Protocol header, start/start-ok (PLAIN guest), tune/tune-ok, open '/'. */
  async handshake(opts: HandshakeOptions = {}): Promise<void> {
    await this.startHandshake();
    this.write(startOk());
    await this.finishHandshake(opts);
  }

  async startHandshake(): Promise<void> {
    this.write(PROTOCOL_HEADER);
    this.expectFrames();
    const start = await this.nextMethod(10, 10);
    assert.ok(start, 'no connection.start');
  }

  async finishHandshake(opts: HandshakeOptions = {}): Promise<void> {
    const tune = await this.nextMethod(10, 30);
    assert.ok(tune, 'no connection.tune');
    this.tune = { channelMax: tune.payload.readUInt16BE(4), frameMax: tune.payload.readUInt32BE(6), heartbeat: tune.payload.readUInt16BE(10) };
    this.write(tuneOk(opts.channelMax ?? this.tune.channelMax, opts.frameMax ?? this.tune.frameMax, opts.heartbeat ?? 0));
    this.write(connectionOpen('/'));
    const ok = await this.nextMethod(10, 41);
    assert.ok(ok, `no connection.open-ok (frames: ${this.frames.map(describeFrame)})`);
  }

  async openChannel(channel: number): Promise<void> {
    this.write(channelOpen(channel));
    assert.ok(await this.nextMethod(20, 11), `no channel.open-ok for channel ${channel}`);
  }

  /**
   * Waits for the server's reaction: a connection.close (answered with close-ok) and/or the
   * socket closing. Heartbeat frames are ignored.
   */
  async outcome(ms = 8000): Promise<Outcome> {
    const deadline = Date.now() + ms; // one budget for both waits
    const closeFrame = await this.nextMethod(10, 50, ms);
    const out: Outcome = { socketClosed: false, others: [] };
    if (closeFrame) {
      out.close = parseClose(closeFrame.payload);
      this.write(method(0, 10, 51)); // close-ok
    }
    out.socketClosed = await this.until(() => this.closed, Math.max(0, deadline - Date.now()));
    out.others = this.frames.filter((f) => f.type !== 8).map(describeFrame);
    return out;
  }

  /** Half-closes the socket (sends FIN). */
  end(): void {
    this.sock.end();
  }

  destroy(): void {
    this.sock.destroy();
  }
}

async function withRaw<T>(fn: (r: RawAmqp) => Promise<T>): Promise<T> {
  const r = await RawAmqp.connect();
  try {
    return await fn(r);
  } finally {
    r.destroy();
  }
}

/** A fresh amqplib client can still connect and do a publish/get round trip. */
async function assertBrokerHealthy(): Promise<void> {
  const conn = await connect(broker.url);
  try {
    const ch = await conn.createChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true });
    const payload = Buffer.from(`alive ${uniqueName('probe')}`);
    ch.sendToQueue(queue, payload);
    let got: Awaited<ReturnType<typeof ch.get>> = false;
    const deadline = Date.now() + 5000;
    while (got === false && Date.now() < deadline) {
      got = await ch.get(queue, { noAck: true });
      if (got === false) await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(got, 'health probe message did not come back');
    assert.deepEqual(got.content, payload);
  } finally {
    await closeQuietly(conn);
  }
}

/** Runs `send` on a freshly handshaken connection and asserts RabbitMQ's exact connection.close. */
async function expectConnectionClose(
  send: (r: RawAmqp) => Promise<void> | void,
  expected: CloseInfo,
  opts: HandshakeOptions & { channel1?: boolean } = {},
): Promise<void> {
  await withRaw(async (r) => {
    await r.handshake(opts);
    if (opts.channel1) await r.openChannel(1);
    await send(r);
    const out = await r.outcome();
    assert.deepEqual(out.close, expected, `outcome: ${JSON.stringify(out)}`);
    assert.equal(out.socketClosed, true, 'the server must close the socket after connection.close');
  });
  await assertBrokerHealthy();
}

/** Asserts the server drops the connection; a connection.close, if sent at all, must carry one of `allowedCodes`. */
async function expectHangUp(send: (r: RawAmqp) => Promise<void> | void, allowedCodes: number[], opts: { channel1?: boolean; handshake?: boolean } = {}): Promise<Outcome> {
  const out = await withRaw(async (r) => {
    if (opts.handshake !== false) await r.handshake();
    if (opts.channel1) await r.openChannel(1);
    await send(r);
    return r.outcome();
  });
  assert.equal(out.socketClosed, true, `the server must close the socket: ${JSON.stringify(out)}`);
  if (out.close) assert.ok(allowedCodes.includes(out.close.code), `unexpected close ${JSON.stringify(out.close)}`);
  await assertBrokerHealthy();
  return out;
}

const frameError = (text: string): CloseInfo => ({ code: 501, text: `FRAME_ERROR - ${text}`, classId: 0, methodId: 0 });
const UNEXPECTED_NON_METHOD: CloseInfo = {
  code: 505,
  text: 'UNEXPECTED_FRAME - expected method frame, got non method frame instead',
  classId: 0,
  methodId: 0,
};
const EXPECTED_CONTENT_BODY: CloseInfo = {
  code: 505,
  text: 'UNEXPECTED_FRAME - expected content body, got non content body frame instead',
  classId: 60,
  methodId: 40,
};
const NOT_IN_RUNNING = (classId: number, methodId: number): CloseInfo => ({
  code: 504,
  text: 'CHANNEL_ERROR - unexpected method in connection state running',
  classId,
  methodId,
});

// ---------------------------------------------------------------------------------------------

describe('protocol header', { concurrency: true }, () => {
  const cases: Array<[string, Buffer]> = [
    ['AMQP 0-9-0 header', Buffer.from('AMQP\x00\x00\x09\x00', 'latin1')],
    ['"HTTP/1.1"', Buffer.from('HTTP/1.1')],
    ['an HTTP request', Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n')],
    ['garbage bytes', Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08])],
    ['AMQP 1.0 header', Buffer.from('AMQP\x00\x01\x00\x00', 'latin1')],
    ['AMQP 1.0 SASL header', Buffer.from('AMQP\x03\x01\x00\x00', 'latin1')],
    ['AMQP 0-9-2 header', Buffer.from('AMQP\x00\x00\x09\x02', 'latin1')],
  ];
  for (const [label, bytes] of cases) {
    test(`${label}: server answers AMQP\\x00\\x00\\x09\\x01 and closes`, async () => {
      await withRaw(async (r) => {
        r.write(bytes);
        const closed = await r.until(() => r.closed, 8000);
        assert.equal(closed, true, 'socket not closed');
        assert.equal(r.raw.toString('latin1'), 'AMQP\x00\x00\x09\x01');
      });
      await assertBrokerHealthy();
    });
  }

  test('a half-sent header followed by EOF: the server closes without replying', async () => {
    await withRaw(async (r) => {
      r.write(Buffer.from('AMQ'));
      r.end();
      assert.equal(await r.until(() => r.closed, 8000), true);
      assert.equal(r.raw.length, 0);
    });
    await assertBrokerHealthy();
  });
});

describe('handshake', { concurrency: true }, () => {
  test('a valid protocol header followed by garbage: connection.start, then the socket is closed without a frame', async () => {
    const out = await withRaw(async (r) => {
      await r.startHandshake();
      r.write(Buffer.from('garbage!'));
      return r.outcome();
    });
    assert.deepEqual(out, { socketClosed: true, others: [] });
    await assertBrokerHealthy();
  });

  test('wrong password without authentication_failure_close: socket closed, no frame', async () => {
    const out = await withRaw(async (r) => {
      await r.startHandshake();
      r.write(startOk('PLAIN', '\0guest\0wrong'));
      return r.outcome();
    });
    assert.deepEqual(out, { socketClosed: true, others: [] });
    await assertBrokerHealthy();
  });

  test('wrong password with authentication_failure_close capability: 403 ACCESS_REFUSED', async () => {
    const props = table(Buffer.concat([shortstr('capabilities'), Buffer.from('F'), table(boolField('authentication_failure_close', true))]));
    const out = await withRaw(async (r) => {
      await r.startHandshake();
      r.write(startOk('PLAIN', '\0guest\0wrong', props));
      return r.outcome();
    });
    assert.deepEqual(out.close, {
      code: 403,
      text: 'ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile.',
      classId: 0,
      methodId: 0,
    });
    assert.equal(out.socketClosed, true);
    await assertBrokerHealthy();
  });

  test('a refused login reads nothing more: bytes sent right after the wrong password do not change the 403', async () => {
    // Warren answers a refused login after a pause (against password guessing) and does not read
    // the socket meanwhile; RabbitMQ answers at once and ignores what follows. Same outcome.
    const props = table(Buffer.concat([shortstr('capabilities'), Buffer.from('F'), table(boolField('authentication_failure_close', true))]));
    const out = await withRaw(async (r) => {
      await r.startHandshake();
      r.write(Buffer.concat([startOk('PLAIN', '\0guest\0wrong', props), tuneOk(0, 131072, 0), connectionOpen('/'), frame(9, 0, Buffer.from('hello'))]));
      return r.outcome();
    });
    assert.equal(out.close?.code, 403, `outcome: ${JSON.stringify(out)}`);
    assert.match(out.close!.text, /^ACCESS_REFUSED - Login was refused/);
    assert.equal(out.socketClosed, true);
    await assertBrokerHealthy();
  });

  test('unknown SASL mechanism: socket closed, no frame', async () => {
    const out = await withRaw(async (r) => {
      await r.startHandshake();
      r.write(startOk('NOT-A-MECHANISM', 'x'));
      return r.outcome();
    });
    assert.deepEqual(out, { socketClosed: true, others: [] });
    await assertBrokerHealthy();
  });

  test('malformed PLAIN response: socket closed, no frame', async () => {
    const out = await withRaw(async (r) => {
      await r.startHandshake();
      r.write(startOk('PLAIN', 'no-nul-separators'));
      return r.outcome();
    });
    assert.deepEqual(out, { socketClosed: true, others: [] });
    await assertBrokerHealthy();
  });

  for (const [label, channelMax, frameMax] of [
    ['frame_max below 4096', 2047, 4095],
    ['frame_max above the server maximum', 2047, 131073],
    ['channel_max above the server maximum', 2048, 131072],
    ['channel_max 0 (unlimited) while the server has a limit', 0, 131072],
  ] as const) {
    test(`tune-ok with ${label}: socket closed, no frame`, async () => {
      const out = await withRaw(async (r) => {
        await r.startHandshake();
        r.write(startOk());
        assert.ok(await r.nextMethod(10, 30), 'no connection.tune');
        r.write(tuneOk(channelMax, frameMax, 0));
        r.write(connectionOpen('/'));
        return r.outcome();
      });
      assert.deepEqual(out, { socketClosed: true, others: [] });
      await assertBrokerHealthy();
    });
  }

  test('tune-ok with frame_max 4096 is accepted', async () => {
    await withRaw(async (r) => {
      await r.handshake({ frameMax: 4096 });
      await r.openChannel(1);
    });
  });

  test('connection.open for an unknown vhost: 530 NOT_ALLOWED', async () => {
    const out = await withRaw(async (r) => {
      await r.startHandshake();
      r.write(startOk());
      assert.ok(await r.nextMethod(10, 30));
      r.write(tuneOk(2047, 131072, 0));
      r.write(connectionOpen('no-such-vhost'));
      return r.outcome();
    });
    assert.deepEqual(out.close, { code: 530, text: 'NOT_ALLOWED - vhost no-such-vhost not found', classId: 10, methodId: 40 });
    assert.equal(out.socketClosed, true);
    await assertBrokerHealthy();
  });

  test('channel.open before connection.open: 505 UNEXPECTED_FRAME', async () => {
    const out = await withRaw(async (r) => {
      await r.startHandshake();
      r.write(startOk());
      assert.ok(await r.nextMethod(10, 30));
      r.write(tuneOk(2047, 131072, 0));
      r.write(channelOpen(1));
      return r.outcome();
    });
    assert.deepEqual(out.close, { code: 505, text: 'UNEXPECTED_FRAME - type 1, all octets = <<0,20,0,10,0>>', classId: 0, methodId: 0 });
    assert.equal(out.socketClosed, true);
    await assertBrokerHealthy();
  });

  test('a channel method instead of start-ok: socket closed, no frame', async () => {
    const out = await withRaw(async (r) => {
      await r.startHandshake();
      r.write(channelOpen(1));
      return r.outcome();
    });
    assert.deepEqual(out, { socketClosed: true, others: [] });
    await assertBrokerHealthy();
  });

  test('heartbeat=1 negotiated, then silence: the server closes the socket (no frame)', async () => {
    const out = await withRaw(async (r) => {
      await r.handshake({ heartbeat: 1 });
      return r.outcome(10_000);
    });
    assert.deepEqual(out, { socketClosed: true, others: [] });
    await assertBrokerHealthy();
  });
});

describe('frame-level errors after a valid handshake', { concurrency: true }, () => {
  test('bad frame-end byte on a method frame: 501 FRAME_ERROR invalid_frame_end_marker', async () => {
    await expectConnectionClose(
      (r) => r.write(frame(1, 1, Buffer.concat([u16(20), u16(10), shortstr('')]), 0x00)),
      frameError('type 1, all octets = <<0,20,0,10,0>>: {invalid_frame_end_marker,0}'),
    );
  });

  test('bad frame-end byte on a heartbeat: 501 FRAME_ERROR', async () => {
    await expectConnectionClose((r) => r.write(frame(8, 0, Buffer.alloc(0), 0x41)), frameError('type 8, all octets = <<>>: {invalid_frame_end_marker,65}'));
  });

  test('unknown frame type 9: 501 FRAME_ERROR unknown_frame', async () => {
    await expectConnectionClose((r) => r.write(frame(9, 0, Buffer.from('hello'))), frameError('type 9, all octets = <<"hello">>: unknown_frame'));
  });

  test('unknown frame type 9 on channel 1: 501 FRAME_ERROR unknown_frame', async () => {
    await expectConnectionClose((r) => r.write(frame(9, 1, Buffer.from('hello'))), frameError('type 9, all octets = <<"hello">>: unknown_frame'));
  });

  test('frame type 0: 501 FRAME_ERROR unknown_frame', async () => {
    await expectConnectionClose((r) => r.write(frame(0, 0, Buffer.alloc(0))), frameError('type 0, all octets = <<>>: unknown_frame'));
  });

  test('frame larger than frame_max (131072): 501 FRAME_ERROR frame_too_large', async () => {
    await expectConnectionClose(
      (r) => {
        r.write(basicPublish(1, '', 'nowhere'));
        r.write(contentHeader(1, 131073));
        r.write(body(1, Buffer.alloc(131073)));
      },
      frameError('type 3, all octets = <<>>: {frame_too_large,131073,131064}'),
      { channel1: true },
    );
  });

  test('frame larger than a negotiated frame_max of 4096: 501 FRAME_ERROR frame_too_large', async () => {
    await expectConnectionClose(
      (r) => {
        r.write(basicPublish(1, '', 'nowhere'));
        r.write(contentHeader(1, 4097));
        r.write(body(1, Buffer.alloc(4097)));
      },
      frameError('type 3, all octets = <<>>: {frame_too_large,4097,4088}'),
      { channel1: true, frameMax: 4096 },
    );
  });

  test('an oversized size field is rejected from the frame header alone', async () => {
    await expectConnectionClose(
      (r) => {
        const b = Buffer.alloc(11);
        b.writeUInt8(1, 0);
        b.writeUInt16BE(1, 1);
        b.writeUInt32BE(0x7fffffff, 3);
        r.write(b);
      },
      frameError('type 1, all octets = <<>>: {frame_too_large,2147483647,131064}'),
    );
  });

  test('a body frame of exactly frame_max bytes (4096) is accepted', async () => {
    const queue = uniqueName('hostile.framemax');
    const data = Buffer.alloc(4096 - 8, 0x5a);
    await withRaw(async (r) => {
      await r.handshake({ frameMax: 4096 });
      await r.openChannel(1);
      r.write(queueDeclare(1, queue, 0b1000 /* auto-delete */ | 0b100 /* exclusive */));
      assert.ok(await r.nextMethod(50, 11), 'no queue.declare-ok');
      r.write(basicPublish(1, '', queue));
      r.write(contentHeader(1, data.length * 2));
      r.write(body(1, data));
      r.write(body(1, data));
      r.write(basicGet(1, queue));
      const ok = await r.nextMethod(60, 71);
      assert.ok(ok, `no basic.get-ok (frames: ${r.frames.map(describeFrame)})`);
      await r.until(() => r.frames.filter((f) => f.type === 3).length >= 2, 5000);
      const bodies = r.frames.filter((f) => f.type === 3);
      assert.deepEqual(Buffer.concat(bodies.map((f) => f.payload)), Buffer.concat([data, data]));
      assert.ok(bodies.every((f) => f.payload.length <= 4096 - 8), 'server frames respect frame_max');
    });
  });

  test('heartbeat frame on channel 1: 505 UNEXPECTED_FRAME', async () => {
    await expectConnectionClose((r) => r.write(heartbeat(1)), { code: 505, text: 'UNEXPECTED_FRAME - type 8, all octets = <<>>', classId: 0, methodId: 0 });
  });

  test('heartbeat frame with a payload: 501 FRAME_ERROR unknown_frame', async () => {
    await expectConnectionClose((r) => r.write(frame(8, 0, Buffer.from('xx'))), frameError('type 8, all octets = <<"xx">>: unknown_frame'));
  });

  test('content header on channel 0: 505 UNEXPECTED_FRAME', async () => {
    await expectConnectionClose((r) => r.write(contentHeader(0, 5)), {
      code: 505,
      text: 'UNEXPECTED_FRAME - type 2, all octets = <<0,60,0,0,0,0,0,0,0,0,0,5,0,0>>',
      classId: 0,
      methodId: 0,
    });
  });

  test('body frame on channel 0: 505 UNEXPECTED_FRAME', async () => {
    await expectConnectionClose((r) => r.write(body(0, 'x')), { code: 505, text: 'UNEXPECTED_FRAME - type 3, all octets = <<"x">>', classId: 0, methodId: 0 });
  });
});

describe('channel and method errors', { concurrency: true }, () => {
  test('method on a channel that was never opened: 504 CHANNEL_ERROR', async () => {
    await expectConnectionClose((r) => r.write(queueDeclare(5, 'q')), {
      code: 504,
      text: "CHANNEL_ERROR - expected 'channel.open'",
      classId: 50,
      methodId: 10,
    });
  });

  test('basic.publish with content on a channel that was never opened: 504 CHANNEL_ERROR', async () => {
    await expectConnectionClose(
      (r) => {
        r.write(basicPublish(3, '', 'q'));
        r.write(contentHeader(3, 1));
        r.write(body(3, 'x'));
      },
      { code: 504, text: "CHANNEL_ERROR - expected 'channel.open'", classId: 60, methodId: 40 },
    );
  });

  test('channel.open twice on the same channel: 504 CHANNEL_ERROR', async () => {
    await expectConnectionClose((r) => r.write(channelOpen(1)), { code: 504, text: "CHANNEL_ERROR - second 'channel.open' seen", classId: 20, methodId: 10 }, { channel1: true });
  });

  test('connection.open again on channel 0: 504 CHANNEL_ERROR', async () => {
    await expectConnectionClose((r) => r.write(connectionOpen('/')), NOT_IN_RUNNING(10, 40));
  });

  test('channel.open on channel 0: 504 CHANNEL_ERROR', async () => {
    await expectConnectionClose((r) => r.write(channelOpen(0)), NOT_IN_RUNNING(20, 10));
  });

  test('queue.declare on channel 0: 504 CHANNEL_ERROR', async () => {
    await expectConnectionClose((r) => r.write(queueDeclare(0, 'q')), NOT_IN_RUNNING(50, 10));
  });

  test('unsolicited connection.close-ok: 504 CHANNEL_ERROR', async () => {
    await expectConnectionClose((r) => r.write(method(0, 10, 51)), NOT_IN_RUNNING(10, 51));
  });

  test('connection-class method on channel 1: 503 COMMAND_INVALID', async () => {
    await expectConnectionClose((r) => r.write(method(1, 10, 40, shortstr('/'), shortstr(''), u8(0))), {
      code: 503,
      text: 'COMMAND_INVALID - unimplemented method',
      classId: 10,
      methodId: 40,
    }, { channel1: true });
  });

  test('unsolicited channel.close-ok: 503 COMMAND_INVALID', async () => {
    await expectConnectionClose((r) => r.write(method(1, 20, 41)), { code: 503, text: 'COMMAND_INVALID - unimplemented method', classId: 20, methodId: 41 }, { channel1: true });
  });

  // RabbitMQ 3.10.8 drops the TCP connection without a connection.close for unknown ids;
  // 540 NOT_IMPLEMENTED or 503 COMMAND_INVALID would also be acceptable replies.
  test('unknown class id 999: connection dropped', async () => {
    await expectHangUp((r) => r.write(method(1, 999, 1)), [503, 540], { channel1: true });
  });

  test('unknown method id 60.99: connection dropped', async () => {
    await expectHangUp((r) => r.write(method(1, 60, 99)), [503, 540], { channel1: true });
  });

  test('unknown method id 10.99 on channel 0: connection dropped', async () => {
    await expectHangUp((r) => r.write(method(0, 10, 99)), [503, 540]);
  });
});

describe('malformed method arguments', { concurrency: true }, () => {
  test('truncated queue.declare arguments: 501 FRAME_ERROR cannot decode', async () => {
    await expectConnectionClose(
      (r) => r.write(frame(1, 1, Buffer.concat([u16(50), u16(10), u16(0), Buffer.from([6, 0x61, 0x62])]))),
      { code: 501, text: 'FRAME_ERROR - cannot decode <<0,0,6,97,98>>', classId: 50, methodId: 10 },
      { channel1: true },
    );
  });

  test('channel.open without its argument: 501 FRAME_ERROR cannot decode', async () => {
    await expectConnectionClose((r) => r.write(frame(1, 1, Buffer.concat([u16(20), u16(10)]))), {
      code: 501,
      text: 'FRAME_ERROR - cannot decode <<>>',
      classId: 20,
      methodId: 10,
    });
  });

  test('truncated basic.qos: 501 FRAME_ERROR cannot decode', async () => {
    await expectConnectionClose(
      (r) => r.write(frame(1, 1, Buffer.concat([u16(60), u16(10), u32(0)]))),
      { code: 501, text: 'FRAME_ERROR - cannot decode <<0,0,0,0>>', classId: 60, methodId: 10 },
      { channel1: true },
    );
  });

  test('method frame with only 2 payload bytes: 501 FRAME_ERROR unknown_frame', async () => {
    await expectConnectionClose((r) => r.write(frame(1, 1, u16(20))), frameError('type 1, all octets = <<0,20>>: unknown_frame'));
  });

  test('empty method frame: 501 FRAME_ERROR unknown_frame', async () => {
    await expectConnectionClose((r) => r.write(frame(1, 1, Buffer.alloc(0))), frameError('type 1, all octets = <<>>: unknown_frame'));
  });

  test('trailing bytes after channel.open arguments: 501 FRAME_ERROR cannot decode', async () => {
    await expectConnectionClose((r) => r.write(frame(1, 1, Buffer.concat([u16(20), u16(10), shortstr(''), Buffer.from('extra')]))), {
      code: 501,
      text: 'FRAME_ERROR - cannot decode <<0,101,120,116,114,97>>',
      classId: 20,
      methodId: 10,
    });
  });

  test('shortstr length past the end of the frame: 501 FRAME_ERROR cannot decode', async () => {
    await expectConnectionClose(
      (r) => r.write(frame(1, 1, Buffer.concat([u16(50), u16(10), u16(0), Buffer.from([200, 0x61])]))),
      { code: 501, text: 'FRAME_ERROR - cannot decode <<0,0,200,97>>', classId: 50, methodId: 10 },
      { channel1: true },
    );
  });

  test('field-table length past the end of the frame: 501 FRAME_ERROR cannot decode', async () => {
    await expectConnectionClose(
      (r) => r.write(method(1, 50, 10, u16(0), shortstr('q'), u8(0), u32(1000), Buffer.from([1, 0x61, 0x74, 1]))),
      { code: 501, text: 'FRAME_ERROR - cannot decode <<0,0,1,113,0,0,0,3,232,1,97,116,1>>', classId: 50, methodId: 10 },
      { channel1: true },
    );
  });

  test('malformed UTF-8 in a method shortstr (queue name): 501 FRAME_ERROR', async () => {
    await expectConnectionClose(
      (r) => r.write(method(1, 50, 10, u16(0), Buffer.from([2, 0xff, 0xfe]), u8(0b1100), table())),
      frameError('Malformed UTF-8 in shortstr'),
      { channel1: true },
    );
  });

  test('overlong UTF-8 encoding in a method shortstr (basic.get queue): 501 FRAME_ERROR', async () => {
    await expectConnectionClose(
      (r) => r.write(method(1, 60, 70, u16(0), Buffer.from([2, 0xc0, 0x80]), u8(1))),
      frameError('Malformed UTF-8 in shortstr'),
      { channel1: true },
    );
  });

  // RabbitMQ 3.10.8 drops the TCP connection without a connection.close here.
  test('unknown field type in a field table: connection dropped', async () => {
    await expectHangUp((r) => r.write(method(1, 50, 10, u16(0), shortstr('q'), u8(0), u32(6), Buffer.from([1, 0x61, 0x5a, 0, 0, 0]))), [501, 502], {
      channel1: true,
    });
  });
});

describe('content framing errors', { concurrency: true }, () => {
  test('content header without a preceding basic.publish: 505 UNEXPECTED_FRAME', async () => {
    await expectConnectionClose((r) => r.write(contentHeader(1, 5)), UNEXPECTED_NON_METHOD, { channel1: true });
  });

  test('content header on a channel that was never opened: 505 UNEXPECTED_FRAME', async () => {
    await expectConnectionClose((r) => r.write(contentHeader(7, 5)), UNEXPECTED_NON_METHOD);
  });

  test('body frame without a preceding basic.publish: 505 UNEXPECTED_FRAME', async () => {
    await expectConnectionClose((r) => r.write(body(1, 'hello')), UNEXPECTED_NON_METHOD, { channel1: true });
  });

  test('a method where the content header should be: 505 UNEXPECTED_FRAME', async () => {
    await expectConnectionClose(
      (r) => {
        r.write(basicPublish(1, '', 'nowhere'));
        r.write(basicPublish(1, '', 'nowhere'));
      },
      { code: 505, text: 'UNEXPECTED_FRAME - expected content header for class 60, got non content header frame instead', classId: 60, methodId: 40 },
      { channel1: true },
    );
  });

  test('a content header for the wrong class: 505 UNEXPECTED_FRAME', async () => {
    await expectConnectionClose(
      (r) => {
        r.write(basicPublish(1, '', 'nowhere'));
        r.write(contentHeader(1, 5, 0, Buffer.alloc(0), 50));
      },
      { code: 505, text: 'UNEXPECTED_FRAME - expected content header for class 60, got one for class 50 instead', classId: 60, methodId: 40 },
      { channel1: true },
    );
  });

  test('a method where a body frame should be: 505 UNEXPECTED_FRAME', async () => {
    await expectConnectionClose(
      (r) => {
        r.write(basicPublish(1, '', 'nowhere'));
        r.write(contentHeader(1, 5));
        r.write(basicPublish(1, '', 'nowhere'));
      },
      EXPECTED_CONTENT_BODY,
      { channel1: true },
    );
  });

  test('an extra body frame after the content is complete: 505 UNEXPECTED_FRAME', async () => {
    await expectConnectionClose(
      (r) => {
        r.write(basicPublish(1, '', 'nowhere'));
        r.write(contentHeader(1, 5));
        r.write(body(1, '01234'));
        r.write(body(1, '56789'));
      },
      UNEXPECTED_NON_METHOD,
      { channel1: true },
    );
  });

  test('a body frame after a zero-size content header: 505 UNEXPECTED_FRAME', async () => {
    await expectConnectionClose(
      (r) => {
        r.write(basicPublish(1, '', 'nowhere'));
        r.write(contentHeader(1, 0));
        r.write(body(1, 'x'));
      },
      UNEXPECTED_NON_METHOD,
      { channel1: true },
    );
  });

  // RabbitMQ 3.10.8 does not complete (or reject) a message whose body frames overshoot the
  // declared size: the channel keeps waiting for body frames, and the next method on it fails.
  test('a body frame larger than the declared body size: the next method fails with 505', async () => {
    await expectConnectionClose(
      async (r) => {
        r.write(basicPublish(1, '', 'nowhere'));
        r.write(contentHeader(1, 5));
        r.write(body(1, '0123456789'));
        r.write(basicGet(1, 'nowhere'));
      },
      EXPECTED_CONTENT_BODY,
      { channel1: true },
    );
  });

  // Properties are decoded once the message is complete (header + body); a malformed property
  // list is a connection error, even for an unroutable message.
  test('content header whose property flags announce a missing content-type: 541 INTERNAL_ERROR', async () => {
    await expectConnectionClose(
      (r) => {
        r.write(basicPublish(1, '', 'nowhere'));
        r.write(contentHeader(1, 1, 0x8000));
        r.write(body(1, 'x'));
      },
      { code: 541, text: 'INTERNAL_ERROR', classId: 0, methodId: 0 },
      { channel1: true },
    );
  });

  test('content header with a truncated headers table: 541 INTERNAL_ERROR', async () => {
    await expectConnectionClose(
      (r) => {
        r.write(basicPublish(1, 'amq.direct', 'unbound'));
        r.write(contentHeader(1, 1, 0x2000, u32(100)));
        r.write(body(1, 'x'));
      },
      { code: 541, text: 'INTERNAL_ERROR', classId: 0, methodId: 0 },
      { channel1: true },
    );
  });

  test('content header with bytes after the last property: 541 INTERNAL_ERROR', async () => {
    await expectConnectionClose(
      (r) => {
        r.write(basicPublish(1, '', 'nowhere'));
        r.write(contentHeader(1, 1, 0x8000, Buffer.concat([shortstr('a'), Buffer.from([9, 9, 9])])));
        r.write(body(1, 'x'));
      },
      { code: 541, text: 'INTERNAL_ERROR', classId: 0, methodId: 0 },
      { channel1: true },
    );
  });

  test('content header with the continuation flag bit set: 541 INTERNAL_ERROR', async () => {
    await expectConnectionClose(
      (r) => {
        r.write(basicPublish(1, '', 'nowhere'));
        r.write(contentHeader(1, 1, 0x0001, u16(0)));
        r.write(body(1, 'x'));
      },
      { code: 541, text: 'INTERNAL_ERROR', classId: 0, methodId: 0 },
      { channel1: true },
    );
  });

  test('body frames that straddle socket reads (split inside frames, a frame-end octet alone) are reassembled byte for byte', async () => {
    const queue = uniqueName('hostile.straddle');
    const data = Buffer.from(Array.from({ length: 3 * 4000 + 123 }, (_, i) => (i * 7) & 0xff));
    await withRaw(async (r) => {
      await r.handshake({ frameMax: 4096 });
      await r.openChannel(1);
      r.write(queueDeclare(1, queue, 0b1100));
      assert.ok(await r.nextMethod(50, 11));
      const stream = Buffer.concat([
        basicPublish(1, '', queue),
        contentHeader(1, data.length),
        ...[0, 4000, 8000, 12000].map((at) => body(1, data.subarray(at, at + 4000))),
      ]);
      // Cuts inside the first body frame's header, inside payloads, and just before a frame-end
      // octet; a pause between writes makes each piece its own read on the server.
      const bodyAt = stream.length - (data.length + 4 * 8);
      const cuts = [bodyAt + 3, bodyAt + 2000, bodyAt + 4008 + 100, bodyAt + 2 * 4008 - 1, bodyAt + 3 * 4008 + 30, stream.length];
      let from = 0;
      for (const cut of cuts) {
        r.write(stream.subarray(from, cut));
        from = cut;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      r.write(basicGet(1, queue));
      assert.ok(await r.nextMethod(60, 71), `no get-ok (frames: ${r.frames.map(describeFrame)})`);
      const received = () => Buffer.concat(r.frames.filter((f) => f.type === 3).map((f) => f.payload));
      await r.until(() => received().length >= data.length, 5000);
      assert.deepEqual(received(), data);
    });
    await assertBrokerHealthy();
  });

  test('bad frame-end byte on a body frame that straddles socket reads: 501 FRAME_ERROR naming its octets', async () => {
    const data = Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await expectConnectionClose(
      async (r) => {
        r.write(Buffer.concat([basicPublish(1, '', 'nowhere'), contentHeader(1, 3000)]));
        const bad = frame(3, 1, data, 0x07);
        r.write(bad.subarray(0, bad.length - 1)); // the whole payload, then the frame-end octet alone
        await new Promise((resolve) => setTimeout(resolve, 20));
        r.write(bad.subarray(bad.length - 1));
      },
      frameError('type 3, all octets = <<0,1,2,3,4,5,6,7,8,9>>: {invalid_frame_end_marker,7}'),
      { channel1: true },
    );
  });

  test('an empty body frame in the middle of a message is accepted', async () => {
    const queue = uniqueName('hostile.emptybody');
    await withRaw(async (r) => {
      await r.handshake();
      await r.openChannel(1);
      r.write(queueDeclare(1, queue, 0b1100));
      assert.ok(await r.nextMethod(50, 11));
      r.write(basicPublish(1, '', queue));
      r.write(contentHeader(1, 2));
      r.write(body(1, Buffer.alloc(0)));
      r.write(body(1, 'ab'));
      r.write(basicGet(1, queue));
      assert.ok(await r.nextMethod(60, 71), `no get-ok (frames: ${r.frames.map(describeFrame)})`);
      await r.until(() => r.frames.some((f) => f.type === 3), 5000);
      assert.equal(Buffer.concat(r.frames.filter((f) => f.type === 3).map((f) => f.payload)).toString(), 'ab');
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Deterministic fuzzing: valid frames, mutated with a seeded PRNG, each on a fresh connection.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sequences of valid frames on channel 1; one frame of a sequence gets mutated. */
function corpus(prefix: string): Buffer[][] {
  const q = `${prefix}.q`;
  const props = Buffer.concat([
    shortstr('text/plain'), // content-type
    table(Buffer.concat([shortstr('h'), Buffer.from('S'), longstr('v')]), Buffer.concat([shortstr('n'), Buffer.from('I'), u32(7)])), // headers
    u8(1), // delivery-mode
    shortstr('corr'), // correlation-id
  ]);
  const propFlags = 0x8000 | 0x2000 | 0x1000 | 0x0400;
  const exclusiveAutoDelete = 0b1100;
  return [
    [queueDeclare(1, q, exclusiveAutoDelete, table(Buffer.concat([shortstr('x-message-ttl'), Buffer.from('I'), u32(60000)])))],
    [method(1, 40, 10, u16(0), shortstr(`${prefix}.x`), shortstr('direct'), u8(0b100 /* passive */), table())],
    [method(1, 50, 20, u16(0), shortstr(q), shortstr('amq.direct'), shortstr('rk'), u8(0), table())],
    [basicPublish(1, 'amq.direct', 'rk'), contentHeader(1, 11, propFlags, props), body(1, 'hello world')],
    [basicPublish(1, '', q), contentHeader(1, 6), body(1, 'abc'), body(1, 'def')],
    [method(1, 60, 10, u32(0), u16(10), u8(0))], // basic.qos
    [basicGet(1, q)],
    [method(1, 60, 20, u16(0), shortstr(q), shortstr('ctag'), u8(0), table())], // basic.consume
    [method(1, 60, 80, u64(1), u8(0))], // basic.ack
    [method(1, 90, 10)], // tx.select
    [method(1, 85, 10, u8(0))], // confirm.select
    [method(1, 20, 40, u16(200), shortstr('ok'), u16(0), u16(0))], // channel.close
    [heartbeat(0)],
  ];
}

type Mutation = { kind: string; apply: (f: Buffer, rand: () => number) => Buffer };

const pick = (rand: () => number, n: number): number => Math.floor(rand() * n);
const withSize = (f: Buffer, payload: Buffer): Buffer => frame(f[0]!, f.readUInt16BE(1), payload, f[f.length - 1]);
const payloadOf = (f: Buffer): Buffer => f.subarray(7, f.length - 1);

const MUTATIONS: Mutation[] = [
  {
    kind: 'flip-bit',
    apply: (f, rand) => {
      const b = Buffer.from(f);
      const i = pick(rand, b.length);
      b[i] = b[i]! ^ (1 << pick(rand, 8));
      return b;
    },
  },
  {
    kind: 'random-payload-byte',
    apply: (f, rand) => {
      const b = Buffer.from(f);
      if (b.length > 8) b[7 + pick(rand, b.length - 8)] = pick(rand, 256);
      return b;
    },
  },
  {
    kind: 'truncate-payload',
    apply: (f, rand) => {
      const p = payloadOf(f);
      return withSize(f, p.subarray(0, pick(rand, Math.max(1, p.length))));
    },
  },
  {
    kind: 'extend-payload',
    apply: (f, rand) => {
      const extra = Buffer.from(Array.from({ length: 1 + pick(rand, 16) }, () => pick(rand, 256)));
      return withSize(f, Buffer.concat([payloadOf(f), extra]));
    },
  },
  {
    kind: 'frame-type',
    apply: (f, rand) => {
      const b = Buffer.from(f);
      b[0] = [0, 1, 2, 3, 4, 7, 8, 9, 0xce, 0xff][pick(rand, 10)]!;
      return b;
    },
  },
  {
    kind: 'channel',
    apply: (f, rand) => {
      const b = Buffer.from(f);
      b.writeUInt16BE([0, 2, 3, 2047, 65535][pick(rand, 5)]!, 1);
      return b;
    },
  },
  {
    kind: 'frame-end',
    apply: (f, rand) => {
      const b = Buffer.from(f);
      b[b.length - 1] = pick(rand, 0xce);
      return b;
    },
  },
  {
    kind: 'size-field',
    apply: (f, rand) => {
      const b = Buffer.from(f);
      const size = b.readUInt32BE(3);
      const candidates = [0, Math.max(0, size - 1), size + 1, 0xffffffff, 131073, size * 2];
      b.writeUInt32BE(candidates[pick(rand, candidates.length)]! >>> 0, 3);
      return b;
    },
  },
  {
    kind: 'method-ids',
    apply: (f, rand) => {
      const b = Buffer.from(f);
      if (b[0] === 1 && b.length >= 12) {
        b.writeUInt16BE([10, 20, 40, 50, 60, 85, 90, 0, 999][pick(rand, 9)]!, 7);
        b.writeUInt16BE([10, 11, 20, 40, 50, 0, 255][pick(rand, 7)]!, 9);
      } else b[pick(rand, b.length)] = pick(rand, 256);
      return b;
    },
  },
];

type FuzzResult = 'connection.close' | 'socket-closed' | 'alive' | 'no-reply';

interface FuzzCase {
  index: number;
  kind: string;
  seq: number;
  frame: number;
  /** The mutated frame's size field no longer matches its length: the server may wait for bytes that never come. */
  sizeBroken: boolean;
  result: FuzzResult;
  close?: CloseInfo;
}

const isMethod = (f: Frame, channel: number, classId: number, methodId: number): boolean =>
  f.type === 1 && f.channel === channel && f.classId === classId && f.methodId === methodId;

/** Handshake + channel 1, the mutated sequence, then a probe (channel.open on channel 9). */
async function runFuzzCase(index: number, rand: () => number, prefix: string): Promise<FuzzCase> {
  const sequences = corpus(`${prefix}.${String(index).padStart(3, '0')}`);
  const seq = pick(rand, sequences.length);
  const frames: Buffer[] = sequences[seq]!.map((b) => Buffer.from(b));
  const which = pick(rand, frames.length);
  const mutation = MUTATIONS[pick(rand, MUTATIONS.length)]!;
  const mutated = mutation.apply(frames[which]!, rand);
  frames[which] = mutated;
  const c: FuzzCase = {
    index,
    kind: mutation.kind,
    seq,
    frame: which,
    sizeBroken: mutated.length < 7 || mutated.readUInt32BE(3) + 8 !== mutated.length,
    result: 'no-reply',
  };
  const r = await RawAmqp.connect();
  try {
    await r.handshake();
    await r.openChannel(1);
    for (const f of frames) r.write(f);
    r.write(channelOpen(9));
    await r.until(() => r.closed || r.frames.some((f) => isMethod(f, 0, 10, 50) || isMethod(f, 9, 20, 11)), 1500);
    const close = await r.nextMethod(10, 50, 0);
    if (close) {
      c.result = 'connection.close';
      c.close = parseClose(close.payload);
      r.write(method(0, 10, 51));
    } else if (r.closed) c.result = 'socket-closed';
    else if (r.frames.some((f) => isMethod(f, 9, 20, 11))) c.result = 'alive';
    if (c.result === 'alive') {
      // The probe can overtake an error the broker is still raising: close the connection
      // ourselves and look at what comes back first (close-ok, or the broker's own close).
      r.write(connectionClose());
      await r.until(() => r.closed || r.frames.some((f) => isMethod(f, 0, 10, 51) || isMethod(f, 0, 10, 50)), 3000);
      const late = await r.nextMethod(10, 50, 0);
      if (late) {
        c.result = 'connection.close';
        c.close = parseClose(late.payload);
      } else if (!r.frames.some((f) => isMethod(f, 0, 10, 51))) c.result = r.closed ? 'socket-closed' : 'no-reply';
    }
    return c;
  } finally {
    r.destroy();
  }
}

describe('fuzzing', () => {
  test('300 randomly mutated valid frames (seed 0x5eed), each on a fresh connection', async (t) => {
    const rand = mulberry32(0x5eed);
    // Fixed-length names keep the mutated byte offsets identical from run to run.
    const prefix = `hostile.fuzz.${(Date.now() % 2 ** 31).toString(36).padStart(6, '0')}${String(process.pid % 100000).padStart(5, '0')}`;
    const total = 300;
    const parallel = 40;
    // Every case gets its own seed up front, so the corpus does not depend on scheduling.
    const seeds = Array.from({ length: total }, () => Math.floor(rand() * 0xffffffff));
    const results: FuzzCase[] = new Array(total);
    let next = 0;
    let done = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        const i = next++;
        results[i] = await runFuzzCase(i, mulberry32(seeds[i]!), prefix);
        done += 1;
        if (done % 100 === 0) await assertBrokerHealthy();
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    const summary: Record<string, number> = {};
    for (const c of results) {
      const key = c.result === 'connection.close' ? `close ${c.close!.code}` : c.result;
      summary[key] = (summary[key] ?? 0) + 1;
    }
    t.diagnostic(`outcomes: ${JSON.stringify(summary)}`);
    if (process.env.HOSTILE_FUZZ_DEBUG) for (const c of results) t.diagnostic(JSON.stringify(c));
    assert.equal(results.filter(Boolean).length, total);
    // Hard errors are connection.close with a 5xx reply code.
    const bad = results.filter((c) => c.result === 'connection.close' && !(c.close!.code >= 500 && c.close!.code <= 599));
    assert.deepEqual(bad, [], 'connection.close with a non-5xx code');
    // Silence (no close, no hang-up, probe unanswered) is only acceptable when the mutated size
    // field makes the server wait for bytes that never arrive; RabbitMQ answers every other case.
    const silent = results.filter((c) => c.result === 'no-reply' && !c.sizeBroken);
    assert.deepEqual(silent, [], 'cases where the broker neither answered nor hung up');
    await assertBrokerHealthy();
  });
});
