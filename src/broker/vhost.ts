import { randomBytes } from 'node:crypto';
import type { FieldTable } from '../amqp/field-table.js';
import type { BasicProperties } from '../amqp/spec.js';
import type { Binding, Destination } from './binding.js';
import { bindingKey } from './binding.js';
import { deadLetter, isDeathCycle } from './dead-letter.js';
import type { DeathReason } from './dead-letter.js';
import { errors } from './errors.js';
import type { Exchange, ExchangeOptions } from './exchange.js';
import { DefaultExchange } from './exchanges/default-exchange.js';
import { exchangeTypes } from './exchanges/exchange-types.js';
import type { Message } from './message.js';
import { Queue } from './queue.js';
import type { ReadyQueue } from './message-deque.js';
import { checkQueueArgsEquivalent, queueTypeOf, validateQueueArgs } from './queue-arguments.js';
import { routeToQueues } from './router.js';
import { DelayedMessages } from './delayed-messages.js';
import { numberOf } from '../amqp/field-table.js';
import { effectivePolicy, effectivePolicyDefinition, effectiveQueueArguments, validatePolicy } from './policy.js';
import type { Policy } from './policy.js';
import { GlobalCounters, MessageCounters } from './message-stats.js';
import { isOverLimit } from './limits.js';
import type { Limits } from './limits.js';

export interface ExchangeDeclare extends ExchangeOptions {
  passive: boolean;
}

export interface QueueDeclare {
  passive: boolean;
  durable: boolean;
  exclusive: boolean;
  autoDelete: boolean;
  arguments: FieldTable;
}

/** The exchanges every vhost starts with, as in RabbitMQ. */
const builtinExchanges: [string, string][] = [
  ['amq.direct', 'direct'],
  ['amq.fanout', 'fanout'],
  ['amq.topic', 'topic'],
  ['amq.headers', 'headers'],
  ['amq.match', 'headers'],
];

/**
 * Told about every change to exchanges, queues and bindings, so durable ones can be persisted
 * (the store decides what is durable enough to keep).
 */
export interface DefinitionsObserver {
  exchangeAdded(e: Exchange): void;
  exchangeRemoved(e: Exchange): void;
  queueAdded(q: Queue): void;
  queueRemoved(q: Queue): void;
  bindingAdded(b: Binding): void;
  bindingRemoved(b: Binding): void;
  policyChanged(p: Policy, operator: boolean): void;
  policyRemoved(vhost: string, name: string, operator: boolean): void;
}

/** A virtual host: its own namespace of exchanges, queues and bindings. */
export class VHost {
  readonly exchanges = new Map<string, Exchange>();
  readonly queues = new Map<string, Queue>();
  readonly defaultExchange: DefaultExchange;
  observer: DefinitionsObserver | null = null;
  readonly policies = new Map<string, Policy>();
  readonly operatorPolicies = new Map<string, Policy>();
  /** max-connections / max-queues (kept in step with the vhost-limits runtime parameter). */
  limits: Limits = {};
  /** Supplies paged ready-message FIFOs for a new queue (set by the store; null: in memory). */
  readyQueueFactory: ((queue: string) => (part: string) => ReadyQueue) | null = null;
  /** Stores a persistent message routed to durable queues (dead-lettered copies); set by the store. */
  storeMessage: ((m: Message, queues: Iterable<Queue>) => boolean) | null = null;
  /** Calls back once everything stored so far is on disk (set by the store; null: at once). */
  afterDurable: ((done: (err?: Error) => void) => void) | null = null;
  /** Durability of delayed messages (set by the store): keep while held, forget when released. */
  delayStore: DelayStore | null = null;
  /** Messages held by x-delayed-message exchanges until their x-delay passes. */
  readonly delayed = new DelayedMessages((exchange, message, keys, headers) => this.releaseDelayed(exchange, message, keys, headers));

