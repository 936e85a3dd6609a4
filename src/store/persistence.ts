import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { PagedDeque } from './paged-deque.js';
import { decodeProperties } from '../broker/message-properties.js';
import type { User, Permission, TopicPermission, UserObserver, UserStore } from '../auth/user-store.js';
import type { Binding } from '../broker/binding.js';
import type { Broker, VhostObserver } from '../broker/broker.js';
import type { Exchange } from '../broker/exchange.js';
import { Message } from '../broker/message.js';
import { REDELIVERED } from '../broker/message-deque.js';
import type { Queue } from '../broker/queue.js';
import type { ApplyTo, Policy } from '../broker/policy.js';
import type { Parameter, ParameterObserver } from '../broker/parameters.js';
import type { QueueJournal } from '../broker/queue-journal.js';
import type { DefinitionsObserver, DelayStore, VHost } from '../broker/vhost.js';
import { numberOf } from '../amqp/field-table.js';
import type { FieldTable } from '../amqp/field-table.js';
import { MESSAGES_DIR, prepareDataDir } from './data-dir.js';
import { DefinitionsStore } from './definitions-store.js';
import { jsonToTable, tableToJson } from './json-table.js';
import { MessageStore } from './message-store.js';
import type { RecoveredMessage } from './message-store.js';
import { tapUnder } from './store-tap.js';
import type { StoreTap } from './store-tap.js';

/** Definitions as stored, in the shape of RabbitMQ's definitions export. */
interface ExchangeDef { name: string; vhost: string; type: string; durable: boolean; auto_delete: boolean; internal: boolean; arguments: Record<string, unknown> }
interface QueueDef { name: string; vhost: string; durable: boolean; auto_delete: boolean; arguments: Record<string, unknown> }
interface BindingDef { source: string; vhost: string; destination: string; destination_type: 'queue' | 'exchange'; routing_key: string; arguments: Record<string, unknown> }
interface UserDef { name: string; password_hash: string; hashing_algorithm: User['hashingAlgorithm']; tags: string[]; limits?: Record<string, number> }
interface PermissionDef { user: string; vhost: string; configure: string; write: string; read: string }
interface TopicPermissionDef { user: string; vhost: string; exchange: string; write: string; read: string }

/** A policy in the shape of RabbitMQ's definitions export. */
interface PolicyDef { vhost: string; name: string; pattern: string; 'apply-to': ApplyTo; definition: Record<string, unknown>; priority: number }

const key = (...parts: string[]) => parts.join('\u0000');

/** Pseudo-queue name prefix for messages held by an x-delayed-message exchange. */
const DELAYED = '\u0001delayed:';

/** The journal of one durable queue: forwards its message events to the shared store. */
class StoredQueueJournal implements QueueJournal {
  constructor(
    private readonly store: MessageStore,
    private readonly queueKey: string,
  ) {}

  removed(m: Message): void { this.store.ack(this.queueKey, m.storeId); }
  delivered(m: Message): void { this.store.delivered(this.queueKey, m.storeId); }
  purged(messages: Message[]): void { this.store.purge(this.queueKey, messages.map((m) => m.storeId)); }
}

/**
 * Durability for one broker: restores definitions and messages at start, then keeps the store
 * in step with the model (observers on vhosts, exchanges, queues, bindings, users) and stores
 * persistent messages published to durable queues. Non-durable objects never reach the disk.
 */
export class Persistence implements DefinitionsObserver, VhostObserver, UserObserver, DelayStore, ParameterObserver {
  readonly definitions: DefinitionsStore;
  readonly messages: MessageStore;
  private syncTimer: NodeJS.Timeout;
  /** Owner passed for restored queues (never exclusive, so it only satisfies the signature). */
  private readonly restoreOwner = {};

  private readonly pagingDir: string;
  private pagingSeq = 0;

  constructor(
    dataDir: string,
    /** Ready messages a queue keeps in memory before paging further arrivals to disk. */
    private readonly pagingThreshold = 20_000,
    /** Sees every change to the durable files (replication); null: nobody is watching. */
    tap: StoreTap | null = null,
  ) {
    prepareDataDir(dataDir, tap);
    // Paged-out messages are a cache of the queues' tails: meaningless after a restart.
    this.pagingDir = join(dataDir, 'paging');
    rmSync(this.pagingDir, { recursive: true, force: true });
    this.definitions = DefinitionsStore.open(dataDir, tap);
    this.messages = MessageStore.open({ dir: join(dataDir, MESSAGES_DIR), tap: tap && tapUnder(tap, MESSAGES_DIR) });
    // Definitions are appended on every change; sync them to disk at least once a second.
    this.syncTimer = setInterval(() => this.definitions.sync(), 1000);
    this.syncTimer.unref();
  }

