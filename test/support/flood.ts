// Connection floods and channel churn over raw sockets (test/support/clients.ts RawConnection),
// shared by test/integration/connection-flood.test.ts and bench/connection-flood.mjs.
import amqp from 'amqplib';
import { enc, methodFrame, RawConnection } from './clients.js';

const PROTOCOL_HEADER = Buffer.from('AMQP\x00\x00\x09\x01', 'binary');

export interface FloodReport {
  attempts: number;
  /** Dropped after the protocol header, before authenticating. */
  droppedBeforeLogin: number;
  /** Dropped after start-ok (authenticating), before tune. */
  droppedDuringLogin: number;
  /** Opened, then the socket dropped without connection.close. */
  droppedOpen: number;
  /** Opened and closed with connection.close / close-ok. */
  closedProperly: number;
  failed: number;
  ms: number;
}

async function oneConnection(port: number, kind: number, r: FloodReport): Promise<void> {
  if (kind < 3) {
    const c = await RawConnection.connectSocket(port, '127.0.0.1');
    c.send(PROTOCOL_HEADER);
    await c.expectMethod(0, 10, 10);
    if (kind === 2) {
      c.sendStartOk('guest', 'guest');
      r.droppedDuringLogin++;
    } else {
      r.droppedBeforeLogin++;
    }
    c.sock.destroy();
    return;
  }
  const c = await RawConnection.open(port, '127.0.0.1');
  if (kind < 6) {
    c.sock.destroy();
    r.droppedOpen++;
    return;
  }
  c.send(methodFrame(0, 10, 50, enc.short(200), enc.shortstr('bye'), enc.short(0), enc.short(0)));
  await c.expectMethod(0, 10, 51);
  c.sock.destroy();
  r.closedProperly++;
}

/** `total` connections, `concurrency` at a time, in a fixed mix of the four endings above. */
export async function connectionFlood(port: number, total: number, concurrency: number): Promise<FloodReport> {
  const r: FloodReport = { attempts: 0, droppedBeforeLogin: 0, droppedDuringLogin: 0, droppedOpen: 0, closedProperly: 0, failed: 0, ms: 0 };
  const started = Date.now();
  const worker = async () => {
    while (r.attempts < total) {
      const kind = r.attempts++ % 10;
      await oneConnection(port, kind, r).catch(() => r.failed++);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  r.ms = Date.now() - started;
  return r;
}

/** Opens and closes `perConnection` channels on each of `connections` connections, `batch` at a time. */
export async function channelChurn(port: number, connections: number, perConnection: number, batch: number): Promise<{ channels: number; ms: number }> {
  const started = Date.now();
  let channels = 0;
  await Promise.all(Array.from({ length: connections }, async () => {
    const c = await RawConnection.open(port, '127.0.0.1');
    for (let done = 0; done < perConnection; done += batch) {
      for (let ch = 1; ch <= batch; ch++) c.send(methodFrame(ch, 20, 10, enc.shortstr('')));
      for (let ch = 1; ch <= batch; ch++) await c.expectMethod(ch, 20, 11);
      for (let ch = 1; ch <= batch; ch++) c.send(methodFrame(ch, 20, 40, enc.short(200), enc.shortstr(''), enc.short(0), enc.short(0)));
      for (let ch = 1; ch <= batch; ch++) await c.expectMethod(ch, 20, 41);
      channels += batch;
    }
    c.send(methodFrame(0, 10, 50, enc.short(200), enc.shortstr('bye'), enc.short(0), enc.short(0)));
    await c.expectMethod(0, 10, 51);
    c.sock.destroy();
  }));
  return { channels, ms: Date.now() - started };
}

/**
 * A publisher with confirms and a consumer, running until stop(): resolves with what was confirmed
 * and what arrived, so a caller can check that nothing confirmed was lost.
 */
export async function confirmingTraffic(url: string): Promise<{ stop(): Promise<{ confirmed: number; received: Set<number> }> }> {
  const pub = await amqp.connect(url);
  const sub = await amqp.connect(url);
  const pch = await pub.createConfirmChannel();
  const sch = await sub.createChannel();
  const q = (await sch.assertQueue('', { exclusive: true })).queue;
  const received = new Set<number>();
  await sch.consume(q, (m) => m && received.add(Number(m.content.toString())), { noAck: true });
  let running = true;
  let confirmed = 0;
  let next = 0;
  const loop = (async () => {
    while (running) {
      for (let i = 0; i < 20; i++) pch.sendToQueue(q, Buffer.from(String(next++)));
      await pch.waitForConfirms();
      confirmed = next;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      for (let i = 0; i < 500 && received.size < confirmed; i++) await new Promise((r) => setTimeout(r, 10));
      await pub.close();
      await sub.close();
      return { confirmed, received };
    },
  };
}
