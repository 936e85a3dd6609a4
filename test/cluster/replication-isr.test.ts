// The ISR gate: a confirm is released only after every in-sync follower has acknowledged the
// message. A stalled follower (SIGSTOP) holds confirms back until the coordinator, told through
// onLagging, takes it out of the ISR; it catches up when it resumes.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { startBroker } from '../../src/index.js';
import { startReplicationFollower, startReplicationLeader } from '../../src/cluster/replication/index.js';
import { sleep, waitFor, within } from '../support/clients.js';
import { startChildFollower } from '../support/replication.js';
import type { ChildFollower } from '../support/replication.js';

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `warren-repl-${name}-`));
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe('replication: confirms wait for the in-sync replicas', () => {
  test('a stalled ISR follower holds confirms until it is removed from the ISR; it catches up when it resumes', async () => {
    const leaderDir = tmp('leader');
    const repl = await startReplicationLeader({ dataDir: leaderDir, host: '127.0.0.1', port: 0, epoch: 3, nodeId: 'a', lagTimeout: 1000 });
    cleanups.push(() => repl.close());
    const lagging: string[] = [];
    repl.onLagging((id) => lagging.push(id));
    const caughtUp: string[] = [];
    repl.onFollowerCaughtUp((id) => caughtUp.push(id));

    const inProcess = startReplicationFollower({ dataDir: tmp('b'), nodeId: 'b', leaderAddress: { host: '127.0.0.1', port: repl.port }, epoch: 3 });
    cleanups.push(() => inProcess.close());
    const child: ChildFollower = startChildFollower({ dataDir: tmp('c'), nodeId: 'c', leaderAddress: { host: '127.0.0.1', port: repl.port }, epoch: 3 });
    cleanups.push(async () => {
      child.process.kill('SIGCONT');
      await child.kill();
    });
    await within(inProcess.caughtUp, 10_000, 'b caught up');
    await waitFor(() => child.catchUps() === 1, 15_000, 'c caught up');
    // The child says so when it has read everything; the leader learns it from c's next ack.
    await waitFor(() => caughtUp.length === 2, 10_000, 'the leader saw both followers catch up');
    assert.deepEqual(caughtUp.sort(), ['b', 'c']);
    repl.setIsr(['b', 'c']);

    const broker = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'error', dataDir: leaderDir, replication: repl.storeTap });
    cleanups.push(() => broker.close());
    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}`);
    cleanups.push(() => conn.close());
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue('isr', { durable: true });
    ch.sendToQueue('isr', Buffer.from('before'), { persistent: true });
    await within(ch.waitForConfirms(), 10_000, 'confirm with both followers up');

    // Stall c. The next confirm needs c's ack: it must not come while c is in the ISR.
    child.process.kill('SIGSTOP');
    lagging.length = 0;
    let confirmed = false;
    let nacked = false;
    ch.sendToQueue('isr', Buffer.from('during-stall'), { persistent: true }, (err) => (err ? (nacked = true) : (confirmed = true)));
    // b has acknowledged it (so the leader has written and sent it), and c is reported lagging.
    await waitFor(() => repl.followers().find((f) => f.nodeId === 'b')!.lagBytes === 0, 10_000, 'b acked the message');
    await waitFor(() => lagging.includes('c'), 10_000, 'c reported lagging');
    await sleep(200); // room for a wrongly released confirm to arrive
    assert.equal(confirmed || nacked, false, 'no confirm while a stalled follower is in the ISR');
    const c = repl.followers().find((f) => f.nodeId === 'c')!;
    assert.ok(c.lagBytes > 0 && c.inIsr && c.connected);

    // The coordinator takes c out of the ISR (in etcd, then here): the confirm goes out.
    repl.setIsr(['b']);
    await waitFor(() => confirmed, 10_000, 'confirm after c left the ISR');
    assert.equal(nacked, false);
    // Publishing goes on with the smaller ISR.
    for (let i = 0; i < 50; i++) ch.sendToQueue('isr', Buffer.from(`after-${i}`), { persistent: true });
    await within(ch.waitForConfirms(), 10_000, 'confirms with c out of the ISR');

    // c resumes: it reads what was streamed meanwhile and acknowledges everything.
    child.process.kill('SIGCONT');
    await waitFor(() => repl.followers().find((f) => f.nodeId === 'c')!.lagBytes === 0, 15_000, 'c caught up after the stall');
    repl.setIsr(['b', 'c']);
    ch.sendToQueue('isr', Buffer.from('all-back'), { persistent: true });
    await within(ch.waitForConfirms(), 10_000, 'confirm with c back in the ISR');

    // A follower of the ISR that dies is reported at once; confirms wait until it is removed.
    const reportsBefore = lagging.filter((id) => id === 'b').length;
    await inProcess.close();
    await waitFor(() => lagging.filter((id) => id === 'b').length > reportsBefore, 10_000, 'b reported lagging after it closed');
    let lastConfirmed = false;
    ch.sendToQueue('isr', Buffer.from('b-gone'), { persistent: true }, (err) => (lastConfirmed = !err));
    await waitFor(() => repl.followers().find((f) => f.nodeId === 'c')!.lagBytes === 0, 10_000, 'c acked');
    await sleep(200);
    assert.equal(lastConfirmed, false, 'no confirm while a disconnected follower is in the ISR');
    repl.setIsr(['c']);
    await waitFor(() => lastConfirmed, 10_000, 'confirm once b left the ISR');

    // The leader stepping down drops its followers without reporting them lagging.
    const reports = lagging.length;
    await conn.close();
    await broker.close();
    await repl.close();
    assert.equal(lagging.length, reports, 'no lag report from closing');
  });
});
