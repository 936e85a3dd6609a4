// Small helpers shared by the client-library integration tests (amqplib and
// @cloudamqp/amqp-client). They only wrap the clients; no broker internals are used.
import assert from 'node:assert/strict';
import net from 'node:net';
import * as amqp from 'amqplib';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib';

export type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage };

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `predicate` until it returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A predicate that talks to the broker must not be able to hang the wait.
    const left = Math.max(deadline - Date.now(), 1);
    if (await within(Promise.resolve(predicate()), left + 1000, what)) return;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Resolves with the value of `promise`, or fails the test after `timeoutMs`. */
export async function within<T>(promise: Promise<T>, timeoutMs = 5000, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Returns `url` with the given query parameters set (amqplib reads frameMax, heartbeat, channelMax from there). */
export function urlWithQuery(url: string, params: Record<string, string | number>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, String(v));
  return u.toString();
}

/** Returns `url` pointing at another virtual host (the name is percent-encoded). */
export function urlWithVhost(url: string, vhost: string): string {
  const u = new URL(url);
  u.pathname = '/' + encodeURIComponent(vhost);
  return u.toString();
}

/** Returns `url` with other credentials. */
export function urlWithCredentials(url: string, user: string, pass: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(pass);
  return u.toString();
}

const liveSockets = new Set<{ destroy(): void; destroyed?: boolean }>();

/**
 * Remembers a socket so that `destroyAllSockets()` can tear it down. Tests close their
 * connections themselves; this is only a safety net so a test that timed out against a broker
 * that stopped answering cannot keep the test process alive.
 */
export function registerSocket(sock: { destroy(): void; destroyed?: boolean } | undefined): void {
  if (sock) liveSockets.add(sock);
}

/** Destroys every registered socket that is still open. Call it last in each file's `after` hook. */
export function destroyAllSockets(): void {
  for (const s of liveSockets) if (!s.destroyed) s.destroy();
  liveSockets.clear();
}

/** The TCP socket under an amqplib connection (not part of amqplib's typed API). */
export function amqplibSocket(conn: ChannelModel): { destroy(): void; destroyed?: boolean } | undefined {
  return (conn.connection as unknown as { stream?: { destroy(): void; destroyed?: boolean } }).stream;
}

/** Opens an amqplib connection. Connection-level 'error' events are swallowed (they also surface via 'close'). */
export async function connect(url: string, socketOptions?: Parameters<typeof amqp.connect>[1]): Promise<ChannelModel> {
  const conn = await amqp.connect(url, socketOptions);
  conn.on('error', () => {});
  registerSocket(amqplibSocket(conn));
  return conn;
}

/** Closes an amqplib connection, ignoring errors (e.g. when the server already closed it). */
export async function closeQuietly(conn: { close(): Promise<void> } | undefined): Promise<void> {
  if (!conn) return;
  try {
    await conn.close();
  } catch {
    // already closed
  }
}

/** Runs `fn` with a fresh connection, which is always closed afterwards. */
export async function withConnection<T>(url: string, fn: (conn: ChannelModel) => Promise<T>): Promise<T> {
  const conn = await connect(url);
  try {
    return await fn(conn);
  } finally {
    await closeQuietly(conn);
  }
}

export interface TrackedChannel<C extends Channel = Channel> {
  ch: C;
  /** Errors emitted by the channel (server-initiated channel.close). */
  errors: Error[];
  /** Resolves with the first channel error, or rejects after a timeout. */
  closed: Promise<AmqpError | undefined>;
}

/** Opens a channel whose 'error' events are recorded instead of crashing the process. */
export async function openChannel(conn: ChannelModel): Promise<Channel> {
  return (await trackChannel(conn)).ch;
}

export async function openConfirmChannel(conn: ChannelModel): Promise<ConfirmChannel> {
  return (await trackChannel(conn, true)).ch as ConfirmChannel;
}

