// One node of the replication benchmark (bench/replication-confirm), from dist/:
//   node bench/replication-node.mjs leader <amqpPort> <replPort> <dataDir> <followers>
//     starts a replication leader, <followers> follower processes on their own data dirs
//     (<dataDir>-fN), waits for them to catch up, puts them all in the ISR, then starts the
//     broker with replication attached; prints "ready <pid,pid,...>" (broker and followers).
//   node bench/replication-node.mjs follower <leaderPort> <dataDir> <nodeId>
// SIGTERM stops everything it started.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startBroker } from '../dist/src/index.js';
import { startReplicationFollower, startReplicationLeader } from '../dist/src/cluster/replication/index.js';

const [role, ...args] = process.argv.slice(2);
const EPOCH = 1;

if (role === 'follower') {
  const [leaderPort, dataDir, nodeId] = args;
  const f = startReplicationFollower({ dataDir, nodeId, epoch: EPOCH, leaderAddress: { host: '127.0.0.1', port: Number(leaderPort) } });
  f.onCaughtUp(() => process.stdout.write('caught-up\n'));
  process.on('SIGTERM', () => void f.close().then(() => process.exit(0)));
} else if (role === 'leader') {
  const [amqpPort, replPort, dataDir, count] = args;
  const repl = await startReplicationLeader({ dataDir, host: '127.0.0.1', port: Number(replPort), epoch: EPOCH, nodeId: 'leader' });
  repl.onLagging((id) => console.error(`${new Date().toISOString()} follower ${id} lagging`, JSON.stringify(repl.followers().find((f) => f.nodeId === id))));
  const script = fileURLToPath(import.meta.url);
  const children = [];
  const ids = [];
  for (let i = 1; i <= Number(count); i++) {
    const id = `f${i}`;
    const child = spawn(process.execPath, [script, 'follower', String(repl.port), `${dataDir}-${id}`, id], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => child.stdout.once('data', resolve));
    children.push(child);
    ids.push(id);
  }
  repl.setIsr(ids);
  const broker = await startBroker({ port: Number(amqpPort), host: '127.0.0.1', dataDir, logLevel: 'warning', replication: repl.storeTap });
  console.log(`ready ${[process.pid, ...children.map((c) => c.pid)].join(',')}`);
  process.on('SIGTERM', async () => {
    await broker.close();
    await repl.close();
    for (const c of children) c.kill('SIGTERM');
    process.exit(0);
  });
} else {
  console.error('usage: replication-node.mjs leader <amqpPort> <replPort> <dataDir> <followers> | follower <leaderPort> <dataDir> <nodeId>');
  process.exit(2);
}
