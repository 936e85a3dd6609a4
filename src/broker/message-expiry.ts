// Message TTL: the per-message `expiration` property (validated and decoded once, at publish),
// the queue's x-message-ttl, and the single timer a queue keeps for the expiry of its head.
import { errors } from './errors.js';
import { erlangTaggedTuple, erlangString } from './erlang-format.js';
import type { Message } from './message.js';

/** The largest TTL RabbitMQ accepts, in ms (ten years), for expiration, x-message-ttl and x-expires. */
export const MAX_EXPIRY_MS = 315_360_000_000;

/**
 * The expiration property as a TTL in ms, -1 when absent; a 406 for values RabbitMQ refuses,
 * with its reply text: "invalid expiration '<value>': <reason>", the reason printed as Erlang's
 * ~p prints it (Erlang's string:to_integer, then the range check).
 */
export function parseExpiration(expiration: string | undefined): number {
  if (expiration === undefined) return -1;
  const m = /^[+-]?[0-9]+/.exec(expiration);
  const fail = (reason: string) => errors.preconditionFailed(`invalid expiration '${expiration}': ${reason}`);
  // ~p starts after "invalid expiration '<value>': ", so that is the column it wraps from.
  const column = 23 + Buffer.byteLength(expiration);
  if (m === null) throw fail('no_integer');
  const rest = expiration.slice(m[0].length);
  if (rest !== '') throw fail(erlangTaggedTuple('leftover_string', erlangString(Buffer.from(rest)), column));
  const n = BigInt(m[0]);
  if (n < 0n) throw fail(erlangTaggedTuple('value_negative', n.toString(), column));
  if (n > BigInt(MAX_EXPIRY_MS)) throw fail(erlangTaggedTuple('value_too_large', n.toString(), column));
  return Number(n);
}

/**
 * When `m` expires in a queue whose x-message-ttl is `queueTtl` (-1: none): the lower of the two
 * TTLs counted from its arrival; Infinity when neither applies.
 */
export function expiresAt(m: Message, queueTtl: number): number {
  const t = m.ttl;
  if (t < 0) return queueTtl < 0 ? Infinity : m.arrivedAt + queueTtl;
  return m.arrivedAt + (queueTtl < 0 || t < queueTtl ? t : queueTtl);
}

/** setTimeout's limit; longer waits are made of several timeouts. */
const MAX_TIMEOUT = 0x7fff_ffff;

/**
 * One callback at an absolute time (ms since the epoch), on an unref'd timer so it never keeps
 * the process alive. Waits longer than setTimeout allows (TTLs go up to ten years) are re-armed.
 */
export class Timer {
  private handle: NodeJS.Timeout | null = null;
  private at = Infinity;

  constructor(private readonly fire: () => void) {}

  /** (Re)starts the timer for `at`. */
  set(at: number, now = Date.now()): void {
    this.clear();
    this.at = at;
    this.arm(now);
  }

  /** Makes sure the callback runs no later than `at`, keeping an earlier pending one. */
  setNoLaterThan(at: number, now = Date.now()): void {
    if (this.handle !== null && this.at <= at) return;
    this.set(at, now);
  }

  clear(): void {
    if (this.handle !== null) clearTimeout(this.handle);
    this.handle = null;
    this.at = Infinity;
  }

  private arm(now: number): void {
    this.handle = setTimeout(this.onTimeout, Math.min(Math.max(this.at - now, 0), MAX_TIMEOUT));
    this.handle.unref();
  }

  private readonly onTimeout = (): void => {
    this.handle = null;
    const now = Date.now();
    if (now < this.at) return this.arm(now);
    this.at = Infinity;
    this.fire();
  };
}
