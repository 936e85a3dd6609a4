// A socket that connects and says nothing is closed after handshake_timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startBroker } from '../../src/index.js';

test('a silent socket is closed once the handshake timeout passes, without any frame', async () => {
  const broker = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'error', handshakeTimeout: 1 });
  try {
    const sock = connect(broker.port, '127.0.0.1');
    const received: Buffer[] = [];
    sock.on('data', (d) => received.push(d));
    const closed = await new Promise<boolean>((resolve) => {
      sock.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 5000);
    });
    assert.equal(closed, true, 'the broker should close a socket that never sends the protocol header');
    assert.equal(Buffer.concat(received).length, 0);
  } finally {
    await broker.close();
  }
});
