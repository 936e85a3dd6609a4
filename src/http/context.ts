import { hostname } from 'node:os';
import type { UserStore, User } from '../auth/user-store.js';
import type { Broker } from '../broker/broker.js';
import type { ClusterView } from './cluster-view.js';
import type { Consumer } from '../broker/consumer.js';
import type { VHost } from '../broker/vhost.js';
import type { Logger } from '../log.js';
import type { Exchange } from '../broker/exchange.js';
import type { MessageCounters } from '../broker/message-stats.js';
import type { Queue } from '../broker/queue.js';
import type { StatsSampler } from './stats/sampler.js';

/** What the management plane needs of an AMQP channel (the server's Channel satisfies it). */
export interface ChannelView {
  readonly id: number;
  readonly info: {
    state: string;
    consumers: ReadonlyMap<string, Consumer>;
    unacked: number;
    prefetchCount: number;
    globalPrefetchCount: number;
    confirm: boolean;
    transactional: boolean;
  };
  /** Message counters by exchange and by queue (the server's ChannelStats). */
  readonly stats: {
    totals(): MessageCounters;
    readonly exchanges: ReadonlyMap<Exchange, { publish: number; confirm: number; returnUnroutable: number; dropUnroutable: number; readonly routed: ReadonlyMap<Queue, { n: number }> }>;
    readonly queues: ReadonlyMap<Queue, MessageCounters>;
  };
}

/** What the management plane needs of an AMQP connection (the server's Connection satisfies it). */
export interface ConnectionView {
  readonly name: string;
  readonly state: string;
  readonly user: User | null;
  readonly vhost: VHost | null;
  readonly clientProperties: Record<string, unknown>;
  readonly channels: ReadonlyMap<number, ChannelView>;
  readonly channelMax: number;
  readonly frameMax: number;
  readonly heartbeat: number;
  readonly connectedAt: number;
  readonly socket: { remoteAddress?: string; remotePort?: number; localAddress?: string; localPort?: number; bytesRead: number; bytesWritten: number };
  /** Socket reads and writes (recv_cnt, send_cnt). */
  readonly recvCnt: number;
  readonly sendCnt: number;
  close(code: number, text: string): void;
}

/** A bound listener; TLS ones name their certificate files (certificate-expiration health check). */
export interface ListenerInfo {
  protocol: 'amqp' | 'amqp/ssl' | 'http' | 'prometheus';
  port: number;
  host: string;
  certfile?: string;
  cacertfile?: string | null;
}

/** Everything the HTTP API and the metrics endpoint read or change. */
export interface ManagementContext {
  readonly broker: Broker;
  readonly users: UserStore;
  readonly connections: ReadonlySet<ConnectionView>;
  readonly log: Logger;
  readonly version: string;
  readonly startedAt: number;
  /** Resource alarms and the figures behind them (the server's Alarms satisfies it). */
  readonly alarms: {
    readonly active: boolean;
    readonly diskFree: number;
    has(resource: 'disk' | 'memory'): boolean;
    readonly disk: { readonly free: number; readonly limit: number };
    readonly memory: { readonly used: number; readonly limit: number };
  };
  readonly dataDir: string | null;
  /** Listeners as bound (ports read back after binding port 0). */
  readonly listeners: ListenerInfo[];
  /** Message rates and their history (sampled while the HTTP API runs). */
  readonly stats: StatsSampler;
  /** The cluster this broker leads (metrics), null when it is not clustered. */
  readonly cluster: ClusterView | null;
}

/** RabbitMQ names nodes name@host: warren@<hostname>, or a cluster node's own name (setNodeName). */
export let nodeName = `warren@${hostname()}`;

/** A cluster node's process names its broker after the node (one node per process). */
export function setNodeName(name: string): void {
  nodeName = name;
}
