// Cluster metrics (issue 8), Warren's own (RabbitMQ has no leader or replication lag to show):
// served on /metrics by the leader's broker, the only node running one (a broker that is not
// clustered leaves them out, so its /metrics has RabbitMQ's families only).
import type { ManagementContext } from '../context.js';
import type { NodeFamily, Sample } from './node-families.js';
import { labelSet } from './text-format.js';
import type { ClusterFollowerView } from '../cluster-view.js';

const perFollower = (ctx: ManagementContext, value: (f: ClusterFollowerView) => number | null): Sample[] => {
  const samples: Sample[] = [];
  for (const f of ctx.cluster?.followers() ?? []) {
    const v = value(f);
    if (v !== null) samples.push([labelSet([['follower', f.name]]), v]);
  }
  return samples;
};

export const clusterMetrics: NodeFamily = {
  family: null,
  metrics: [
    { name: 'warren_cluster_leader', type: 'gauge', help: 'Whether this node leads its cluster (1)', samples: () => [['', 1]] },
    { name: 'warren_cluster_in_sync_replicas', type: 'gauge', help: 'Nodes in the in-sync replica set, the leader included', samples: (ctx) => [['', 1 + (ctx.cluster?.followers().filter((f) => f.inSync).length ?? 0)]] },
    { name: 'warren_replication_lag_bytes', type: 'gauge', help: 'Replication stream bytes not yet acknowledged by each connected follower', samples: (ctx) => perFollower(ctx, (f) => (f.connected ? f.lagBytes : null)) },
    { name: 'warren_replication_follower_connected', type: 'gauge', help: 'Whether each follower streams from the leader (1) or not (0)', samples: (ctx) => perFollower(ctx, (f) => (f.connected ? 1 : 0)) },
    { name: 'warren_replication_follower_in_sync', type: 'gauge', help: 'Whether each follower is in the in-sync replica set (1) or not (0)', samples: (ctx) => perFollower(ctx, (f) => (f.inSync ? 1 : 0)) },
  ],
};