  /** True on a data directory that has never held a broker (create default user and vhost). */
  get isFresh(): boolean {
    return this.definitions.all('vhost').length === 0;
  }

  /** Rebuilds the model from disk and starts observing it. */
  restore(broker: Broker, users: UserStore): void {
    for (const v of this.definitions.all<{ name: string }>('vhost')) this.equip(broker.addVhost(v.name));
    for (const u of this.definitions.all<UserDef>('user')) {
      users.putUser({ name: u.name, passwordHash: u.password_hash, hashingAlgorithm: u.hashing_algorithm, tags: u.tags, ...(u.limits ? { limits: u.limits } : {}) });
    }
    for (const p of this.definitions.all<PermissionDef>('permission')) {
      users.setPermissions(p.user, p.vhost, { configure: p.configure, write: p.write, read: p.read });
    }
    for (const p of this.definitions.all<TopicPermissionDef>('topicPermission')) {
      users.setTopicPermission(p.user, p.vhost, p.exchange, { write: p.write, read: p.read });
    }
    // Policies first, so restored queues and exchanges pick them up as they are declared.
    for (const [kind, operator] of [['policy', false], ['operatorPolicy', true]] as const) {
      for (const p of this.definitions.all<PolicyDef>(kind)) {
        broker.vhost(p.vhost)?.setPolicy(
          { vhost: p.vhost, name: p.name, pattern: p.pattern, applyTo: p['apply-to'], priority: p.priority, definition: p.definition },
          operator,
        );
      }
    }
    for (const e of this.definitions.all<ExchangeDef>('exchange')) {
      broker.vhost(e.vhost)?.declareExchange(e.name, e.type, {
        passive: false, durable: true, autoDelete: e.auto_delete, internal: e.internal, arguments: jsonToTable(e.arguments),
      });
    }
    const restoredQueues = new Map<string, Queue>();
    for (const q of this.definitions.all<QueueDef>('queue')) {
      const vhost = broker.vhost(q.vhost);
      if (!vhost) continue;
      const queue = vhost.declareQueue(q.name, {
        passive: false, durable: true, exclusive: false, autoDelete: q.auto_delete, arguments: jsonToTable(q.arguments),
      }, this.restoreOwner);
      this.attachJournal(queue);
      restoredQueues.set(MessageStore.queueKey(q.vhost, q.name), queue);
    }
    for (const b of this.definitions.all<BindingDef>('binding')) {
      const vhost = broker.vhost(b.vhost);
      const source = vhost?.exchanges.get(b.source);
      const dest = b.destination_type === 'queue' ? vhost?.queues.get(b.destination) : vhost?.exchanges.get(b.destination);
      if (vhost && source && dest) vhost.bind(source, dest, b.routing_key, jsonToTable(b.arguments));
    }
    this.restoreMessages(restoredQueues, broker);
    // Runtime parameters last: their components act on a complete model (vhost limits must not
    // refuse the queues being restored; a shovel starts with its queues' messages back).
    for (const p of this.definitions.all<Parameter>('parameter')) broker.parameters.set(p);
    for (const g of this.definitions.all<{ name: string; value: unknown }>('globalParameter')) broker.parameters.setGlobal(g.name, g.value);
    broker.observer = this;
    broker.parameters.observer = this;
    users.observer = this;
    for (const v of broker.vhosts.values()) v.observer = this;
  }

