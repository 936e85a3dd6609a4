// The cluster node as the management layer sees it (set only on a cluster leader's broker).
/** What the management layer sees of a cluster node (null context field: not clustered). */
export interface ClusterView {
  /** The cluster's name (cluster_formation), the default of /api/cluster-name; absent: the node's name. */
  readonly clusterName?: string;
  /** Followers connected now or in the in-sync replica set. */
  followers(): ClusterFollowerView[];
}

export interface ClusterFollowerView {
  /** The follower's node name (its id until the leader has read the name from etcd). */
  readonly name: string;
  readonly connected: boolean;
  readonly inSync: boolean;
  /** Stream bytes sent and not yet acknowledged. */
  readonly lagBytes: number;
}