  /** message_stats of the vhost: everything its channels and queues count. */
  readonly stats = new MessageCounters();
  /** Bytes received from and sent to connections of this vhost that have closed. */
  readonly closedTraffic = { recvOct: 0, sendOct: 0 };

  constructor(
    readonly name: string,
    /** The node's counters (shared by all vhosts of a broker). */
    readonly counters = new GlobalCounters(),
  ) {
    this.defaultExchange = new DefaultExchange(name, (q) => this.queues.get(q));
    this.exchanges.set('', this.defaultExchange);
    for (const [n, type] of builtinExchanges) {
      this.exchanges.set(n, exchangeTypes.get(type)!(name, n, { durable: true, autoDelete: false, internal: false, arguments: {} }));
    }
    // The firehose tracer's exchange exists in every RabbitMQ vhost (internal: nobody publishes).
    const trace = 'amq.rabbitmq.trace';
    this.exchanges.set(trace, exchangeTypes.get('topic')!(name, trace, { durable: true, autoDelete: false, internal: true, arguments: {} }));
  }

  // --- exchanges ------------------------------------------------------------------------------

  exchange(name: string): Exchange {
    const e = this.exchanges.get(name);
    if (!e) throw errors.notFound('exchange', name, this.name);
    return e;
  }

  declareExchange(name: string, type: string, d: ExchangeDeclare): Exchange {
    if (name === '') throw errors.defaultExchange();
    if (d.passive) return this.exchange(name);
    const factory = exchangeTypes.get(type);
    if (!factory) throw errors.unknownExchangeType(type);
    const existing = this.exchanges.get(name);
    if (existing) {
      this.checkExchangeEquivalent(existing, type, d);
      return existing;
    }
    if (name.startsWith('amq.')) throw errors.reservedName('exchange', name);
    const e = factory(this.name, name, { durable: d.durable, autoDelete: d.autoDelete, internal: d.internal, arguments: d.arguments });
    this.exchanges.set(name, e);
    e.policy = effectivePolicy(this.policies.values(), 'exchange', name) ?? null;
    this.observer?.exchangeAdded(e);
    return e;
  }

  private checkExchangeEquivalent(e: Exchange, type: string, d: ExchangeDeclare): void {
    const diff = (arg: string, received: unknown, current: unknown) => {
      if (received !== current) throw errors.inequivalentArg('exchange', e.name, this.name, arg, `'${received}'`, `'${current}'`);
    };
    diff('type', type, e.type);
    diff('durable', d.durable, e.durable);
    diff('auto_delete', d.autoDelete, e.autoDelete);
    diff('internal', d.internal, e.internal);
    const ae = d.arguments['alternate-exchange'];
    const current = e.arguments['alternate-exchange'];
    if (String(ae ?? '') !== String(current ?? '')) {
      throw errors.inequivalentArg('exchange', e.name, this.name, 'alternate-exchange',
        ae === undefined ? 'none' : `the value '${ae}' of type 'longstr'`,
        current === undefined ? 'none' : `the value '${current}' of type 'longstr'`);
    }
  }

  /** Deleting a missing exchange succeeds (delete is idempotent, as in RabbitMQ). */
  deleteExchange(name: string, ifUnused: boolean): void {
    if (name === '') throw errors.defaultExchange();
    if (name.startsWith('amq.')) throw errors.systemExchangeDeletion(name, this.name);
    const e = this.exchanges.get(name);
    if (!e) return;
    if (ifUnused && e.bindings.size > 0) throw errors.inUse('exchange', name, this.name);
    this.removeExchange(e);
  }

  private removeExchange(e: Exchange): void {
    if (e.type === 'x-delayed-message') for (const m of this.delayed.dropExchange(e)) this.delayStore?.forget(this.name, e, m);
    this.exchanges.delete(e.name);
    this.observer?.exchangeRemoved(e);
    for (const b of [...e.bindings.values()]) this.removeBinding(b);
    for (const b of [...e.incoming]) this.removeBinding(b);
  }

