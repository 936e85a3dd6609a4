// Error handling: which failures close a channel and which close the connection, the class and
// method ids reported in close frames, and protocol-level violations that only a raw client can
// provoke (bad frames, wrong channel states, handshake errors).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import {
  destroyAllSockets,
  closeQuietly,
  connect,
  enc,
  frame,
  FRAME_BODY,
  FRAME_HEADER,
  FRAME_HEARTBEAT,
  FRAME_METHOD,
  headerFrame,
  methodFrame,
  openChannel,
  parseClose,
  PROTOCOL_HEADER,
  RawConnection,
  trackChannel,
  waitFor,
  type AmqpError,
  type ChannelModel,
} from '../support/clients.js';

/** Fail a test instead of hanging the run if the broker stops answering. */
const LIMIT = { timeout: 20_000 };

let broker: TestBroker;
let conn: ChannelModel;

before(async () => {
  broker = await startTestBroker();
  conn = await connect(broker.url);
}, LIMIT);

after(async () => {
  await closeQuietly(conn);
  await broker.close();
  destroyAllSockets();
}, LIMIT);

async function raw(fn: (c: RawConnection) => Promise<void>): Promise<void> {
  const c = await RawConnection.open(broker.port, broker.host);
  try {
    await fn(c);
  } finally {
    c.destroy();
  }
}

const queueDeclare = (ch: number, name: string, passive = false) =>
  methodFrame(ch, 50, 10, enc.short(0), enc.shortstr(name), enc.bits(passive, false, false, false, false), enc.table());
const basicPublish = (ch: number, exchange: string, routingKey: string) =>
  methodFrame(ch, 60, 40, enc.short(0), enc.shortstr(exchange), enc.shortstr(routingKey), enc.bits(false, false));
const basicGet = (ch: number, queue: string, noAck = true) => methodFrame(ch, 60, 70, enc.short(0), enc.shortstr(queue), enc.bits(noAck));

describe('channel errors report the failing method', () => {
  test('close frames carry the class and method id of the method that failed', LIMIT, async () => {
    const missingQ = uniqueName('q.missing');
    const missingX = uniqueName('x.missing');
    const cases: Array<[string, (ch: Awaited<ReturnType<typeof trackChannel>>['ch']) => Promise<unknown>, number, number, number]> = [
      ['exchange.declare', (ch) => ch.checkExchange(missingX), 404, 40, 10],
      ['exchange.delete', (ch) => ch.deleteExchange('amq.fanout'), 403, 40, 20],
      ['exchange.bind', (ch) => ch.bindExchange(missingX, 'amq.fanout', ''), 404, 40, 30],
      ['queue.declare', (ch) => ch.checkQueue(missingQ), 404, 50, 10],
      ['queue.bind', (ch) => ch.bindQueue(missingQ, 'amq.direct', 'k'), 404, 50, 20],
      ['queue.purge', (ch) => ch.purgeQueue(missingQ), 404, 50, 30],
      ['basic.consume', (ch) => ch.consume(missingQ, () => {}), 404, 60, 20],
      ['basic.get', (ch) => ch.get(missingQ), 404, 60, 70],
    ];
    for (const [name, op, code, classId, methodId] of cases) {
      const { ch } = await trackChannel(conn);
      let err: AmqpError | undefined;
      try {
        await op(ch);
      } catch (e) {
        err = e as AmqpError;
      }
      assert.ok(err, `${name} should fail`);
      assert.deepEqual([err.code, err.classId, err.methodId], [code, classId, methodId], `${name}: ${err.message}`);
    }
  });

  test('unbind is idempotent: unbinding with a missing queue, exchange or binding succeeds', LIMIT, async () => {
    const ch = await openChannel(conn);
    try {
      const q = uniqueName('q.missing');
      const x = uniqueName('x.missing');
      await ch.unbindQueue(q, 'amq.direct', 'k');
      await ch.unbindQueue(q, x, 'k');
      const own = (await ch.assertQueue('', { exclusive: true })).queue;
      await ch.unbindQueue(own, x, 'k');
      await ch.unbindExchange(x, 'amq.fanout', '');
      await ch.unbindExchange('amq.fanout', x, '');
      await ch.checkQueue(own);
    } finally {
      await closeQuietly(ch);
    }
  });

  test('a connection-level error closes every channel on that connection', LIMIT, async () => {
    const c = await connect(broker.url);
    try {
      const { ch: a, closed: aClosed } = await trackChannel(c);
      const { ch: b, closed: bClosed } = await trackChannel(c);
      const q = (await a.assertQueue('', { exclusive: true })).queue;
      await a.consume(q, () => {}, { consumerTag: 'dup' });
      await assert.rejects(a.consume(q, () => {}, { consumerTag: 'dup' }));
      await aClosed;
      await bClosed;
      await assert.rejects(async () => b.checkQueue(q));
    } finally {
      await closeQuietly(c);
    }
  });

  test('operations that were pending on a channel when it failed are rejected', LIMIT, async () => {
    const { ch, closed } = await trackChannel(conn);
    const q = uniqueName('q.missing');
    const failing = ch.checkQueue(q);
    const queued = ch.assertQueue('', { exclusive: true });
    await assert.rejects(failing);
    await assert.rejects(queued);
    assert.equal((await closed)?.code, 404);
  });
});

