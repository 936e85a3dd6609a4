// A dynamic shovel's runtime parameter value (component "shovel"): its validation, with the keys
// and error texts of RabbitMQ 3.10's rabbit_shovel_parameters, and the parsed definition a running
// shovel works from.
import { erlangTerm } from '../erlang-format.js';
import { isLocalUri, parseShovelUri } from './shovel-uri.js';
import type { ShovelUri } from './shovel-uri.js';

export const SHOVEL_COMPONENT = 'shovel';

export type AckMode = 'no-ack' | 'on-publish' | 'on-confirm';
/** 'never', 'queue-length' (what the queue holds when the shovel starts) or a message count. */
export type DeleteAfter = 'never' | 'queue-length' | number;

export interface ShovelDefinition {
  readonly srcUri: ShovelUri;
  /** Consume from this queue (declared durable when missing, as RabbitMQ does)... */
  readonly srcQueue: string | undefined;
  /** ...or from a private queue bound to this exchange with srcExchangeKey. */
  readonly srcExchange: string | undefined;
  readonly srcExchangeKey: string;
  /** Unacknowledged messages in flight at most (0: no limit). */
  readonly prefetch: number;
  readonly deleteAfter: DeleteAfter;
  readonly destUri: ShovelUri;
  /** Publish to this queue through the default exchange (declared durable when missing)... */
  readonly destQueue: string | undefined;
  /** ...or to this exchange, with destExchangeKey or else the message's own routing key. */
  readonly destExchange: string | undefined;
  readonly destExchangeKey: string | undefined;
  readonly addForwardHeaders: boolean;
  readonly addTimestampHeader: boolean;
  readonly ackMode: AckMode;
  /** Seconds before a failed shovel tries again. */
  readonly reconnectDelay: number;
}

/** RabbitMQ's defaults for a dynamic shovel. */
const DEFAULT_PREFETCH = 1000;
const DEFAULT_RECONNECT_DELAY = 5;

type Check = (key: string, value: unknown) => string | undefined;
type Needed = 'mandatory' | 'optional';

const number: Check = (k, v) => (typeof v === 'number' ? undefined : `${k} should be a number, actually was ${erlangTerm(v)}`);
const binary: Check = (k, v) => (typeof v === 'string' ? undefined : `${k} should be binary, actually was ${erlangTerm(v)}`);
const boolean: Check = (k, v) => (typeof v === 'boolean' ? undefined : `${k} should be boolean, actually was ${erlangTerm(v)}`);
const oneOf = (values: string[]): Check => (k, v) =>
  (typeof v === 'string' && values.includes(v) ? undefined : `${k} should be one of ${erlangTerm(values)}, actually was ${erlangTerm(v)}`);
const deleteAfter: Check = (k, v) =>
  ((typeof v === 'number' && Number.isInteger(v) && v >= 0) || v === 'never' || v === 'queue-length'
    ? undefined
    : `${k} should be a number greater than or equal to 0, "never" or "queue-length", actually was ${erlangTerm(v)}`);
const table: Check = (k, v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : `${k} not a list ${erlangTerm(v)}`);
/** Keys RabbitMQ accepts that change what is declared or published; Warren refuses rather than ignore them. */
const unsupported: Check = (k) => `${k} is not supported by Warren's shovels`;

/** src-uri / dest-uri: a URI or a list of them (RabbitMQ picks one); Warren needs them to reach this node. */
function uriCheck(localPorts: ReadonlySet<number>, checkLocality: boolean): Check {
  return (k, v) => {
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list)) return `${k} should be list, actually was ${erlangTerm(v)}`;
    if (list.length === 0) return `${k} should be a non-empty list of URIs`;
    for (const item of list) {
      if (typeof item !== 'string') return `${k} should be binary, actually was ${erlangTerm(item)}`;
      const uri = parseShovelUri(item);
      if (typeof uri === 'string') return uri;
      if (checkLocality && !isLocalUri(uri, localPorts)) {
        return `${k} "${item}" points at another broker: Warren's shovels run within this node only (use amqp:// or amqp:///vhost)`;
      }
    }
    return undefined;
  };
}

