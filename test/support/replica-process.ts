// A replication follower in a process of its own, so a test can SIGSTOP (stall) or SIGKILL it.
// Usage: node replica-process.js '<json ReplicationFollowerOptions>'; prints "caught-up" on
// stdout after every catch-up; SIGTERM closes it cleanly.
import { startReplicationFollower } from '../../src/cluster/replication/index.js';
import type { ReplicationFollowerOptions } from '../../src/cluster/replication/index.js';

const opts = JSON.parse(process.argv[2]) as ReplicationFollowerOptions;
const follower = startReplicationFollower(opts);
follower.onCaughtUp(() => process.stdout.write('caught-up\n'));
process.on('SIGTERM', () => {
  void follower.close().then(() => process.exit(0));
});
