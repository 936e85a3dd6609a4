// Connection-level behaviour, driven with amqplib over real TCP.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import * as amqp from 'amqplib';
import { startTestBroker, uniqueName, type TestBroker } from '../support/broker.js';
import {
  destroyAllSockets,
  closeQuietly,
  connect,
  openChannel,
  replyTextOf,
  sleep,
  trackChannel,
  urlWithCredentials,
  urlWithQuery,
  urlWithVhost,
  waitFor,
  within,
  type AmqpError,
} from '../support/clients.js';

/** Fail a test instead of hanging the run if the broker stops answering. */
const LIMIT = { timeout: 20_000 };

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker();
}, LIMIT);

after(async () => {
  await broker.close();
  destroyAllSockets();
}, LIMIT);

/** amqplib's negotiated tuning values live on the internal connection object. */
interface Tuned {
  frameMax: number;
  channelMax: number;
  heartbeat: number;
}
function tuned(conn: amqp.ChannelModel): Tuned {
  return conn.connection as unknown as Tuned;
}

/** Sends raw bytes to the broker and collects everything it sends back until it closes the socket. */
function rawExchange(port: number, host: string, bytes: Buffer, timeoutMs = 5000): Promise<{ data: Buffer; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = net.connect({ port, host }, () => sock.write(bytes));
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ data: Buffer.concat(chunks), closedByServer: false });
    }, timeoutMs);
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      // The server may reset rather than FIN the socket after replying; both count as closing it.
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') resolve({ data: Buffer.concat(chunks), closedByServer: true });
      else reject(e);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks), closedByServer: true });
    });
  });
}

describe('connection lifecycle', () => {
  test('connects with guest/guest and closes cleanly', LIMIT, async () => {
    const conn = await connect(broker.url);
    let closeErr: Error | undefined | null = null;
    conn.on('close', (err?: Error) => {
      closeErr = err;
    });
    await conn.close();
    await waitFor(() => closeErr !== null, 5000, 'close event');
    assert.equal(closeErr, undefined, 'a client-initiated close is not an error');
  });

  test('server properties identify the product and advertise the RabbitMQ capabilities', LIMIT, async () => {
    const conn = await connect(broker.url);
    try {
      const props = conn.connection.serverProperties as unknown as Record<string, unknown>;
      assert.equal(typeof props.product, 'string');
      assert.equal(typeof props.version, 'string');
      assert.equal(typeof props.platform, 'string');
      const caps = props.capabilities as Record<string, unknown>;
      assert.equal(typeof caps, 'object');
      for (const cap of [
        'publisher_confirms',
        'exchange_exchange_bindings',
        'basic.nack',
        'consumer_cancel_notify',
        'connection.blocked',
        'consumer_priorities',
        'authentication_failure_close',
        'per_consumer_qos',
        'direct_reply_to',
      ]) {
        assert.equal(caps[cap], true, `capability ${cap} must be advertised as true`);
      }
    } finally {
      await closeQuietly(conn);
    }
  });

  test('without client preferences the server-proposed tuning is accepted: frame_max 131072, channel_max 2047, heartbeat 60', LIMIT, async () => {
    const conn = await connect(broker.url);
    try {
      const t = tuned(conn);
      assert.equal(t.frameMax, 131072);
      assert.equal(t.channelMax, 2047);
      assert.equal(t.heartbeat, 60);
    } finally {
      await closeQuietly(conn);
    }
  });

  test('client-requested frameMax, channelMax and heartbeat are negotiated down', LIMIT, async () => {
    const conn = await connect(urlWithQuery(broker.url, { frameMax: 8192, heartbeat: 10, channelMax: 16 }));
    try {
      const t = tuned(conn);
      assert.equal(t.frameMax, 8192);
      assert.equal(t.channelMax, 16);
      assert.equal(t.heartbeat, 10);
      // The connection is usable with the small frame size, including bodies spanning many frames.
      const ch = await openChannel(conn);
      const q = (await ch.assertQueue('', { exclusive: true })).queue;
      const body = Buffer.alloc(50_000, 7);
      ch.sendToQueue(q, body);
      let got: amqp.GetMessage | false = false;
      await waitFor(async () => (got = await ch.get(q, { noAck: true })) !== false, 5000, 'message');
      assert.deepEqual((got as unknown as amqp.GetMessage).content, body);
    } finally {
      await closeQuietly(conn);
    }
  });

  test('heartbeat=0 disables heartbeats', LIMIT, async () => {
    const conn = await connect(urlWithQuery(broker.url, { heartbeat: 0 }));
    try {
      assert.equal(tuned(conn).heartbeat, 0);
      const ch = await openChannel(conn);
      await ch.assertQueue('', { exclusive: true });
    } finally {
      await closeQuietly(conn);
    }
  });

  test('a connection with a 1 second heartbeat stays open while idle for several intervals', LIMIT, async () => {
    const conn = await connect(urlWithQuery(broker.url, { heartbeat: 1 }));
    let closed = false;
    conn.on('close', () => {
      closed = true;
    });
    try {
      assert.equal(tuned(conn).heartbeat, 1);
      await sleep(3500);
      assert.equal(closed, false);
      const ch = await openChannel(conn);
      await ch.assertQueue('', { exclusive: true });
    } finally {
      await closeQuietly(conn);
    }
  });

  test('many channels can be opened, used and closed on one connection', LIMIT, async () => {
    const conn = await connect(broker.url);
    try {
      const channels = await Promise.all(Array.from({ length: 200 }, () => openChannel(conn)));
      const oks = await Promise.all(channels.map((ch) => ch.assertQueue('', { exclusive: true })));
      assert.equal(new Set(oks.map((o) => o.queue)).size, 200, 'every channel gets its own server-named queue');
      await Promise.all(channels.map((ch) => ch.close()));
      // Channel numbers are reusable after close.
      const again = await openChannel(conn);
      await again.assertQueue('', { exclusive: true });
    } finally {
      await closeQuietly(conn);
    }
  });

  test('closing the connection closes its open channels', LIMIT, async () => {
    const conn = await connect(broker.url);
    const { ch } = await trackChannel(conn);
    let chClosed = false;
    ch.on('close', () => {
      chClosed = true;
    });
    await conn.close();
    await waitFor(() => chClosed, 5000, 'channel close');
  });

  test('a client-closed channel leaves the connection usable', LIMIT, async () => {
    const conn = await connect(broker.url);
    try {
      const ch1 = await openChannel(conn);
      await ch1.close();
      const ch2 = await openChannel(conn);
      const ok = await ch2.assertQueue('', { exclusive: true });
      assert.match(ok.queue, /^amq\.gen-/);
    } finally {
      await closeQuietly(conn);
    }
  });
});

