/**
 * Replication of a node's data directory from the cluster leader to its followers (issue 8).
 *
 * What is replicated: the files that decide delivery after a failover (message log segments,
 * definitions snapshot and change log, format version), as file actions — "append these bytes
 * at this offset of file X", truncate, rename, remove — taken from the store's write paths by a
 * StoreTap (src/store/store-tap.ts). A follower's data directory is a byte-identical copy of the
 * leader's, so promoting a follower is just `startBroker({ dataDir: <its data dir> })`: the
 * ordinary recovery code reads it.
 *
 * How the coordinator uses it (static roles in test/cluster/replication*.test.ts show it whole):
 *
 *   // Leader (after winning the election; epoch = the election key's create revision):
 *   const repl = await startReplicationLeader({ dataDir, host, port, epoch, nodeId });
 *   repl.onLagging((id) => { remove id from the ISR in etcd (txn fenced by our election key);
 *                            then repl.setIsr(newIsr) });
 *   repl.onFollowerCaughtUp((id) => { add id to the ISR in etcd; then repl.setIsr(newIsr) });
 *   repl.setIsr(isrFromEtcd);   // before serving clients: confirms wait for these nodes
 *   const broker = await startBroker({ dataDir, replication: repl.storeTap, ... });
 *   ... on losing leadership: await broker.close(); await repl.close();
 *
 *   // Follower (any node that is not the leader; no broker runs on its data directory):
 *   const f = startReplicationFollower({ dataDir, nodeId, leaderAddress: { host, port }, epoch });
 *   await f.caughtUp;           // or f.onCaughtUp(cb): fires after every (re)connection's catch-up
 *   ... on a new leader: await f.close(); start a new follower with the new address and epoch;
 *   ... on being elected: await f.close(); then start as leader on the same dataDir.
 *
 * Guarantees:
 * - With `replication` set, a publisher confirm (and tx.commit-ok) is sent only after the
 *   leader's fdatasync AND an ack from every node of the ISR given by `setIsr` (each follower
 *   fdatasyncs before acking). An ISR node that is disconnected, still catching up, or whose
 *   oldest unacknowledged data is older than `lagTimeout` is reported through `onLagging`
 *   (again every `lagTimeout` while it stays in the ISR); confirms wait until `setIsr` drops it.
 *   With an empty ISR confirms need only the local sync (single-node durability).
 * - With `fence` set (the cluster node passes its lease's `valid`), a confirm is released only
 *   while the fence holds at that moment; once it fails, waiting and new confirms fail (nack).
 * - Streams are accepted only when the leader's and the follower's epochs are equal (both sides
 *   check); a follower of another epoch is refused and keeps retrying until closed.
 * - A (re)connecting follower sends per-file, per-chunk crc32s; the leader sends only differing
 *   chunks, truncates bytes it does not have (they were never confirmed), removes files it no
 *   longer has, then streams live. `followers()[i].syncBytes` counts what that transfer sent.
 * - Definitions: the follower fdatasyncs the definitions log with everything else, so a confirm
 *   also covers every declaration made before the publish (the leader itself syncs them ≤ 1 s).
 * - Without `replication` (the default) the store is unchanged: one null check per write batch.
 */
import { ReplicationFollower } from './follower.js';
import type { FollowerState, ReplicationFollowerOptions } from './follower.js';
import { ReplicationLeader } from './leader.js';
import type { FollowerStatus, ReplicationLeaderOptions } from './leader.js';
import type { StoreTap } from '../../store/store-tap.js';

export type { FollowerState, FollowerStatus, ReplicationFollowerOptions, ReplicationLeaderOptions, StoreTap };

export interface ReplicationLeaderHandle {
  /** The port followers connect to (useful with port 0). */
  readonly port: number;
  /** Pass as `startBroker({ replication })`: the broker's store streams through it. */
  readonly storeTap: StoreTap;
  /** The in-sync replicas (follower node ids) whose acks confirms must wait for. */
  setIsr(nodeIds: string[]): void;
  /** Every follower connected now or listed in the ISR. */
  followers(): FollowerStatus[];
  /** An ISR follower is disconnected or lags past lagTimeout: remove it from the ISR, then setIsr. */
  onLagging(cb: (nodeId: string) => void): void;
  /** A follower finished its catch-up and acknowledged it (it may join the ISR now). */
  onFollowerCaughtUp(cb: (nodeId: string) => void): void;
  /** Stops listening and drops followers; confirms still waiting for replicas fail (nack). */
  close(): Promise<void>;
}

export async function startReplicationLeader(opts: ReplicationLeaderOptions): Promise<ReplicationLeaderHandle> {
  const leader = new ReplicationLeader(opts);
  const port = await leader.listen();
  return {
    port,
    storeTap: leader,
    setIsr: (ids) => leader.setIsr(ids),
    followers: () => leader.followers(),
    onLagging: (cb) => leader.onLagging(cb),
    onFollowerCaughtUp: (cb) => leader.onFollowerCaughtUp(cb),
    close: () => leader.close(),
  };
}

export interface ReplicationFollowerHandle {
  /** Resolves after the first catch-up has been written, synced and acknowledged. */
  readonly caughtUp: Promise<void>;
  /** Runs after every catch-up (each reconnection catches up again). */
  onCaughtUp(cb: () => void): void;
  /** Connection, catch-up and position, for status pages and tests. */
  state(): FollowerState;
  /** Disconnects, waits for written data to be synced, closes the files. */
  close(): Promise<void>;
}

export function startReplicationFollower(opts: ReplicationFollowerOptions): ReplicationFollowerHandle {
  const follower = new ReplicationFollower(opts);
  const caughtUp = new Promise<void>((resolve) => follower.onCaughtUp(resolve));
  follower.start();
  return {
    caughtUp,
    onCaughtUp: (cb) => follower.onCaughtUp(cb),
    state: () => ({ ...follower.state }),
    close: () => follower.close(),
  };
}