describe('protocol errors (raw frames)', () => {
  test("a method on a channel that was never opened closes the connection with 504 CHANNEL_ERROR - expected 'channel.open'", LIMIT, async () => {
    await raw(async (c) => {
      c.send(queueDeclare(1, ''));
      assert.deepEqual(await c.expectConnectionClose(), {
        code: 504,
        text: "CHANNEL_ERROR - expected 'channel.open'",
        classId: 50,
        methodId: 10,
      });
      assert.equal(await c.waitSocketClosed(), true);
    });
  });

  test("opening an already open channel closes the connection with 504 CHANNEL_ERROR - second 'channel.open' seen", LIMIT, async () => {
    await raw(async (c) => {
      await c.openChannel(1);
      c.send(methodFrame(1, 20, 10, enc.shortstr('')));
      assert.deepEqual(await c.expectConnectionClose(), {
        code: 504,
        text: "CHANNEL_ERROR - second 'channel.open' seen",
        classId: 20,
        methodId: 10,
      });
    });
  });

  test('non-connection methods on channel 0 close the connection with 504 unexpected method in connection state running', LIMIT, async () => {
    for (const [f, classId, methodId] of [
      [queueDeclare(0, ''), 50, 10],
      [methodFrame(0, 20, 10, enc.shortstr('')), 20, 10],
      [methodFrame(0, 10, 40, enc.shortstr('/'), enc.shortstr(''), enc.bits(false)), 10, 40],
    ] as const) {
      await raw(async (c) => {
        c.send(f);
        assert.deepEqual(await c.expectConnectionClose(), {
          code: 504,
          text: 'CHANNEL_ERROR - unexpected method in connection state running',
          classId,
          methodId,
        });
      });
    }
  });

  test('a body frame larger than frame_max closes the connection with 501 FRAME_ERROR frame_too_large', LIMIT, async () => {
    await raw(async (c) => {
      assert.equal(c.tune.frameMax, 131072);
      await c.openChannel(1);
      c.send(basicPublish(1, '', 'nowhere'));
      c.send(headerFrame(1, 60, 200000));
      c.send(frame(FRAME_BODY, 1, Buffer.alloc(140000)));
      assert.deepEqual(await c.expectConnectionClose(), {
        code: 501,
        text: 'FRAME_ERROR - type 3, all octets = <<>>: {frame_too_large,140000,131064}',
        classId: 0,
        methodId: 0,
      });
    });
  });

  test('an unknown frame type closes the connection with 501 FRAME_ERROR unknown_frame', LIMIT, async () => {
    await raw(async (c) => {
      c.send(frame(9, 0, Buffer.alloc(4)));
      assert.deepEqual(await c.expectConnectionClose(), {
        code: 501,
        text: 'FRAME_ERROR - type 9, all octets = <<0,0,0,0>>: unknown_frame',
        classId: 0,
        methodId: 0,
      });
    });
  });

  test('a frame without the 0xCE end marker closes the connection with 501 FRAME_ERROR invalid_frame_end_marker', LIMIT, async () => {
    await raw(async (c) => {
      c.send(frame(FRAME_METHOD, 0, Buffer.alloc(4), 0x00));
      assert.deepEqual(await c.expectConnectionClose(), {
        code: 501,
        text: 'FRAME_ERROR - type 1, all octets = <<0,0,0,0>>: {invalid_frame_end_marker,0}',
        classId: 0,
        methodId: 0,
      });
    });
  });

  test('a content header or body frame without a preceding publish closes the connection with 505 UNEXPECTED_FRAME', LIMIT, async () => {
    for (const f of [headerFrame(1, 60, 10), frame(FRAME_BODY, 1, Buffer.from('x'))]) {
      await raw(async (c) => {
        await c.openChannel(1);
        c.send(f);
        assert.deepEqual(await c.expectConnectionClose(), {
          code: 505,
          text: 'UNEXPECTED_FRAME - expected method frame, got non method frame instead',
          classId: 0,
          methodId: 0,
        });
      });
    }
  });

  test('a method frame where a content header is expected closes the connection with 505', LIMIT, async () => {
    await raw(async (c) => {
      await c.openChannel(1);
      c.send(basicPublish(1, '', 'x'));
      c.send(queueDeclare(1, ''));
      assert.deepEqual(await c.expectConnectionClose(), {
        code: 505,
        text: 'UNEXPECTED_FRAME - expected content header for class 60, got non content header frame instead',
        classId: 60,
        methodId: 40,
      });
    });
  });

  test('a content header of the wrong class closes the connection with 505', LIMIT, async () => {
    await raw(async (c) => {
      await c.openChannel(1);
      c.send(basicPublish(1, '', 'x'));
      c.send(headerFrame(1, 50, 1));
      assert.deepEqual(await c.expectConnectionClose(), {
        code: 505,
        text: 'UNEXPECTED_FRAME - expected content header for class 60, got one for class 50 instead',
        classId: 60,
        methodId: 40,
      });
    });
  });

  test('a method frame where a content body is expected closes the connection with 505', LIMIT, async () => {
    await raw(async (c) => {
      await c.openChannel(1);
      c.send(basicPublish(1, '', 'x'));
      c.send(headerFrame(1, 60, 10));
      c.send(queueDeclare(1, ''));
      assert.deepEqual(await c.expectConnectionClose(), {
        code: 505,
        text: 'UNEXPECTED_FRAME - expected content body, got non content body frame instead',
        classId: 60,
        methodId: 40,
      });
    });
  });

  test('a heartbeat frame on a non-zero channel closes the connection with 505', LIMIT, async () => {
    await raw(async (c) => {
      c.send(frame(FRAME_HEARTBEAT, 1, Buffer.alloc(0)));
      assert.deepEqual(await c.expectConnectionClose(), {
        code: 505,
        text: 'UNEXPECTED_FRAME - type 8, all octets = <<>>',
        classId: 0,
        methodId: 0,
      });
    });
  });

  test('an unknown class or method id terminates the connection', LIMIT, async () => {
    for (const f of [methodFrame(1, 60, 99), methodFrame(1, 99, 10)]) {
      await raw(async (c) => {
        await c.openChannel(1);
        c.send(f);
        const reply = await c.nextFrame(5000);
        if (reply) {
          // RabbitMQ just drops the socket; a connection.close with a hard error is acceptable too.
          assert.equal(`${reply.channel}:${reply.classId}.${reply.methodId}`, '0:10.50');
          assert.ok(parseClose(reply).code >= 500);
          c.send(methodFrame(0, 10, 51));
        }
        assert.equal(await c.waitSocketClosed(), true);
      });
    }
  });

  test('after the server closes a channel, further methods on it are ignored until channel.close-ok; then it can be reopened', LIMIT, async () => {
    await raw(async (c) => {
      await c.openChannel(1);
      c.send(queueDeclare(1, uniqueName('q.missing'), true));
      const f = await c.expectMethod(1, 20, 40);
      assert.equal(parseClose(f).code, 404);
      // These must be discarded silently.
      c.send(queueDeclare(1, ''));
      c.send(basicPublish(1, '', 'x'));
      c.send(headerFrame(1, 60, 1));
      c.send(frame(FRAME_BODY, 1, Buffer.from('x')));
      c.send(methodFrame(1, 20, 41)); // close-ok
      await c.openChannel(1);
      c.send(queueDeclare(1, ''));
      await c.expectMethod(1, 50, 11);
    });
  });

  test('a client channel.close is answered with close-ok and the channel number can be reused', LIMIT, async () => {
    await raw(async (c) => {
      await c.openChannel(5);
      c.send(methodFrame(5, 20, 40, enc.short(200), enc.shortstr('bye'), enc.short(0), enc.short(0)));
      await c.expectMethod(5, 20, 41);
      await c.openChannel(5);
      c.send(queueDeclare(5, ''));
      await c.expectMethod(5, 50, 11);
    });
  });

  test('a client connection.close is answered with connection.close-ok', LIMIT, async () => {
    await raw(async (c) => {
      await c.openChannel(1);
      c.send(methodFrame(0, 10, 50, enc.short(200), enc.shortstr('Goodbye'), enc.short(0), enc.short(0)));
      await c.expectMethod(0, 10, 51);
    });
  });

  test('channel.flow with active=true is answered with flow-ok active=true', LIMIT, async () => {
    await raw(async (c) => {
      await c.openChannel(1);
      c.send(methodFrame(1, 20, 20, enc.bits(true)));
      const ok = await c.expectMethod(1, 20, 21);
      assert.equal(ok.payload.readUInt8(4), 1);
    });
  });

  test('channel.flow with active=false closes the connection with 540 NOT_IMPLEMENTED', LIMIT, async () => {
    await raw(async (c) => {
      await c.openChannel(1);
      c.send(methodFrame(1, 20, 20, enc.bits(false)));
      assert.deepEqual(await c.expectConnectionClose(), {
        code: 540,
        text: 'NOT_IMPLEMENTED - active=false',
        classId: 20,
        methodId: 20,
      });
    });
  });

  test('the deprecated access.request is answered with access.request-ok', LIMIT, async () => {
    await raw(async (c) => {
      await c.openChannel(1);
      c.send(methodFrame(1, 30, 10, enc.shortstr('/data'), enc.bits(true, false, false, false, false)));
      await c.expectMethod(1, 30, 11);
    });
  });

  test('a publish whose header declares a zero body size needs no body frame', LIMIT, async () => {
    await raw(async (c) => {
      await c.openChannel(1);
      c.send(queueDeclare(1, ''));
      const ok = await c.expectMethod(1, 50, 11);
      const q = ok.payload.toString('utf8', 5, 5 + ok.payload.readUInt8(4));
      c.send(basicPublish(1, '', q));
      c.send(headerFrame(1, 60, 0));
      c.send(basicGet(1, q));
      await c.expectMethod(1, 60, 71); // get-ok
      const header = await c.nextFrame();
      assert.equal(header?.type, FRAME_HEADER);
      assert.equal(header!.payload.readBigUInt64BE(4), 0n);
      c.send(queueDeclare(1, q, true));
      await c.expectMethod(1, 50, 11, 5000);
    });
  });

  test('a body split across many small frames is reassembled', LIMIT, async () => {
    await raw(async (c) => {
      await c.openChannel(1);
      c.send(queueDeclare(1, ''));
      const ok = await c.expectMethod(1, 50, 11);
      const q = ok.payload.toString('utf8', 5, 5 + ok.payload.readUInt8(4));
      const body = Buffer.from('split into single-byte frames');
      c.send(basicPublish(1, '', q));
      c.send(headerFrame(1, 60, body.length));
      for (const byte of body) c.send(frame(FRAME_BODY, 1, Buffer.from([byte])));
      c.send(basicGet(1, q));
      await c.expectMethod(1, 60, 71);
      const header = await c.nextFrame();
      assert.equal(header?.type, FRAME_HEADER);
      assert.equal(Number(header!.payload.readBigUInt64BE(4)), body.length);
      const chunks: Buffer[] = [];
      while (Buffer.concat(chunks).length < body.length) {
        const f = await c.nextFrame();
        assert.equal(f?.type, FRAME_BODY);
        chunks.push(f!.payload);
      }
      assert.equal(Buffer.concat(chunks).toString(), body.toString());
    });
  });
});