export async function trackChannel(conn: ChannelModel, confirm = false): Promise<TrackedChannel> {
  const ch = confirm ? await conn.createConfirmChannel() : await conn.createChannel();
  const errors: Error[] = [];
  let firstError: AmqpError | undefined;
  const closed = new Promise<AmqpError | undefined>((resolve) => {
    ch.on('error', (err: Error) => {
      errors.push(err);
      if (!firstError) firstError = err as AmqpError;
    });
    ch.on('close', () => resolve(firstError));
  });
  closed.catch(() => {});
  return { ch, errors, closed };
}

export interface AmqpError extends Error {
  code?: number;
  classId?: number;
  methodId?: number;
}

/** Extracts the server's reply-text from an amqplib error message ("... with message \"TEXT\""). */
export function replyTextOf(err: unknown): string | undefined {
  const m = /with message "([\s\S]*)"$/.exec((err as Error)?.message ?? '');
  return m?.[1];
}

/**
 * Asserts that `promise` rejects with an AMQP close carrying exactly `code` and `text`
 * (the reply-text as the server sent it). Returns the error.
 */
export async function expectAmqpError(promise: Promise<unknown>, code: number, text: string | RegExp): Promise<AmqpError> {
  let caught: AmqpError | undefined;
  try {
    await within(promise, 5000, `an AMQP error ${code}`);
  } catch (err) {
    caught = err as AmqpError;
  }
  assert.ok(caught, `expected an AMQP error ${code} but the operation succeeded`);
  assertAmqpError(caught, code, text);
  return caught;
}

export function assertAmqpError(err: AmqpError | undefined, code: number, text: string | RegExp): void {
  assert.ok(err, `expected an AMQP error ${code}`);
  assert.equal(err.code, code, `unexpected reply code in: ${err.message}`);
  const replyText = replyTextOf(err);
  if (typeof text === 'string') assert.equal(replyText, text);
  else assert.match(replyText ?? '', text);
}

/** Collects messages delivered to a consumer and lets tests await them. */
export class Inbox<M = ConsumeMessage> {
  readonly messages: M[] = [];
  cancelled = false;
  private waiters: Array<() => void> = [];

  readonly onMessage = (msg: M | null): void => {
    if (msg === null) this.cancelled = true;
    else this.messages.push(msg);
    for (const w of this.waiters.splice(0)) w();
  };

  /** Waits until at least `n` messages have arrived and returns the first `n`. */
  async take(n: number, timeoutMs = 5000): Promise<M[]> {
    await waitFor(() => this.messages.length >= n, timeoutMs, `${n} message(s) (have ${this.messages.length})`);
    return this.messages.slice(0, n);
  }

  async waitCancelled(timeoutMs = 5000): Promise<void> {
    await waitFor(() => this.cancelled, timeoutMs, 'a server-sent basic.cancel');
  }
}

/** Starts an amqplib consumer that records everything into an Inbox. */
export async function consumeInto(ch: Channel, queue: string, options?: Options.Consume): Promise<{ inbox: Inbox; consumerTag: string }> {
  const inbox = new Inbox();
  const { consumerTag } = await ch.consume(queue, inbox.onMessage, options);
  return { inbox, consumerTag };
}

/** Declares a fresh, exclusive-to-nothing, non-durable queue and returns its name. */
export async function freshQueue(ch: Channel, name: string, options: Options.AssertQueue = {}): Promise<string> {
  const ok = await ch.assertQueue(name, { durable: false, ...options });
  return ok.queue;
}

/**
 * Gets a message from `queue`, polling briefly because a publish on one channel and a get on
 * another are not ordered with respect to each other.
 */
export async function getEventually(ch: Channel, queue: string, options?: Options.Get, timeoutMs = 5000) {
  let got: Awaited<ReturnType<Channel['get']>> = false;
  await waitFor(
    async () => {
      got = await ch.get(queue, options);
      return got !== false;
    },
    timeoutMs,
    `a message on ${queue}`,
  );
  return got as unknown as amqp.GetMessage;
}

/** Waits until `queue` holds exactly `n` ready messages (checked with a passive declare on `ch`). */
export async function waitForMessageCount(ch: Channel, queue: string, n: number, timeoutMs = 5000): Promise<void> {
  let last = -1;
  await waitFor(
    async () => {
      last = (await ch.checkQueue(queue)).messageCount;
      return last === n;
    },
    timeoutMs,
    `${n} ready message(s) in ${queue} (last seen ${last})`,
  );
}