  alternateOf = (e: Exchange): Exchange | undefined => {
    // The exchange's own argument wins over its policy's.
    const ae = e.arguments['alternate-exchange'] ?? (e.policy?.definition['alternate-exchange'] as string | undefined);
    if (ae === undefined || ae === null) return undefined;
    return this.exchanges.get(String(ae));
  };

  // --- queues ---------------------------------------------------------------------------------

  /** Looks up a queue as `owner` (a connection) may use it: 404 if missing, 405 if another's. */
  queue(name: string, owner: object | null): Queue {
    const q = this.queues.get(name);
    if (!q) throw errors.notFound('queue', name, this.name);
    if (q.exclusiveOwner !== null && q.exclusiveOwner !== owner) throw errors.exclusiveLocked(name, this.name);
    return q;
  }

  /** `authorize` sees the actual name (server-named too) before anything exists or changes. */
  declareQueue(requested: string, d: QueueDeclare, owner: object, authorize?: (name: string) => void): Queue {
    if (d.passive) {
      const q = this.queue(requested, owner);
      this.counters.queuesDeclared++;
      q.touch(); // a declare, passive or not, counts as use for x-expires
      return q;
    }
    if (requested.startsWith('amq.')) throw errors.reservedName('queue', requested);
    const name = requested === '' ? VHost.generateName() : requested;
    authorize?.(name);
    const existing = this.queues.get(name);
    if (existing) {
      if (existing.exclusiveOwner !== null && existing.exclusiveOwner !== owner) throw errors.exclusiveLocked(name, this.name);
      this.checkQueueEquivalent(existing, d, owner);
      this.counters.queuesDeclared++;
      existing.touch();
      return existing;
    }
    const maxQueues = this.limits['max-queues'];
    if (isOverLimit(maxQueues, this.queues.size)) {
      throw errors.preconditionFailed(`cannot declare queue '${name}': queue limit in vhost '${this.name}' (${maxQueues}) is reached`);
    }
    validateQueueArgs(name, this.name, d.arguments);
    const type = queueTypeOf(name, this.name, d.arguments);
    if (type !== 'classic') {
      if (!d.durable) throw errors.preconditionFailed(`invalid property 'non-durable' for queue '${name}' in vhost '${this.name}'`);
      if (d.exclusive) throw errors.preconditionFailed(`invalid property 'exclusive-owner' for queue '${name}' in vhost '${this.name}'`);
      if (d.autoDelete) throw errors.preconditionFailed(`invalid property 'auto-delete' for queue '${name}' in vhost '${this.name}'`);
    }
    const q = new Queue(this.name, name, {
      durable: d.durable,
      exclusiveOwner: d.exclusive ? owner : null,
      autoDelete: d.autoDelete,
      arguments: d.arguments,
      type,
      readyQueue: this.readyQueueFactory?.(name),
    });
    this.applyPolicies(q);
    q.onUnused = (unused) => this.removeQueue(unused);
    q.onExpired = (expired) => this.removeQueue(expired);
    q.onDeadLetter = this.deadLetter;
    q.counters = this.counters;
    this.counters.queuesCreated++;
    this.counters.queuesDeclared++;
    this.queues.set(name, q);
    this.observer?.queueAdded(q);
    return q;
  }

  private checkQueueEquivalent(q: Queue, d: QueueDeclare, owner: object): void {
    const fail = (arg: string, received: boolean, current: boolean) =>
      errors.inequivalentArg('queue', q.name, this.name, arg, `'${received}'`, `'${current}'`);
    if ((q.exclusiveOwner === owner) !== d.exclusive) throw errors.exclusiveLocked(q.name, this.name);
    if (q.durable !== d.durable) throw fail('durable', d.durable, q.durable);
    if (q.autoDelete !== d.autoDelete) throw fail('auto_delete', d.autoDelete, q.autoDelete);
    checkQueueArgsEquivalent(q.name, this.name, q.arguments, d.arguments);
  }

