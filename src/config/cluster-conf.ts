import type { ClusterOptions } from '../cluster/cluster-options.js';
import { normaliseEndpoint } from '../cluster/cluster-options.js';
import type { BrokerOptions } from '../server/options.js';
import { ConfigError } from './config-error.js';

type Into = Partial<BrokerOptions>;

function cluster(into: Into): Partial<ClusterOptions> {
  return (into.cluster ??= {});
}

/** Appends comma-separated endpoints (RabbitMQ lists them one per key: endpoints.1, endpoints.2, ...). */
export function addEndpoints(into: Into, value: string): void {
  const c = cluster(into);
  c.endpoints = [...(c.endpoints ?? []), ...value.split(',').filter((s) => s.trim() !== '').map(normaliseEndpoint)];
}

function port(key: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new ConfigError(`${key}: '${value}' is not a valid port`);
  return n;
}

/** Sets one cluster setting by its short name (shared by the config file, flags and environment). */
export function setClusterSetting(into: Into, setting: 'endpoints' | 'name' | 'node' | 'advertise' | 'replicationPort' | 'leaseTtl', value: string, key: string): void {
  const c = cluster(into);
  switch (setting) {
    case 'endpoints': return addEndpoints(into, value);
    case 'name':
      if (!/^[A-Za-z0-9_.-]+$/.test(value)) throw new ConfigError(`${key}: cluster names use letters, digits, '_', '.', '-'`);
      c.clusterName = value;
      return;
    case 'node': c.nodeName = value; return;
    case 'advertise': c.advertiseHost = value; return;
    case 'replicationPort': c.replicationPort = port(key, value); return;
    case 'leaseTtl': {
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < 2 || n > 60) throw new ConfigError(`${key}: expected 2..60 seconds, got '${value}'`);
      c.leaseTtl = n;
    }
  }
}

const text = (setting: Parameters<typeof setClusterSetting>[1]) => (value: string, key: string, into: Into) => setClusterSetting(into, setting, value, key);

/** rabbitmq.conf keys for cluster mode (merged into the supported keys table). */
export const clusterKeys: Record<string, { apply: (value: string, key: string, into: Into) => void; doc: string }> = {
  'cluster_formation.peer_discovery_backend': {
    apply: (value, key) => {
      if (!/etcd$/.test(value)) throw new ConfigError(`${key}: Warren forms clusters on etcd only ('etcd'), got '${value}'`);
    },
    doc: "etcd (or rabbit_peer_discovery_etcd): the only backend; endpoints decide whether clustering is on",
  },
  'cluster_formation.etcd.endpoints': { apply: text('endpoints'), doc: 'etcd endpoints, host:port or URLs; also .1, .2, ... one per key (none: single node)' },
  cluster_name: { apply: text('name'), doc: 'cluster name: etcd keys live under /warren/NAME/ (warren)' },
  'cluster.node_name': { apply: text('node'), doc: 'this node\'s name (warren@HOSTNAME; env RABBITMQ_NODENAME)' },
  'cluster.advertise_host': { apply: text('advertise'), doc: 'host other nodes and proxied clients use to reach this node (hostname)' },
  'cluster.replication_port': { apply: text('replicationPort'), doc: 'replication listener port (5679)' },
  'cluster.lease_ttl': { apply: text('leaseTtl'), doc: 'etcd lease TTL in seconds; the leader steps down 1 s before it (5)' },
};

/** `cluster_formation.etcd.endpoints.N = host:port` (RabbitMQ's list syntax). */
export function clusterListKey(key: string): { apply: (value: string, key: string, into: Into) => void; doc: string } | undefined {
  return /^cluster_formation\.etcd\.endpoints\.\d+$/.test(key) ? clusterKeys['cluster_formation.etcd.endpoints'] : undefined;
}

/** Command-line flags and environment variables for cluster mode. */
export const clusterFlags: Record<string, Parameters<typeof setClusterSetting>[1]> = {
  '--cluster-etcd': 'endpoints',
  '--cluster-name': 'name',
  '--node-name': 'node',
  '--advertise-host': 'advertise',
  '--replication-port': 'replicationPort',
  '--lease-ttl': 'leaseTtl',
};
export const clusterEnv: Record<string, Parameters<typeof setClusterSetting>[1]> = {
  WARREN_CLUSTER_ETCD: 'endpoints',
  WARREN_CLUSTER_NAME: 'name',
  RABBITMQ_NODENAME: 'node',
  WARREN_NODE_NAME: 'node',
  WARREN_ADVERTISE_HOST: 'advertise',
  WARREN_REPLICATION_PORT: 'replicationPort',
  WARREN_LEASE_TTL: 'leaseTtl',
};
