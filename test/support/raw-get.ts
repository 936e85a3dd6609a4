// basic.get over a raw connection, with the message properties decoded by the codec into typed
// field values, so tests can compare headers exactly: wire types and key order included (client
// libraries lose both). Used to hold Warren's x-death headers against RabbitMQ's.
import assert from 'node:assert/strict';
import { Reader } from '../../src/amqp/buffer-reader.js';
import { Decimal, TypedValue } from '../../src/amqp/field-table.js';
import type { FieldValue } from '../../src/amqp/field-table.js';
import { decodeBasicProperties } from '../../src/amqp/spec.js';
import type { BasicProperties } from '../../src/amqp/spec.js';
import { enc, methodFrame, RawConnection, registerSocket } from './clients.js';

export interface RawMessage {
  exchange: string;
  routingKey: string;
  redelivered: boolean;
  messageCount: number;
  properties: BasicProperties;
  body: string;
}

export class RawGetter {
  private constructor(private readonly conn: RawConnection) {}

  static async open(host: string, port: number): Promise<RawGetter> {
    const conn = await RawConnection.open(port, host);
    registerSocket(conn.sock);
    await conn.openChannel(1);
    return new RawGetter(conn);
  }

  /** basic.get with no-ack; false when the queue is empty. */
  async get(queue: string): Promise<RawMessage | false> {
    this.conn.send(methodFrame(1, 60, 70, enc.short(0), enc.shortstr(queue), enc.bits(true)));
    const f = await this.conn.nextFrame();
    assert.ok(f && f.type === 1, 'expected a method frame');
    if (f.methodId === 72) return false;
    assert.equal(`${f.classId}.${f.methodId}`, '60.71', `basic.get answered with ${f.classId}.${f.methodId}: ${f.payload.toString()}`);
    const p = f.payload;
    let at = 4 + 8;
    const redelivered = p[at++] !== 0;
    const exchange = p.toString('utf8', at + 1, at + 1 + p[at]);
    at += 1 + p[at];
    const routingKey = p.toString('utf8', at + 1, at + 1 + p[at]);
    at += 1 + p[at];
    const messageCount = p.readUInt32BE(at);
    const h = await this.conn.nextFrame();
    assert.ok(h && h.type === 2, 'expected a content header');
    const size = Number(h.payload.readBigUInt64BE(4));
    const properties = decodeBasicProperties(new Reader(h.payload, 12, h.payload.length));
    const parts: Buffer[] = [];
    for (let got = 0; got < size; ) {
      const b = await this.conn.nextFrame();
      assert.ok(b && b.type === 3, 'expected a body frame');
      parts.push(b.payload);
      got += b.payload.length;
    }
    return { exchange, routingKey, redelivered, messageCount, properties, body: Buffer.concat(parts).toString() };
  }

  /** Polls until a message arrives. */
  async getEventually(queue: string, timeoutMs = 5000): Promise<RawMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = await this.get(queue);
      if (m) return m;
      if (Date.now() > deadline) assert.fail(`timed out waiting for a message on ${queue}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.conn.destroy();
  }
}

/**
 * A field value as JSON with its wire type spelled out, keys in wire order: typed numbers as
 * "l:1", "T:<seconds>" (or "T:now" for timestamps within five minutes of now when `now` is set),
 * plain numbers as "n:1", binaries as "x:<hex>". Strings, booleans, arrays and tables as such.
 */
export function typed(v: FieldValue | undefined, now = false): unknown {
  if (v === undefined) return undefined;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return `n:${v}`;
  if (typeof v === 'bigint') return `n:${v}`;
  if (Buffer.isBuffer(v)) return `x:${v.toString('hex')}`;
  if (v instanceof TypedValue) {
    if (v.type === 'T' && now && Math.abs(Number(v.value) - Date.now() / 1000) < 300) return 'T:now';
    return `${v.type}:${v.value}`;
  }
  if (v instanceof Decimal) return `D:${v.scale}:${v.value}`;
  if (Array.isArray(v)) return v.map((x) => typed(x, now));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = typed(v[k], now);
  return out;
}

/** The headers as typed JSON text (key order matters in the comparison). */
export function typedHeaders(m: RawMessage): string {
  return JSON.stringify(typed(m.properties.headers, true));
}

/**
 * typedHeaders for a dead-lettered message, comparable with RabbitMQ 3.10.8's recording: Warren also
 * writes x-last-death-reason/-queue/-exchange (as newer RabbitMQ does; 3.10 does not). When `warren`
 * is true they must be there and name the most recent death (the first x-death entry); they are
 * then left out of the returned text.
 */
export function deathHeaders(m: RawMessage, warren: boolean): string {
  const h = typed(m.properties.headers, true) as Record<string, unknown>;
  if (warren) {
    const latest = (h['x-death'] as Record<string, unknown>[] | undefined)?.[0];
    assert.ok(latest, 'no x-death entry');
    assert.deepEqual([h['x-last-death-reason'], h['x-last-death-queue']], [latest['reason'], latest['queue']], 'x-last-death-* name the most recent death');
    // (An entry merged from a client-made x-death may lack the exchange.)
    if ('exchange' in latest) assert.equal(h['x-last-death-exchange'], latest['exchange']);
    assert.equal(typeof h['x-last-death-exchange'], 'string');
    delete h['x-last-death-reason'];
    delete h['x-last-death-queue'];
    delete h['x-last-death-exchange'];
  }
  return JSON.stringify(h);
}