// ---------------------------------------------------------------------------------------------
// A deliberately tiny raw AMQP 0-9-1 client, for protocol-level tests that a real client library
// refuses to perform (bad frames, wrong channel states, malformed handshakes).


export const FRAME_METHOD = 1;
export const FRAME_HEADER = 2;
export const FRAME_BODY = 3;
export const FRAME_HEARTBEAT = 8;
export const FRAME_END = 0xce;
export const PROTOCOL_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]);

/** Field encoders for method arguments. */
export const enc = {
  octet: (n: number) => Buffer.from([n]),
  short: (n: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(n);
    return b;
  },
  long: (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  },
  longlong: (n: number | bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(n));
    return b;
  },
  shortstr: (s: string) => {
    const body = Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from([body.length]), body]);
  },
  longstr: (s: string | Buffer) => {
    const body = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    return Buffer.concat([len, body]);
  },
  /** Only tables of longstr values are needed here. */
  table: (t: Record<string, string> = {}) => {
    const parts = Object.entries(t).map(([k, v]) => Buffer.concat([enc.shortstr(k), Buffer.from('S'), enc.longstr(v)]));
    return enc.longstr(Buffer.concat(parts));
  },
  bits: (...flags: boolean[]) => Buffer.from([flags.reduce((acc, f, i) => acc | ((f ? 1 : 0) << i), 0)]),
};

export function frame(type: number, channel: number, payload: Buffer, frameEnd = FRAME_END): Buffer {
  const head = Buffer.alloc(7);
  head.writeUInt8(type, 0);
  head.writeUInt16BE(channel, 1);
  head.writeUInt32BE(payload.length, 3);
  return Buffer.concat([head, payload, Buffer.from([frameEnd])]);
}

export function methodFrame(channel: number, classId: number, methodId: number, ...args: Buffer[]): Buffer {
  return frame(FRAME_METHOD, channel, Buffer.concat([enc.short(classId), enc.short(methodId), ...args]));
}

/** A content header frame with no properties set. */
export function headerFrame(channel: number, classId: number, bodySize: number): Buffer {
  return frame(FRAME_HEADER, channel, Buffer.concat([enc.short(classId), enc.short(0), enc.longlong(bodySize), enc.short(0)]));
}

export interface RawFrame {
  type: number;
  channel: number;
  payload: Buffer;
  /** For method frames. */
  classId?: number;
  methodId?: number;
}

export interface CloseInfo {
  code: number;
  text: string;
  classId: number;
  methodId: number;
}

export function parseClose(f: RawFrame): CloseInfo {
  const p = f.payload;
  const code = p.readUInt16BE(4);
  const len = p.readUInt8(6);
  const text = p.toString('utf8', 7, 7 + len);
  return { code, text, classId: p.readUInt16BE(7 + len), methodId: p.readUInt16BE(9 + len) };
}

export class RawConnection {
  readonly sock: net.Socket;
  private buf = Buffer.alloc(0);
  private frames: RawFrame[] = [];
  private waiters: Array<() => void> = [];
  socketClosed = false;
  tune = { channelMax: 0, frameMax: 0, heartbeat: 0 };

