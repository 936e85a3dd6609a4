// connection_max: as RabbitMQ 3.10.8's listener (ranch max_connections), a connection over the
// limit is neither refused nor answered: its TCP connect succeeds, but connection.start only comes
// once another connection ends. Observed on RabbitMQ 3.10.8 with connection_max = 3 (a node of our
// own, since the limit is fixed when the listener starts): further sockets connect and get no
// bytes; closing connections does not answer them while the count stays over the limit. (ranch
// lets one connection per acceptor slip past the limit — 12 were answered there; Warren's limit
// is exact, so this file runs against Warren only.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startBroker } from '../../src/index.js';
import type { RunningBroker } from '../../src/index.js';
import { connect, closeQuietly, sleep, waitFor } from '../support/clients.js';
import type { ChannelModel } from '../support/clients.js';

const HEADER = Buffer.from('AMQP\x00\x00\x09\x01', 'binary');

/** A raw socket that sends the protocol header and counts the bytes it gets back. */
function rawClient(port: number) {
  const s = net.connect(port, '127.0.0.1');
  const state = { connected: false, received: 0, closed: false, socket: s };
  s.on('connect', () => {
    state.connected = true;
    s.write(HEADER);
  });
  s.on('data', (d) => (state.received += d.length));
  s.on('close', () => (state.closed = true));
  s.on('error', () => {});
  return state;
}

describe('connection_max', () => {
  let broker: RunningBroker;
  let url: string;
  const open: ChannelModel[] = [];

  before(async () => {
    broker = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'error', connectionMax: 3 });
    url = `amqp://guest:guest@127.0.0.1:${broker.port}`;
  });
  after(async () => {
    for (const c of open) await closeQuietly(c);
    await broker.close();
  });

  test('connections over the limit wait unanswered and are admitted in order as others end', async () => {
    for (let i = 0; i < 3; i++) open.push(await connect(url));

    const waiting = rawClient(broker.port);
    await waitFor(() => waiting.connected, 5000, 'TCP connect of the 4th client');
    let fifthDone = false;
    const fifth = connect(url).then((c) => {
      fifthDone = true;
      return c;
    });
    await sleep(500);
    assert.equal(waiting.received, 0, 'no connection.start while the broker is full');
    assert.equal(waiting.closed, false, 'the waiting client is not refused either');
    assert.equal(fifthDone, false);

    // One connection ends: the longest-waiting socket gets its connection.start.
    await open.shift()!.close();
    await waitFor(() => waiting.received > 0, 5000, 'connection.start for the waiting socket');
    assert.equal(fifthDone, false, 'only one slot was freed');

    // The waiting raw client gives up; then another connection ends and the amqplib client gets in.
    waiting.socket.destroy();
    await open.shift()!.close();
    const c5 = await fifth;
    open.push(c5);
    const ch = await c5.createChannel();
    const q = (await ch.assertQueue('', { exclusive: true })).queue;
    ch.sendToQueue(q, Buffer.from('in'));
    await waitFor(async () => (await ch.checkQueue(q)).messageCount === 1, 5000, 'the admitted client works');
  });

  test('a client that gives up while waiting does not take a slot', async () => {
    while (open.length < 3) open.push(await connect(url));
    const quitter = rawClient(broker.port);
    await waitFor(() => quitter.connected, 5000, 'TCP connect');
    let laterDone = false;
    const later = connect(url).then((c) => {
      laterDone = true;
      return c;
    });
    await sleep(200);
    quitter.socket.destroy();
    await sleep(200);
    assert.equal(laterDone, false);
    await open.shift()!.close();
    open.push(await later);
    assert.equal(quitter.received, 0);
  });
});