  /** Puts recovered messages back into their queues (or delayed exchanges), one at a time. */
  private restoreMessages(queues: Map<string, Queue>, broker: Broker): void {
    const orphans = new Map<string, number[]>();
    this.messages.recover((queueKey, r) => {
      if (this.restoreDelayed(queueKey, r, broker)) return;
      const q = queues.get(queueKey);
      if (!q) {
        // The queue is gone (deleted while its messages were still on disk): release them.
        let ids = orphans.get(queueKey);
        if (!ids) orphans.set(queueKey, (ids = []));
        ids.push(r.id);
        return;
      }
      const { message: m } = recoveredMessage(r);
      // TTLs keep counting from the original publish, across the restart.
      m.arrivedAt = r.timestamp;
      if (m.ttl >= 0) q.mayExpire = true;
      // Deep queues page to disk as they fill, so a large backlog never sits in the heap.
      q.messages.push(m, r.redelivered ? REDELIVERED : 0);
      q.restoreDeliveryCount(m, r.deliveries);
    });
    for (const [queueKey, ids] of orphans) this.messages.purge(queueKey, ids);
  }

  private attachJournal(q: Queue): void {
    q.journal = new StoredQueueJournal(this.messages, MessageStore.queueKey(q.vhost, q.name));
  }

  /**
   * Stores a persistent message routed to these queues if any of them is durable. Returns true
   * when it was stored (its confirm must then wait for `afterDurable`).
   */
  storeMessage(m: Message, queues: Iterable<Queue>): boolean {
    if (!m.persistent) return false;
    let keys: string[] | null = null;
    for (const q of queues) {
      if (q.journal === null) continue;
      (keys ??= []).push(MessageStore.queueKey(q.vhost, q.name));
    }
    if (keys === null) return false;
    m.storeId = this.messages.newId();
    this.messages.publish(m.storeId, keys, m.exchange, m.routingKey, m.properties, m.body);
    return true;
  }

  afterDurable(done: (err?: Error) => void): void {
    this.messages.afterDurable(done);
  }

  // --- observers ------------------------------------------------------------------------------

  /** Gives a vhost's queues paged ready lists and durable dead-lettering. */
  /**
   * Messages held by a durable x-delayed-message exchange are stored under a pseudo-queue of that
   * exchange; at start they are held again until publish time + x-delay.
   */
  private restoreDelayed(queueKey: string, r: RecoveredMessage, broker: Broker): boolean {
    const [vhostName, pseudo] = queueKey.split('\u0000');
    if (!pseudo?.startsWith(DELAYED)) return false;
    const vhost = broker.vhost(vhostName);
    const exchange = vhost?.exchanges.get(pseudo.slice(DELAYED.length));
    if (!vhost || !exchange || exchange.type !== 'x-delayed-message') {
      this.messages.purge(queueKey, [r.id]);
      return true;
    }
    const { message: m, headers } = recoveredMessage(r);
    vhost.delayed.hold(r.timestamp + (numberOf(headers?.['x-delay']) ?? 0), exchange, m, m.routingKeys ?? [m.routingKey], headers);
    return true;
  }

  keep(vhost: string, exchange: Exchange, m: Message): boolean {
    if (!m.persistent || !exchange.durable) return false;
    m.storeId = this.messages.newId();
    this.messages.publish(m.storeId, [MessageStore.queueKey(vhost, DELAYED + exchange.name)], m.exchange, m.routingKey, m.properties, m.body);
    return true;
  }

  forget(vhost: string, exchange: Exchange, m: Message): void {
    if (m.storeId === 0) return;
    this.messages.ack(MessageStore.queueKey(vhost, DELAYED + exchange.name), m.storeId);
    m.storeId = 0;
  }

  private equip(v: VHost): void {
    v.delayStore = this;
    v.readyQueueFactory = (queue) => (part) =>
      new PagedDeque({ dir: join(this.pagingDir, `${++this.pagingSeq}-${part}`), maxInMemory: this.pagingThreshold });
    v.storeMessage = (m, queues) => this.storeMessage(m, queues);
    v.afterDurable = (done) => this.afterDurable(done);
      }

  vhostAdded(v: VHost): void {
    this.equip(v);
    v.observer = this;
    this.definitions.put('vhost', v.name, { name: v.name });
  }

  vhostRemoved(v: VHost): void {
    this.definitions.delete('vhost', v.name);
  }

  userChanged(u: User): void {
    this.definitions.put('user', u.name, {
      name: u.name, password_hash: u.passwordHash, hashing_algorithm: u.hashingAlgorithm, tags: u.tags, ...(u.limits ? { limits: u.limits } : {}),
    } satisfies UserDef);
  }

