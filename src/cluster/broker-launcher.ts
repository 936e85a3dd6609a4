import type { ClusterView } from '../http/cluster-view.js';
import type { UserStore } from '../auth/user-store.js';
import type { LogLevel } from '../log.js';
import type { StoreTap } from '../store/store-tap.js';

/**
 * What a cluster node needs of the broker it runs while it leads. The cluster layer sits below
 * the server layer, so it does not start brokers itself: the `warren` command (src/cli) passes a
 * launcher that calls the server's startBroker with the node's settings plus these overrides.
 */
export type BrokerLauncher = (overrides: { replication: StoreTap; httpPort: number | null; clusterView: ClusterView }) => Promise<LeaderBroker>;

/** The running broker, as far as the cluster node uses it. */
export interface LeaderBroker {
  /** Users (the HTTP front authenticates proxied API calls with them). */
  readonly users: UserStore;
  /** The broker's own management HTTP port (the node's HTTP front forwards to it), null when off. */
  readonly httpPort: number | null;
  /** Stops listening, closes every connection with 320 CONNECTION_FORCED. */
  close(): Promise<void>;
}

/** The node's own settings (the broker's listeners: the node serves or proxies on them). */
export interface ClusterNodeSettings {
  /** The replicated data directory. */
  dataDir: string;
  host: string;
  /** AMQP port: the broker's while leading, the proxy's while following. */
  port: number;
  /** The node's HTTP front, null for none. */
  httpPort: number | null;
  logLevel: LogLevel;
}
