import { hostname } from 'node:os';

/** cluster_formation.* and the node's identity in the cluster. */
export interface ClusterOptions {
  /** etcd client URLs (cluster_formation.etcd.endpoints). */
  endpoints: string[];
  /** Name of the cluster: the etcd key prefix /warren/<cluster>/ (cluster_name). Default 'warren'. */
  clusterName: string;
  /** This node's name (RabbitMQ style name@host). Default warren@<hostname>. */
  nodeName: string;
  /** Host other nodes and proxied clients reach this node at. Default: the hostname. */
  advertiseHost: string;
  /** Port of the replication listener. Default 5679. */
  replicationPort: number;
  /** Lease TTL in seconds (5: a TTL of 2 s loses leadership on an etcd leader change). */
  leaseTtl: number;
}

export function clusterDefaults(): Omit<ClusterOptions, 'endpoints'> {
  return { clusterName: 'warren', nodeName: `warren@${hostname()}`, advertiseHost: hostname(), replicationPort: 5679, leaseTtl: 5 };
}

/** etcd endpoints as written in configuration: host:port or a URL; http:// is assumed. */
export function normaliseEndpoint(e: string): string {
  const t = e.trim();
  return /^https?:\/\//.test(t) ? t.replace(/\/+$/, '') : `http://${t}`;
}
