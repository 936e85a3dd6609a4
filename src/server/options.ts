import type { ClusterView } from '../http/cluster-view.js';
import type { LogLevel } from '../log.js';
import type { UserStore } from '../auth/user-store.js';
import type { TlsOptions } from './tls-listener.js';
import type { MemoryWatermark } from './memory-monitor.js';
import type { StoreTap } from '../store/store-tap.js';
import type { ClusterOptions } from '../cluster/cluster-options.js';

/** Everything that can be set when starting a broker; every field has a default. */
export interface BrokerOptions {
  /** AMQP listen port; 0 picks a free port (read it back from RunningBroker.port). Default 5672. */
  port: number;
  /** Listen address. Default '::' (all interfaces, IPv4 and IPv6). */
  host: string;
  /**
   * Management HTTP API port; 0 picks a free port; null: no HTTP API (the embedded default, so
   * test brokers start it only when asked; the `warren` command defaults to 15672).
   */
  httpPort: number | null;
  /** Prometheus metrics port (/metrics); null: off (embedded default; `warren` defaults to 15692). */
  metricsPort: number | null;
  /**
   * Directory for durable data. null keeps everything in memory (the embedded default, so test
   * brokers never share files); the `warren` command defaults to './data'.
   */
  dataDir: string | null;
  defaultUser: string;
  defaultPass: string;
  defaultVhost: string;
  /** Ready messages a queue keeps in memory; beyond that they are paged to disk (needs dataDir). */
  queuePagingThreshold: number;
  /** disk_free_limit.absolute: below this many free bytes publishers are blocked. */
  diskFreeLimit: number;
  /**
   * vm_memory_high_watermark: above this resident memory publishers are blocked; a fraction of
   * the machine's (or container's) memory, or bytes. Default { relative: 0.4 }.
   */
  memoryHighWatermark: MemoryWatermark;
  /** Heartbeat interval proposed in connection.tune, seconds (0 disables). */
  heartbeat: number;
  frameMax: number;
  channelMax: number;
  /** max_message_size: a publish with a larger body closes its channel with 406. Default 128 MiB. */
  maxMessageSize: number;
  /**
   * connection_max: connections beyond it are held unanswered until one ends (as RabbitMQ's
   * listener stops accepting). Default Infinity.
   */
  connectionMax: number;
  /**
   * load_definitions: a definitions JSON file (or a directory of them) imported at every start;
   * when set, the default user and vhost are not created. Default null.
   */
  loadDefinitions: string | null;
  /** Seconds a new socket may take to finish the AMQP handshake. */
  handshakeTimeout: number;
  /**
   * Milliseconds a refused login waits before its answer, to slow down password guessing (the
   * socket is not read meanwhile). RabbitMQ 3.10.8 answers at once. Default 500.
   */
  authFailureDelay: number;
  /** loopback_users: users who may only connect from a loopback address (RabbitMQ: guest). */
  loopbackUsers: string[];
  /** AMQPS listener port (listeners.ssl.default, normally 5671); null: no TLS listener. */
  tlsPort: number | null;
  /** ssl_options for the TLS listener. */
  tls: TlsOptions | null;
  /** ssl_cert_login_from: how SASL EXTERNAL names the user of a client certificate. */
  sslCertLoginFrom: 'distinguished_name' | 'common_name' | 'subject_alternative_name';
  /** ssl_cert_login_san_type: with subject_alternative_name, which kind of name (dns). */
  sslCertLoginSanType: 'dns' | 'ip' | 'email' | 'uri';
  /** ssl_cert_login_san_index: with subject_alternative_name, which of the names of that kind (0: the first). */
  sslCertLoginSanIndex: number;
  /**
   * consumer_timeout: milliseconds a delivery may stay unacknowledged before its channel is closed
   * with 406 (per queue: x-consumer-timeout); null disables. Default 1_800_000 (30 minutes).
   */
  consumerTimeout: number | null;
  /** collect_statistics_interval: ms between samples of the management API's message rates. */
  statsInterval: number;
  logLevel: LogLevel;
  /**
   * Replication of the data directory (cluster mode): the leader's tap from
   * `startReplicationLeader(...).storeTap` (src/cluster/replication). Every change to the durable
   * files is streamed to the followers and publisher confirms wait for the in-sync replicas.
   * null (default): single node, nothing changes. Needs dataDir.
   */
  replication: StoreTap | null;
  /**
   * Cluster mode (cluster_formation.etcd.*): read by the `warren` command, which then starts a
   * cluster node (src/cluster/cluster-node.ts) instead of a lone broker. null: single node.
   */
  cluster: Partial<ClusterOptions> | null;
  /** Set by a cluster node on the broker it runs while leading: cluster fields on /metrics. */
  clusterView: ClusterView | null;
}

export const defaultOptions: BrokerOptions = {
  port: 5672,
  host: '::',
  httpPort: null,
  metricsPort: null,
  dataDir: null,
  defaultUser: 'guest',
  defaultPass: 'guest',
  defaultVhost: '/',
  diskFreeLimit: 50_000_000,
  memoryHighWatermark: { relative: 0.4 },
  queuePagingThreshold: 20_000,
  heartbeat: 60,
  frameMax: 131072,
  channelMax: 2047,
  maxMessageSize: 134_217_728,
  handshakeTimeout: 10,
  authFailureDelay: 500,
  connectionMax: Number.POSITIVE_INFINITY,
  loadDefinitions: null,
  loopbackUsers: ['guest'],
  tlsPort: null,
  tls: null,
  sslCertLoginFrom: 'distinguished_name',
  sslCertLoginSanType: 'dns',
  sslCertLoginSanIndex: 0,
  consumerTimeout: 1_800_000,
  statsInterval: 5000,
  logLevel: 'info',
  replication: null,
  clusterView: null,
  cluster: null,
};

export interface RunningBroker {
  /** The AMQP port actually bound (useful with port 0). */
  readonly port: number;
  /** Users, permissions and topic permissions (add users for tests, as rabbitmqctl would). */
  readonly users: UserStore;
  /** The management HTTP port actually bound, null when the API is off. */
  readonly httpPort: number | null;
  /** The Prometheus metrics port actually bound, null when metrics are off. */
  readonly metricsPort: number | null;
  /** The AMQPS port actually bound, null without a TLS listener. */
  readonly tlsPort: number | null;
  /** Changes disk_free_limit at runtime; resolves once the alarm state has been re-evaluated. */
  setDiskFreeLimit(bytes: number): Promise<void>;
  /**
   * rabbitmqctl set_vm_memory_high_watermark: a fraction (0.4), { relative } or { absolute } bytes;
   * the alarm is re-evaluated at once.
   */
  setMemoryHighWatermark(watermark: number | MemoryWatermark): void;
  /** Stops listening, closes every connection with 320 CONNECTION_FORCED, releases resources. */
  close(): Promise<void>;
}
