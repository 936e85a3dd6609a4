// Seed inputs for the fuzzers: real AMQP traffic, recorded both ways through a TCP proxy in front
// of an in-process Warren while amqplib runs a session that touches most methods, properties and
// field-table types. Client->server streams are what the broker parses; server->client streams add
// the methods only a server sends (connection.start's tables, deliveries with properties).
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import amqp from 'amqplib';
import { startBroker } from '../../src/index.js';
import { FrameParser } from '../../src/amqp/frame-parser.js';

export interface SeedStreams {
  /** Byte streams a client sent (each starts with the protocol header). */
  toServer: Buffer[];
  /** Byte streams the broker sent. */
  toClient: Buffer[];
}

const headers = {
  str: 'text', int: 42, neg: -7, big: 2 ** 40, float: 1.5, bool: true, nil: null, bytes: Buffer.from([0, 1, 2, 255]),
  list: [1, 'two', [3, { four: 4 }], false], nested: { a: { b: { c: 'deep' } } }, date: { '!': 'timestamp', value: 1_700_000_000 },
  long: { '!': 'long', value: 123456789 }, dec: { '!': 'decimal', value: { places: 2, digits: 12345 } },
};

async function session(url: string): Promise<void> {
  const conn = await amqp.connect(url, { clientProperties: { connection_name: 'fuzz-seed' } });
  const ch = await conn.createConfirmChannel();
  await ch.prefetch(10);
  await ch.assertExchange('seed.topic', 'topic', { durable: false, arguments: { 'alternate-exchange': 'seed.ae' } });
  await ch.assertExchange('seed.ae', 'fanout', { durable: false });
  await ch.assertExchange('seed.headers', 'headers', { durable: false, autoDelete: true });
  const q = (await ch.assertQueue('seed.q', {
    durable: false, arguments: { 'x-max-length': 100, 'x-message-ttl': 60000, 'x-dead-letter-exchange': 'seed.ae', 'x-max-priority': 5 },
  })).queue;
  await ch.bindQueue(q, 'seed.topic', 'a.*.#');
  await ch.bindQueue(q, 'seed.headers', '', { 'x-match': 'any', str: 'text' });
  await ch.bindExchange('seed.ae', 'seed.topic', 'b.#');
  ch.publish('seed.topic', 'a.b.c', Buffer.from('hello'), {
    contentType: 'text/plain', contentEncoding: 'utf8', headers, deliveryMode: 2, priority: 3, correlationId: 'c-1', replyTo: 'r',
    expiration: '60000', messageId: 'm-1', timestamp: 1_700_000_000, type: 't', userId: 'guest', appId: 'seed',
  });
  ch.publish('seed.headers', '', Buffer.alloc(3000, 7), { headers: { str: 'text' } });
  ch.sendToQueue(q, Buffer.alloc(0));
  await ch.waitForConfirms();
  const got = await ch.get(q, { noAck: false });
  if (got) ch.nack(got, false, true);
  const seen: amqp.ConsumeMessage[] = [];
  const { consumerTag } = await ch.consume(q, (m) => m && seen.push(m), { noAck: false, exclusive: false, priority: 1, arguments: { 'x-priority': 1 } } as amqp.Options.Consume);
  for (let i = 0; i < 50 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
  if (seen[0]) ch.ack(seen[0]);
  if (seen[1]) ch.reject(seen[1], false);
  ch.ackAll();
  await ch.cancel(consumerTag);
  await ch.recover();
  await ch.unbindQueue(q, 'seed.topic', 'a.*.#');
  await ch.unbindExchange('seed.ae', 'seed.topic', 'b.#');
  await ch.purgeQueue(q);
  await ch.deleteQueue(q, { ifUnused: false, ifEmpty: false });
  await ch.deleteExchange('seed.topic');
  await ch.checkExchange('seed.ae');
  await ch.close();
  const plain = await conn.createChannel();
  plain.on('error', () => {});
  await plain.checkQueue('nope').catch(() => {}); // a channel.close from the server
  await conn.close();
}

/** Records the session through a proxy; returns the two directions of each connection. */
export async function recordSeedStreams(): Promise<SeedStreams> {
  const broker = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'none' });
  const toServer: Buffer[] = [];
  const toClient: Buffer[] = [];
  const proxy = net.createServer((client) => {
    const up: Buffer[] = [];
    const down: Buffer[] = [];
    const server = net.connect(broker.port, '127.0.0.1');
    client.on('data', (d) => { up.push(d); server.write(d); });
    server.on('data', (d) => { down.push(d); client.write(d); });
    const done = () => { client.destroy(); server.destroy(); };
    client.on('close', done);
    server.on('close', () => {
      toServer.push(Buffer.concat(up));
      toClient.push(Buffer.concat(down));
      done();
    });
    client.on('error', done);
    server.on('error', done);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  try {
    await session(`amqp://guest:guest@127.0.0.1:${(proxy.address() as AddressInfo).port}`);
    for (let i = 0; i < 100 && toServer.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  } finally {
    await new Promise((r) => proxy.close(r));
    await broker.close();
  }
  return { toServer, toClient };
}

/** Splits a stream into whole frames (each with its 7-byte header and frame-end octet). */
export function splitFrames(stream: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  const start = stream.subarray(0, 4).toString('latin1') === 'AMQP' ? 8 : 0;
  const parser = new FrameParser(1 << 20, (_t, _c, buf, s, e) => frames.push(Buffer.from(buf.subarray(s - 7, e + 1))));
  parser.push(stream.subarray(start));
  return frames;
}