describe('nowait (raw frames)', () => {
  test('declare, bind and consume with nowait=true send no reply but take effect', LIMIT, async () => {
    await raw(async (c) => {
      await c.openChannel(1);
      const name = uniqueName('q.nowait');
      c.send(methodFrame(1, 50, 10, enc.short(0), enc.shortstr(name), enc.bits(false, false, true, false, true), enc.table()));
      c.send(methodFrame(1, 40, 10, enc.short(0), enc.shortstr(name), enc.shortstr('fanout'), enc.bits(false, false, false, false, true), enc.table()));
      c.send(methodFrame(1, 50, 20, enc.short(0), enc.shortstr(name), enc.shortstr(name), enc.shortstr(''), enc.bits(true), enc.table()));
      c.send(methodFrame(1, 60, 20, enc.short(0), enc.shortstr(name), enc.shortstr('nowait-tag'), enc.bits(false, true, false, true), enc.table()));
      c.send(queueDeclare(1, name, true));
      // The first reply must be the passive declare-ok: nothing was sent for the nowait methods.
      const ok = await c.expectMethod(1, 50, 11);
      const nameLen = ok.payload.readUInt8(4);
      assert.equal(ok.payload.toString('utf8', 5, 5 + nameLen), name);
      assert.equal(ok.payload.readUInt32BE(9 + nameLen), 1, 'the nowait consumer exists');
      // Publishing through the nowait-declared exchange reaches the nowait consumer.
      c.send(basicPublish(1, name, ''));
      c.send(headerFrame(1, 60, 2));
      c.send(frame(FRAME_BODY, 1, Buffer.from('hi')));
      const deliver = await c.expectMethod(1, 60, 60);
      assert.equal(deliver.payload.toString('utf8', 5, 5 + deliver.payload.readUInt8(4)), 'nowait-tag');
      c.send(methodFrame(1, 40, 20, enc.short(0), enc.shortstr(name), enc.bits(false, true)));
    });
  });

  test('a failing nowait method still closes the channel with the usual error', LIMIT, async () => {
    await raw(async (c) => {
      await c.openChannel(1);
      const name = uniqueName('q.missing');
      c.send(methodFrame(1, 50, 10, enc.short(0), enc.shortstr(name), enc.bits(true, false, false, false, true), enc.table()));
      assert.deepEqual(await c.expectChannelClose(1), {
        code: 404,
        text: `NOT_FOUND - no queue '${name}' in vhost '/'`,
        classId: 50,
        methodId: 10,
      });
    });
  });
});

