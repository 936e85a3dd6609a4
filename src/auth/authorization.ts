import { amqpError } from '../amqp/amqp-error.js';
import type { AmqpError } from '../amqp/amqp-error.js';
import { ReplyCode } from '../amqp/spec.js';
import type { Permission, TopicPermission, UserStore } from './user-store.js';

/** The three resource permissions of RabbitMQ's internal authorisation backend. */
export type Access = 'configure' | 'write' | 'read';
export type ResourceKind = 'exchange' | 'queue';

/**
 * Compiled regexes, per permission object: setting permissions replaces the object, so the cache
 * never serves a stale pattern and costs one compile per user/vhost/access.
 */
const compiled = new WeakMap<object, Map<string, RegExp | null>>();

function regexOf(owner: object, slot: string, pattern: string): RegExp | null {
  let perOwner = compiled.get(owner);
  if (!perOwner) compiled.set(owner, (perOwner = new Map()));
  let re = perOwner.get(slot);
  if (re === undefined) {
    try {
      re = new RegExp(pattern);
    } catch {
      re = null; // a pattern JavaScript cannot compile grants nothing
    }
    perOwner.set(slot, re);
  }
  return re;
}

/**
 * RabbitMQ's check: the regex is searched in the name (unanchored, as Erlang's re:run), and an
 * empty pattern grants nothing.
 */
export function permits(p: Permission, access: Access, name: string): boolean {
  const pattern = p[access];
  if (pattern === '') return false;
  return regexOf(p, access, pattern)?.test(name) ?? false;
}

/**
 * Topic permissions: no entry for the exchange allows everything; an empty pattern means '^$';
 * {username} and {vhost} in the pattern are replaced before matching the routing key.
 */
export function topicPermits(p: TopicPermission | undefined, access: 'write' | 'read', routingKey: string, user: string, vhost: string): boolean {
  if (!p) return true;
  const pattern = p[access] === '' ? '^$' : p[access];
  const expanded = pattern.replaceAll('{username}', user).replaceAll('{vhost}', vhost);
  return regexOf(p, `${access}\u0000${user}\u0000${vhost}`, expanded)?.test(routingKey) ?? false;
}

/** The access checks of one authenticated user in one vhost, with RabbitMQ's 403 texts. */
export class Authorizer {
  constructor(
    private readonly users: UserStore,
    readonly user: string,
    readonly vhost: string,
  ) {}

  /** Throws 403 unless the user has `access` on the resource. The default exchange is 'amq.default'. */
  check(kind: ResourceKind, name: string, access: Access): void {
    if (kind === 'exchange' && name === '') name = 'amq.default';
    const p = this.users.permission(this.user, this.vhost);
    if (p && permits(p, access, name)) return;
    throw accessRefused(`${kind} '${name}' in vhost '${this.vhost}'`, this.user);
  }

  /** Throws 403 unless the routing (or binding) key passes the topic permission of a topic exchange. */
  checkTopic(exchange: string, routingKey: string, access: 'write' | 'read'): void {
    const p = this.users.topicPermission(this.user, this.vhost, exchange);
    if (topicPermits(p, access, routingKey, this.user, this.vhost)) return;
    throw accessRefused(`topic '${routingKey}' in exchange '${exchange}' in vhost '${this.vhost}'`, this.user);
  }
}

function accessRefused(what: string, user: string): AmqpError {
  return amqpError(ReplyCode.AccessRefused, `access to ${what} refused for user '${user}'`);
}

/** Loopback addresses (IPv4 127/8, IPv6 ::1, and IPv4-mapped 127/8). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d+\.\d+\.\d+$/.test(a);
}