  /** Deleting a missing queue succeeds with a count of 0 (idempotent, as in RabbitMQ). */
  deleteQueue(name: string, ifUnused: boolean, ifEmpty: boolean, owner: object | null): number {
    if (!this.queues.has(name)) return 0;
    const q = this.queue(name, owner);
    if (ifUnused && q.consumerCount > 0) throw errors.inUse('queue', name, this.name);
    if (ifEmpty && q.messageCount > 0) throw errors.notEmpty(name, this.name);
    return this.removeQueue(q);
  }

  /** Deletes a queue and its bindings, cancelling its consumers; returns its ready count. */
  removeQueue(q: Queue): number {
    if (this.queues.get(q.name) !== q) return 0;
    this.queues.delete(q.name);
    this.counters.queuesDeleted++;
    for (const b of [...q.bindings]) this.removeBinding(b);
    this.observer?.queueRemoved(q);
    return q.markDeleted();
  }

  /** Deletes the exclusive queues of a connection that is closing. */
  releaseOwner(owner: object): void {
    for (const q of [...this.queues.values()]) if (q.exclusiveOwner === owner) this.removeQueue(q);
  }

  static generateName(): string {
    return 'amq.gen-' + randomBytes(16).toString('base64url').slice(0, 22);
  }

  /**
   * Republishes messages that died in `q` through its dead-letter exchange (dropped when that
   * exchange does not exist). Queues the copy would reach again in a cycle without rejections are
   * skipped, as in RabbitMQ; no confirms, no mandatory returns.
   */
  private readonly deadLetter = (q: Queue, messages: Message[], reason: DeathReason): void => {
    const dlx = q.features.deadLetterExchange;
    const exchange = dlx === undefined ? undefined : this.exchanges.get(dlx);
    if (exchange === undefined) return;
    const targets = new Set<Queue>();
    const reached: Queue[] = [];
    for (const m of messages) {
      const dead = deadLetter(m, reason, q.name, exchange.name, q.features.deadLetterRoutingKey);
      targets.clear();
      reached.length = 0;
      this.route(exchange, dead.routingKeys, dead.headers, targets);
      for (const target of targets) {
        if (target.deleted || (reason !== 'rejected' && isDeathCycle(target.name, dead.headers))) continue;
        reached.push(target);
      }
      // A persistent message stays as durable through dead-lettering as it was when published:
      // the copy is written in the same batch as the original's removal.
      if (reached.length > 0) this.storeMessage?.(dead.message, reached);
      for (const target of reached) target.enqueue(dead.message);
    }
  };

  // --- delayed messages (x-delayed-message) --------------------------------------------------

  /**
   * Holds a message published to an x-delayed-message exchange with a positive x-delay header.
   * Returns 'no' when it is to be routed now, else whether it was also stored (confirm after sync).
   */
  delay(exchange: Exchange, message: Message, routingKeys: readonly string[], headers: FieldTable | undefined): 'no' | 'held' | 'stored' {
    const ms = numberOf(headers?.['x-delay']);
    if (ms === undefined || !(ms > 0)) return 'no';
    const stored = this.delayStore?.keep(this.name, exchange, message) ?? false;
    this.delayed.hold(Date.now() + ms, exchange, message, routingKeys, headers);
    return stored ? 'stored' : 'held';
  }

  /** A delayed message is due: route it through its exchange's current bindings. */
  private releaseDelayed(exchange: Exchange, message: Message, keys: readonly string[], headers: FieldTable | undefined): void {
    this.delayStore?.forget(this.name, exchange, message);
    if (this.exchanges.get(exchange.name) !== exchange) return;
    const targets = new Set<Queue>();
    this.route(exchange, keys, headers, targets);
    const reached = [...targets].filter((q) => !q.deleted);
    if (reached.length === 0) return;
    message.arrivedAt = 0; // TTLs count from arrival in the queue, not from the publish
    this.storeMessage?.(message, reached);
    for (const q of reached) q.enqueue(message);
  }

  // --- policies -------------------------------------------------------------------------------