// Two of these wait for the server to give up on a client (about 3 s each on RabbitMQ), so they run concurrently.
describe('handshake (raw frames)', { concurrency: true }, () => {
  test('connection.start offers version 0-9, the PLAIN mechanism and the en_US locale', LIMIT, async () => {
    const c = await RawConnection.connectSocket(broker.port, broker.host);
    try {
      c.send(PROTOCOL_HEADER);
      const start = await c.expectMethod(0, 10, 10);
      const p = start.payload;
      assert.equal(p.readUInt8(4), 0);
      assert.equal(p.readUInt8(5), 9);
      const tableLen = p.readUInt32BE(6);
      let off = 10 + tableLen;
      const mechLen = p.readUInt32BE(off);
      const mechanisms = p.toString('utf8', off + 4, off + 4 + mechLen).split(' ');
      off += 4 + mechLen;
      const locLen = p.readUInt32BE(off);
      const locales = p.toString('utf8', off + 4, off + 4 + locLen);
      assert.ok(mechanisms.includes('PLAIN'), `mechanisms: ${mechanisms.join(' ')}`);
      assert.equal(locales, 'en_US');
    } finally {
      c.destroy();
    }
  });

  test('connection.tune proposes channel_max 2047, frame_max 131072 and heartbeat 60', LIMIT, async () => {
    await raw(async (c) => {
      assert.deepEqual(c.tune, { channelMax: 2047, frameMax: 131072, heartbeat: 60 });
    });
  });

  test("opening an unknown vhost is refused with connection.close 530 NOT_ALLOWED - vhost nope not found", LIMIT, async () => {
    const c = await RawConnection.connectSocket(broker.port, broker.host);
    try {
      c.send(PROTOCOL_HEADER);
      await c.expectMethod(0, 10, 10);
      c.sendStartOk('guest', 'guest');
      await c.expectMethod(0, 10, 30);
      c.send(methodFrame(0, 10, 31, enc.short(2047), enc.long(131072), enc.short(0)));
      c.send(methodFrame(0, 10, 40, enc.shortstr('nope'), enc.shortstr(''), enc.bits(false)));
      assert.deepEqual(await c.expectConnectionClose(), {
        code: 530,
        text: 'NOT_ALLOWED - vhost nope not found',
        classId: 10,
        methodId: 40,
      });
    } finally {
      c.destroy();
    }
  });

  test('handshake failures before connection.open (bad credentials without authentication_failure_close, unknown mechanism, invalid tune-ok) close the socket without a connection.close', LIMIT, async () => {
    type Case = { name: string; pass?: string; mechanism?: string; tuneOk?: [number, number, number] };
    const cases: Case[] = [
      { name: 'wrong password', pass: 'wrong' },
      { name: 'unknown mechanism', mechanism: 'NO-SUCH-MECH' },
      { name: 'frame_max below 4096', tuneOk: [2047, 1000, 0] },
      { name: 'frame_max above the server limit', tuneOk: [2047, 200000, 0] },
      { name: 'frame_max 0 (unlimited) while the server has a limit', tuneOk: [2047, 0, 0] },
      { name: 'channel_max above the server limit', tuneOk: [5000, 131072, 0] },
      { name: 'channel_max 0 (unlimited) while the server has a limit', tuneOk: [0, 131072, 0] },
    ];
    await Promise.all(
      cases.map(async (tc) => {
        const c = await RawConnection.connectSocket(broker.port, broker.host);
        try {
          c.send(PROTOCOL_HEADER);
          await c.expectMethod(0, 10, 10);
          c.sendStartOk('guest', tc.pass ?? 'guest', tc.mechanism ?? 'PLAIN');
          if (tc.tuneOk) {
            await c.expectMethod(0, 10, 30);
            const [cm, fm, hb] = tc.tuneOk;
            c.send(methodFrame(0, 10, 31, enc.short(cm), enc.long(fm), enc.short(hb)));
            c.send(methodFrame(0, 10, 40, enc.shortstr('/'), enc.shortstr(''), enc.bits(false)));
          }
          const f = await c.nextFrame(10000);
          assert.equal(f, undefined, `${tc.name}: expected no frame, got type ${f?.type} ${f?.classId}.${f?.methodId}`);
          assert.equal(c.socketClosed, true, `${tc.name}: the socket must be closed`);
        } finally {
          c.destroy();
        }
      }),
    );
  });

  test('a client that negotiated heartbeats and then stays silent is disconnected; the server sends heartbeats meanwhile', LIMIT, async () => {
    const c = await RawConnection.open(broker.port, broker.host, { tuneOk: { heartbeat: 1 } });
    try {
      let heartbeats = 0;
      c.sock.on('data', (d: Buffer) => {
        if (d[0] === FRAME_HEARTBEAT) heartbeats++;
      });
      await waitFor(() => c.socketClosed, 10000, 'the server to drop the silent connection');
      assert.ok(heartbeats >= 1, 'the server sends heartbeat frames');
    } finally {
      c.destroy();
    }
  });
});

describe('amqplib channel lifecycle', () => {
  test('a channel keeps working after another channel on the same connection was closed by an error', LIMIT, async () => {
    const good = await openChannel(conn);
    try {
      const { ch: bad, closed } = await trackChannel(conn);
      await assert.rejects(bad.checkQueue(uniqueName('q.missing')));
      await closed;
      const ok = await good.assertQueue('', { exclusive: true });
      assert.match(ok.queue, /^amq\.gen-/);
    } finally {
      await closeQuietly(good);
    }
  });
});