  private constructor(sock: net.Socket) {
    this.sock = sock;
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.parse();
    });
    const onEnd = () => {
      this.socketClosed = true;
      this.wake();
    };
    sock.on('close', onEnd);
    sock.on('error', onEnd);
  }

  static connectSocket(port: number, host: string): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ port, host }, () => resolve(new RawConnection(sock)));
      registerSocket(sock);
      sock.once('error', reject);
    });
  }

  /**
   * Connects and performs the whole handshake up to connection.open-ok. `tuneOk` may override
   * the values echoed back in connection.tune-ok.
   */
  static async open(
    port: number,
    host: string,
    opts: { user?: string; pass?: string; vhost?: string; tuneOk?: Partial<RawConnection['tune']> } = {},
  ): Promise<RawConnection> {
    const c = await RawConnection.connectSocket(port, host);
    c.sock.write(PROTOCOL_HEADER);
    await c.expectMethod(0, 10, 10); // start
    c.sendStartOk(opts.user ?? 'guest', opts.pass ?? 'guest');
    const tune = await c.expectMethod(0, 10, 30);
    c.tune = {
      channelMax: tune.payload.readUInt16BE(4),
      frameMax: tune.payload.readUInt32BE(6),
      heartbeat: tune.payload.readUInt16BE(10),
    };
    const t = { ...c.tune, heartbeat: 0, ...opts.tuneOk };
    c.send(methodFrame(0, 10, 31, enc.short(t.channelMax), enc.long(t.frameMax), enc.short(t.heartbeat)));
    c.send(methodFrame(0, 10, 40, enc.shortstr(opts.vhost ?? '/'), enc.shortstr(''), enc.bits(false)));
    await c.expectMethod(0, 10, 41); // open-ok
    return c;
  }

  sendStartOk(user: string, pass: string, mechanism = 'PLAIN'): void {
    this.send(
      methodFrame(0, 10, 11, enc.table({ product: 'warren-raw-test' }), enc.shortstr(mechanism), enc.longstr(`\u0000${user}\u0000${pass}`), enc.shortstr('en_US')),
    );
  }

  send(bytes: Buffer): void {
    if (!this.sock.destroyed) this.sock.write(bytes);
  }

  async openChannel(channel: number): Promise<void> {
    this.send(methodFrame(channel, 20, 10, enc.shortstr('')));
    await this.expectMethod(channel, 20, 11);
  }

  private parse(): void {
    while (this.buf.length >= 7) {
      const size = this.buf.readUInt32BE(3);
      if (this.buf.length < 8 + size) return;
      const f: RawFrame = { type: this.buf.readUInt8(0), channel: this.buf.readUInt16BE(1), payload: this.buf.subarray(7, 7 + size) };
      if (f.type === FRAME_METHOD) {
        f.classId = f.payload.readUInt16BE(0);
        f.methodId = f.payload.readUInt16BE(2);
      }
      this.buf = this.buf.subarray(8 + size);
      if (f.type !== FRAME_HEARTBEAT) this.frames.push(f);
    }
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Next non-heartbeat frame, or undefined if the socket closed first / on timeout. */
  async nextFrame(timeoutMs = 5000): Promise<RawFrame | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.socketClosed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.frames.shift();
  }

  async expectMethod(channel: number, classId: number, methodId: number, timeoutMs = 5000): Promise<RawFrame> {
    const f = await this.nextFrame(timeoutMs);
    assert.ok(f, `expected method ${classId}.${methodId} on channel ${channel}, but got nothing (socket closed: ${this.socketClosed})`);
    const desc = f.type === FRAME_METHOD ? `method ${f.classId}.${f.methodId}` : `frame type ${f.type}`;
    const extra = f.type === FRAME_METHOD && (f.methodId === 50 || f.methodId === 40) && (f.classId === 10 || f.classId === 20) ? ` ${JSON.stringify(parseClose(f))}` : '';
    assert.equal(`${f.channel}:${desc}`, `${channel}:method ${classId}.${methodId}`, `unexpected frame${extra}`);
    return f;
  }

  /** Expects connection.close from the server, answers close-ok, and returns its fields. */
  async expectConnectionClose(timeoutMs = 5000): Promise<CloseInfo> {
    const f = await this.expectMethod(0, 10, 50, timeoutMs);
    this.send(methodFrame(0, 10, 51));
    return parseClose(f);
  }

  /** Expects channel.close from the server on `channel`, answers close-ok, and returns its fields. */
  async expectChannelClose(channel: number, timeoutMs = 5000): Promise<CloseInfo> {
    const f = await this.expectMethod(channel, 20, 40, timeoutMs);
    this.send(methodFrame(channel, 20, 41));
    return parseClose(f);
  }

  /** Waits for the server to close the TCP connection. */
  async waitSocketClosed(timeoutMs = 5000): Promise<boolean> {
    await waitFor(() => this.socketClosed, timeoutMs, 'the server to close the socket').catch(() => {});
    return this.socketClosed;
  }

  destroy(): void {
    this.sock.destroy();
  }
}