  topicPermissionChanged(user: string, vhost: string, exchange: string, p: TopicPermission | null): void {
    if (p === null) this.definitions.delete('topicPermission', key(user, vhost, exchange));
    else this.definitions.put('topicPermission', key(user, vhost, exchange), { user, vhost, exchange, ...p });
  }

  permissionChanged(user: string, vhost: string, p: Permission): void {
    this.definitions.put('permission', key(user, vhost), { user, vhost, ...p });
  }

  userRemoved(name: string): void {
    this.definitions.delete('user', name);
  }

  permissionRemoved(user: string, vhost: string): void {
    this.definitions.delete('permission', key(user, vhost));
  }

  exchangeAdded(e: Exchange): void {
    if (!e.durable) return;
    this.definitions.put('exchange', key(e.vhost, e.name), {
      name: e.name, vhost: e.vhost, type: e.type, durable: true, auto_delete: e.autoDelete, internal: e.internal, arguments: tableToJson(e.arguments),
    } satisfies ExchangeDef);
  }

  exchangeRemoved(e: Exchange): void {
    this.definitions.delete('exchange', key(e.vhost, e.name));
  }

  queueAdded(q: Queue): void {
    if (!q.durable || q.exclusive) return;
    this.attachJournal(q);
    this.definitions.put('queue', key(q.vhost, q.name), {
      name: q.name, vhost: q.vhost, durable: true, auto_delete: q.autoDelete, arguments: tableToJson(q.arguments),
    } satisfies QueueDef);
  }

  queueRemoved(q: Queue): void {
    this.definitions.delete('queue', key(q.vhost, q.name));
  }

  policyChanged(p: Policy, operator: boolean): void {
    this.definitions.put(operator ? 'operatorPolicy' : 'policy', key(p.vhost, p.name), {
      vhost: p.vhost, name: p.name, pattern: p.pattern, 'apply-to': p.applyTo, definition: p.definition, priority: p.priority,
    } satisfies PolicyDef);
  }

  parameterChanged(p: Parameter): void {
    this.definitions.put('parameter', key(p.component, p.vhost, p.name), { component: p.component, vhost: p.vhost, name: p.name, value: p.value });
  }

  globalParameterChanged(name: string, value: unknown): void {
    this.definitions.put('globalParameter', name, { name, value });
  }

  globalParameterRemoved(name: string): void {
    this.definitions.delete('globalParameter', name);
  }

  parameterRemoved(component: string, vhost: string, name: string): void {
    this.definitions.delete('parameter', key(component, vhost, name));
  }

  policyRemoved(vhost: string, name: string, operator: boolean): void {
    this.definitions.delete(operator ? 'operatorPolicy' : 'policy', key(vhost, name));
  }

  bindingAdded(b: Binding): void {
    if (!isDurableBinding(b)) return;
    this.definitions.put('binding', bindingKeyOf(b), {
      source: b.source.name, vhost: b.source.vhost, destination: b.destination.name,
      destination_type: b.destination.kind, routing_key: b.routingKey, arguments: tableToJson(b.arguments),
    } satisfies BindingDef);
  }

  bindingRemoved(b: Binding): void {
    if (isDurableBinding(b)) this.definitions.delete('binding', bindingKeyOf(b));
  }

  async close(): Promise<void> {
    clearInterval(this.syncTimer);
    this.definitions.close();
    await this.messages.close();
  }
}

function isDurableBinding(b: Binding): boolean {
  const d = b.destination;
  return b.source.durable && d.durable && !(d.kind === 'queue' && d.exclusive);
}

function bindingKeyOf(b: Binding): string {
  return key(b.source.vhost, b.source.name, b.destination.kind, b.destination.name, b.key);
}


/**
 * A Message rebuilt from its stored record: priority, expiration and CC routing keys come back
 * from the encoded properties (decoded once, at start).
 */
function recoveredMessage(r: RecoveredMessage): { message: Message; headers: FieldTable | undefined } {
  const props = decodeProperties(r.properties);
  const ttl = props.expiration !== undefined && /^\d+$/.test(props.expiration) ? Number(props.expiration) : -1;
  const cc = props.headers?.['CC'];
  const keys = Array.isArray(cc) ? [r.routingKey, ...cc.map(String)] : undefined;
  const message = new Message(r.exchange, r.routingKey, r.properties, r.body, true, props.priority ?? 0, ttl, keys);
  message.storeId = r.id;
  return { message, headers: props.headers };
}
