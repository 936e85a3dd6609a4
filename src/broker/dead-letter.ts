// Dead-lettering as RabbitMQ 3.10 does it (rabbit_dead_letter): the copy of a message that goes
// to the dead-letter exchange, with its x-death history, and the cycle check for its targets.
import { TypedValue, numberOf } from '../amqp/field-table.js';
import type { FieldTable, FieldValue } from '../amqp/field-table.js';
import { Message } from './message.js';
import { decodeProperties, encodeProperties, long, sortedTable } from './message-properties.js';

export type DeathReason = 'rejected' | 'expired' | 'maxlen' | 'delivery_limit';

export interface DeadLetter {
  /** The message to publish to the dead-letter exchange. */
  readonly message: Message;
  /** Its routing keys (the dead-letter routing key, or the original keys including CC and BCC). */
  readonly routingKeys: readonly string[];
  /** Its headers (for headers-exchange routing and the cycle check). */
  readonly headers: FieldTable;
}

/**
 * The dead-lettered copy of `m`, which died in `queue` for `reason`:
 * - an x-death entry {count, reason, queue, time, exchange, routing-keys[, original-expiration]}
 *   is added for (queue, reason), or the existing one's count goes up (its time and other fields
 *   stay as first recorded) and it moves to the front; entries written on a later death are
 *   sorted by key, the very first one keeps the order above;
 * - the first death also sets x-first-death-reason/-queue/-exchange;
 * - the expiration property is removed (kept in x-death as original-expiration);
 * - with a dead-letter routing key, it replaces the routing keys and the CC header is dropped;
 * - the header table ends up sorted by key.
 */
export function deadLetter(
  m: Message,
  reason: DeathReason,
  queue: string,
  exchange: string,
  deadLetterRoutingKey: string | undefined,
  now = Date.now(),
): DeadLetter {
  const props = decodeProperties(m.properties);
  const original = props.headers ?? {};
  const keys = m.routingKeys ?? [m.routingKey];
  // The first routing key is the publish's own; the others shown are the CC/BCC headers' keys.
  const info: FieldTable = {
    reason,
    queue,
    time: new TypedValue('T', Math.floor(now / 1000)),
    exchange: m.exchange,
    'routing-keys': [keys[0], ...headerRoutes(original, 'CC'), ...headerRoutes(original, 'BCC')],
  };
  if (props.expiration !== undefined) info['original-expiration'] = props.expiration;
  const headers = sortedTable(withDeath(original, info, queue, reason, m.exchange));
  if (deadLetterRoutingKey !== undefined) delete headers['CC'];
  props.headers = headers;
  delete props.expiration;
  const routingKeys = deadLetterRoutingKey !== undefined ? [deadLetterRoutingKey] : keys;
  const message = new Message(exchange, routingKeys[0], encodeProperties(props), m.bodyPieces, m.persistent, m.priority, -1,
    routingKeys.length > 1 ? routingKeys : undefined);
  return { message, routingKeys, headers };
}

/** The headers with the new death recorded (rabbit_dead_letter:update_x_death_header). */
function withDeath(headers: FieldTable, info: FieldTable, queue: string, reason: string, exchange: string): FieldTable {
  const out: FieldTable = { ...headers };
  const deaths = headers['x-death'];
  if (deaths === undefined) {
    out['x-first-death-reason'] = reason;
    out['x-first-death-queue'] = queue;
    out['x-first-death-exchange'] = exchange;
    out['x-death'] = [{ count: long(1), ...info }];
  } else if (Array.isArray(deaths)) {
    const grouped = groupByQueueAndReason(deaths);
    const i = grouped.findIndex((d) => isTable(d) && sameValue(d['queue'], queue) && sameValue(d['reason'], reason));
    const entry = i < 0 ? { count: long(1), ...info } : incrementCount(grouped[i] as FieldTable);
    if (i >= 0) grouped.splice(i, 1);
    out['x-death'] = [sortedTable(entry), ...grouped];
  } else {
    // Not an array (a client re-published it as something else): start over, as RabbitMQ does.
    out['x-death'] = [{ count: long(1), ...info }];
  }
  // Newer RabbitMQ (3.13+) also names the most recent death; 3.10 does not. Consumers that
  // triage dead letters read these instead of digging into x-death.
  out['x-last-death-reason'] = reason;
  out['x-last-death-queue'] = queue;
  out['x-last-death-exchange'] = exchange;
  return out;
}

/**
 * Merges entries with the same (queue, reason), left by old brokers. Like RabbitMQ's fold, this
 * returns the surviving entries in reverse order when there are two or more (observable on 3.10:
 * a fourth death in a chain q1→q2→q3→q4 yields [q4, q2, q1, q3]).
 */
function groupByQueueAndReason(deaths: FieldValue[]): FieldValue[] {
  if (deaths.length <= 1) return deaths.slice();
  const seen = new Set<string>();
  let acc: FieldValue[] = [];
  for (const d of deaths) {
    if (!isTable(d)) {
      acc = [d, ...acc];
      continue;
    }
    const q = d['queue'];
    const r = d['reason'];
    const matches = deaths.filter((x) => isTable(x) && sameValue(x['queue'], q) && sameValue(x['reason'], r)) as FieldTable[];
    const key = valueKey(q) + '\u0000' + valueKey(r);
    const first = matches[0];
    const augmented = first['count'] === undefined ? { count: long(matches.length), ...first } : first;
    if (acc.length === 0 || !seen.has(key)) acc = [augmented, ...acc];
    seen.add(key);
  }
  return acc;
}

function incrementCount(entry: FieldTable): FieldTable {
  const n = numberOf(entry['count']);
  if (entry['count'] === undefined) return { count: long(1), ...entry };
  return { ...entry, count: long((n ?? 0) + 1) };
}

/**
 * Whether dead-lettering into `queue` closes a cycle that no client took part in: walking the
 * x-death entries from the most recent, `queue` shows up before any 'rejected' entry (RabbitMQ
 * drops the message for that queue then). Deaths with reason 'rejected' never count as cycles.
 */
export function isDeathCycle(queue: string, headers: FieldTable): boolean {
  const deaths = headers['x-death'];
  if (!Array.isArray(deaths)) return false;
  let automatic = true;
  for (const d of deaths) {
    if (!isTable(d)) {
      automatic = false; // something a client put there
      continue;
    }
    if (d['reason'] === 'rejected') automatic = false;
    if (d['queue'] === queue) return automatic;
  }
  return false;
}

function headerRoutes(headers: FieldTable, key: string): string[] {
  const v = headers[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function isTable(v: FieldValue): v is FieldTable {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v) && !(v instanceof TypedValue) && !('scale' in v);
}

/** Erlang term equality as it applies here: strings and binaries by bytes, numbers by value. */
function sameValue(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  return valueKey(a) === valueKey(b);
}

function valueKey(v: FieldValue | undefined): string {
  if (v === undefined) return 'u';
  if (typeof v === 'string') return 'b' + Buffer.from(v).toString('hex');
  if (Buffer.isBuffer(v)) return 'b' + v.toString('hex');
  const n = numberOf(v);
  if (n !== undefined) return 'n' + n;
  return 'o' + JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
}
