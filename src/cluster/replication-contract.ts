// What the cluster node needs of replication (src/cluster/replication/, built separately). The
// node only orchestrates: it starts a leader or a follower for the current epoch, tells the
// leader which followers are in sync (after etcd says so), and hears which ones lag.

/** A follower as the leader sees it. */
export interface FollowerState {
  nodeId: string;
  /** Connected and streaming live (its catch-up transfer is done). */
  connected: boolean;
  /** Stream bytes sent to it and not yet acknowledged. */
  lagBytes: number;
  /** When it last acknowledged (ms since the epoch), 0 never. */
  lastAckAt: number;
}

export interface ReplicationLeaderHandle {
  /** The port followers connect to. */
  readonly port: number;
  /** Passed to startBroker as `replication`: the store's changes go through it. */
  readonly storeTap: unknown;
  /** The followers whose acknowledgement every confirm waits for (besides the local fdatasync). */
  setIsr(nodeIds: string[]): void;
  followers(): FollowerState[];
  /** An in-sync follower stalled past the deadline: remove it from the ISR, then call setIsr. */
  onLagging(cb: (nodeId: string) => void): void;
  close(): Promise<void>;
}

export interface ReplicationFollowerHandle {
  /** Resolves once the replica has caught up with the leader and streams live. */
  readonly caughtUp: Promise<void>;
  close(): Promise<void>;
}

export interface Replication {
  startLeader(options: { dataDir: string; host: string; port: number; epoch: number; nodeId: string; lagTimeout: number }): Promise<ReplicationLeaderHandle>;
  startFollower(options: { dataDir: string; nodeId: string; leaderAddress: { host: string; port: number }; epoch: number }): ReplicationFollowerHandle;
}