  /** Adds or replaces a policy (operator policy) and applies it to existing objects at once. */
  setPolicy(p: Policy, operator = false): void {
    const problem = validatePolicy(p, operator);
    if (problem !== undefined) throw new PolicyError(problem);
    (operator ? this.operatorPolicies : this.policies).set(p.name, p);
    this.observer?.policyChanged(p, operator);
    this.reapplyPolicies();
  }

  clearPolicy(name: string, operator = false): boolean {
    const map = operator ? this.operatorPolicies : this.policies;
    if (!map.delete(name)) return false;
    this.observer?.policyRemoved(this.name, name, operator);
    this.reapplyPolicies();
    return true;
  }

  private reapplyPolicies(): void {
    for (const q of this.queues.values()) this.applyPolicies(q);
    for (const e of this.exchanges.values()) {
      if (e !== this.defaultExchange) e.policy = effectivePolicy(this.policies.values(), 'exchange', e.name) ?? null;
    }
  }

  private applyPolicies(q: Queue): void {
    const policy = effectivePolicy(this.policies.values(), 'queue', q.name, q.type);
    const operator = effectivePolicy(this.operatorPolicies.values(), 'queue', q.name, q.type);
    const hadPolicy = q.policy !== null || q.operatorPolicy !== null;
    q.policy = policy?.name ?? null;
    q.operatorPolicy = operator?.name ?? null;
    q.effectivePolicyDefinition = effectivePolicyDefinition(policy, operator);
    // Re-read features whenever a policy applies or one just stopped applying.
    if (policy || operator || hadPolicy) q.applyPolicyArguments(effectiveQueueArguments(q.arguments, policy, operator));
  }

  // --- bindings -------------------------------------------------------------------------------

  bind(source: Exchange, destination: Destination, routingKey: string, args: FieldTable): void {
    if (source === this.defaultExchange || destination === this.defaultExchange) throw errors.defaultExchange();
    source.validateBinding(args, routingKey);
    const b: Binding = { source, destination, routingKey, arguments: args, key: bindingKey(routingKey, args) };
    if (!source.bind(b)) return;
    if (destination.kind === 'queue') destination.addBinding(b);
    else destination.incoming.add(b);
    this.observer?.bindingAdded(b);
  }

  unbind(source: Exchange, destination: Destination, routingKey: string, args: FieldTable): void {
    if (source === this.defaultExchange || destination === this.defaultExchange) throw errors.defaultExchange();
    const b = source.findBinding(destination, bindingKey(routingKey, args));
    if (b) this.removeBinding(b);
  }

  private removeBinding(b: Binding): void {
    if (!b.source.unbind(b)) return;
    this.observer?.bindingRemoved(b);
    if (b.destination.kind === 'queue') b.destination.removeBinding(b);
    else b.destination.incoming.delete(b);
    // An auto-delete exchange goes away with its last binding as a source (RabbitMQ semantics).
    const src = b.source;
    if (src.autoDelete && src.bindings.size === 0 && this.exchanges.get(src.name) === src) this.removeExchange(src);
  }

  // --- routing --------------------------------------------------------------------------------

  /** The queues a message published to `exchange` with these keys and headers reaches. */
  route(exchange: Exchange, routingKeys: readonly string[], headers: FieldTable | undefined, out: Set<Queue>, properties?: BasicProperties): void {
    routeToQueues(exchange, routingKeys, headers, this.alternateOf, out, properties);
  }
}

/** A policy that cannot be set (invalid pattern, unknown key, ...): the admin API answers 400. */
export class PolicyError extends Error {}

/** Keeps delayed persistent messages across restarts (implemented by the store). */
export interface DelayStore {
  /** Stores a held message; true when it was written (its confirm must wait for the sync). */
  keep(vhost: string, exchange: Exchange, message: Message): boolean;
  /** The message left the delay (released or its exchange deleted). */
  forget(vhost: string, exchange: Exchange, message: Message): void;
}
