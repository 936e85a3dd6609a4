import type { UserStore } from '../auth/user-store.js';
import type { Broker } from '../broker/broker.js';
import type { Logger } from '../log.js';
import type { BrokerOptions } from './options.js';
import type { DirectReplyRegistry } from './direct-reply.js';
import type { Alarms } from './alarms.js';
import type { Persistence } from '../store/persistence.js';
import type { ConnectionTracker } from './connection-tracker.js';

/** What every connection shares: the model, the users, settings and logging. */
export interface ServerContext {
  readonly broker: Broker;
  readonly users: UserStore;
  readonly options: BrokerOptions;
  readonly log: Logger;
  readonly directReply: DirectReplyRegistry;
  readonly serverProperties: Record<string, unknown>;
  /** Durable storage; null for a purely in-memory broker (embedded tests). */
  readonly persistence: Persistence | null;
  readonly alarms: Alarms;
  /** Open connections by vhost and user (vhost and user limits). */
  readonly tracker: ConnectionTracker;
}
