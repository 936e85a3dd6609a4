// Small helpers shared by the client-library integration tests (amqplib and
// @cloudamqp/amqp-client). They only wrap the clients; no broker internals are used.
import assert from 'node:assert/strict';
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
    if (await predicate()) return;
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

/** Opens an amqplib connection. Connection-level 'error' events are swallowed (they also surface via 'close'). */
export async function connect(url: string, socketOptions?: Parameters<typeof amqp.connect>[1]): Promise<ChannelModel> {
  const conn = await amqp.connect(url, socketOptions);
  conn.on('error', () => {});
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