describe('connection refusal', () => {
  test('a wrong password is refused with 403 ACCESS_REFUSED during the handshake', LIMIT, async () => {
    const err = await within(
      amqp.connect(urlWithCredentials(broker.url, 'guest', 'wrong-password')).then(
        async (c) => {
          await closeQuietly(c);
          return undefined;
        },
        (e: AmqpError) => e,
      ),
    );
    assert.ok(err, 'connection must be refused');
    assert.match(err.message, /ACCESS_REFUSED/);
    assert.match(err.message, /403/);
    assert.equal(
      replyTextOf(err),
      'ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile.',
    );
  });

  test('an unknown user is refused with the same 403 ACCESS_REFUSED', LIMIT, async () => {
    const err = await within(
      amqp.connect(urlWithCredentials(broker.url, uniqueName('nobody'), 'x')).then(
        async (c) => {
          await closeQuietly(c);
          return undefined;
        },
        (e: AmqpError) => e,
      ),
    );
    assert.ok(err, 'connection must be refused');
    assert.equal(
      replyTextOf(err),
      'ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile.',
    );
  });

  test('opening an unknown vhost is refused with 530 NOT_ALLOWED', LIMIT, async () => {
    const err = await within(
      amqp.connect(urlWithVhost(broker.url, 'nope')).then(
        async (c) => {
          await closeQuietly(c);
          return undefined;
        },
        (e: AmqpError) => e,
      ),
    );
    // amqplib reports this as "Expected ConnectionOpenOk; got <ConnectionClose channel:0>" without the
    // reply text; the exact 530 "NOT_ALLOWED - vhost nope not found" is asserted in amqp-client-basic.
    assert.ok(err, 'connection must be refused');
    assert.match(err.message, /ConnectionClose/);
  });

  test('a bad protocol header is answered with the AMQP 0-9-1 header and the socket is closed', LIMIT, async () => {
    const { data, closedByServer } = await rawExchange(broker.port, broker.host, Buffer.from('HTTP/1.1 GET /\r\n\r\n'));
    assert.deepEqual(data, Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]));
    assert.equal(closedByServer, true);
  });

  test('an AMQP header for another protocol version is answered with the 0-9-1 header', LIMIT, async () => {
    const { data, closedByServer } = await rawExchange(broker.port, broker.host, Buffer.from([0x41, 0x4d, 0x51, 0x50, 1, 1, 0, 10]));
    assert.deepEqual(data, Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]));
    assert.equal(closedByServer, true);
  });

  test('a correct protocol header is answered with connection.start (frame type 1, channel 0, class 10 method 10, version 0-9)', LIMIT, async () => {
    const { data } = await rawExchange(broker.port, broker.host, Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]), 500);
    assert.ok(data.length > 11, 'expected a connection.start frame');
    assert.equal(data.readUInt8(0), 1, 'method frame');
    assert.equal(data.readUInt16BE(1), 0, 'channel 0');
    const size = data.readUInt32BE(3);
    assert.equal(data.readUInt16BE(7), 10, 'class connection');
    assert.equal(data.readUInt16BE(9), 10, 'method start');
    assert.equal(data.readUInt8(11), 0, 'version-major');
    assert.equal(data.readUInt8(12), 9, 'version-minor');
    assert.equal(data.readUInt8(7 + size), 0xce, 'frame-end');
  });
});

describe('connection errors', () => {
  test('declaring an exchange of an unknown type closes the connection with 503 COMMAND_INVALID', LIMIT, async () => {
    const conn = await connect(broker.url);
    let connErr: AmqpError | undefined;
    conn.on('error', (e: AmqpError) => {
      connErr = e;
    });
    try {
      const { ch } = await trackChannel(conn);
      const name = uniqueName('x-badtype');
      // The pending declare is rejected because the whole connection goes away.
      await assert.rejects(within(ch.assertExchange(name, 'no-such-type')));
      await waitFor(() => connErr !== undefined, 5000, 'connection error');
      assert.equal(connErr!.code, 503);
      assert.match(connErr!.message, /^Connection closed: 503 \(COMMAND-INVALID\)/);
      assert.equal(replyTextOf(connErr), "COMMAND_INVALID - unknown exchange type 'no-such-type'");
    } finally {
      await closeQuietly(conn);
    }
  });
});