function constraints(localPorts: ReadonlySet<number>, checkLocality: boolean): [string, Check, Needed][] {
  const uri = uriCheck(localPorts, checkLocality);
  return [
    ['reconnect-delay', number, 'optional'],
    ['ack-mode', oneOf(['no-ack', 'on-publish', 'on-confirm']), 'optional'],
    ['src-protocol', oneOf(['amqp091']), 'optional'],
    ['dest-protocol', oneOf(['amqp091']), 'optional'],
    ['src-uri', uri, 'mandatory'],
    ['src-exchange', binary, 'optional'],
    ['src-exchange-key', binary, 'optional'],
    ['src-queue', binary, 'optional'],
    ['src-queue-args', unsupported, 'optional'],
    ['src-consumer-args', table, 'optional'],
    ['prefetch-count', number, 'optional'],
    ['src-prefetch-count', number, 'optional'],
    ['delete-after', deleteAfter, 'optional'],
    ['src-delete-after', deleteAfter, 'optional'],
    ['dest-uri', uri, 'mandatory'],
    ['dest-exchange', binary, 'optional'],
    ['dest-exchange-key', binary, 'optional'],
    ['dest-queue', binary, 'optional'],
    ['dest-queue-args', unsupported, 'optional'],
    ['add-forward-headers', boolean, 'optional'],
    ['add-timestamp-header', boolean, 'optional'],
    ['dest-add-forward-headers', boolean, 'optional'],
    ['dest-add-timestamp-header', boolean, 'optional'],
    ['publish-properties', unsupported, 'optional'],
    ['dest-publish-properties', unsupported, 'optional'],
  ];
}

/**
 * Why a shovel parameter value is refused, or undefined. The texts and their order are RabbitMQ's:
 * the source/destination exclusivity checks first, then the per-key checks in reverse order of
 * the key list (rabbit_parameter_validation:proplist collects them that way), unknown keys first.
 * `checkLocality` false lets URIs of other brokers pass (a stored value being restored).
 */
export function shovelValueError(name: string, value: unknown, localPorts: ReadonlySet<number>, checkLocality = true): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${name} not a list ${erlangTerm(value)}`;
  const def = value as Record<string, unknown>;
  const errors: string[] = [];
  const has = (k: string) => def[k] !== undefined;
  if (has('src-exchange') && has('src-queue')) errors.push("Cannot specify 'src-exchange' and 'src-queue'");
  else if (!has('src-exchange') && !has('src-queue')) errors.push("Must specify 'src-exchange' or 'src-queue'");
  if (has('dest-exchange') && has('dest-queue')) errors.push("Cannot specify 'dest-exchange' and 'dest-queue'");
  const results: string[] = [];
  const rest = new Map(Object.entries(def));
  for (const [key, check, needed] of constraints(localPorts, checkLocality)) {
    if (rest.has(key)) {
      const e = check(key, rest.get(key));
      if (e !== undefined) results.unshift(e);
      rest.delete(key);
    } else if (needed === 'mandatory') {
      results.unshift(`Key "${key}" not found in ${name}`);
    }
  }
  if (rest.size > 0) results.unshift(`Unrecognised terms [${[...rest].map(([k, v]) => `{${erlangTerm(k)},${erlangTerm(v)}}`).join(',')}] in ${name}`);
  errors.push(...results);
  return errors.length > 0 ? errors.join('\n') : undefined;
}

/** The definition of a value that passed shovelValueError (URI lists: the first one). */
export function parseShovelDefinition(value: Record<string, unknown>): ShovelDefinition {
  const str = (k: string) => (typeof value[k] === 'string' ? (value[k] as string) : undefined);
  const firstUri = (k: string) => {
    const v = value[k];
    const uri = parseShovelUri(Array.isArray(v) ? String(v[0]) : String(v));
    if (typeof uri === 'string') throw new Error(uri);
    return uri;
  };
  const num = (k: string) => (typeof value[k] === 'number' ? (value[k] as number) : undefined);
  const bool = (k: string) => value[k] === true;
  return {
    srcUri: firstUri('src-uri'),
    srcQueue: str('src-queue'),
    srcExchange: str('src-exchange'),
    srcExchangeKey: str('src-exchange-key') ?? '#',
    prefetch: Math.max(0, Math.floor(num('src-prefetch-count') ?? num('prefetch-count') ?? DEFAULT_PREFETCH)),
    deleteAfter: (value['src-delete-after'] ?? value['delete-after'] ?? 'never') as DeleteAfter,
    destUri: firstUri('dest-uri'),
    destQueue: str('dest-queue'),
    destExchange: str('dest-exchange'),
    destExchangeKey: str('dest-exchange-key'),
    addForwardHeaders: bool('dest-add-forward-headers') || bool('add-forward-headers'),
    addTimestampHeader: bool('dest-add-timestamp-header') || bool('add-timestamp-header'),
    ackMode: (str('ack-mode') ?? 'on-confirm') as AckMode,
    reconnectDelay: Math.max(0, num('reconnect-delay') ?? DEFAULT_RECONNECT_DELAY),
  };
}
