// warrenctl cluster_status and forget_cluster_node against a real 3-node cluster (3 etcd members,
// 3 `warren` processes), asked through a follower (which proxies the API to the leader), and the
// node list the management UI reads: every member with its role, ISR membership and lag, the
// leader with its broker's own figures too.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster } from '../support/cluster.js';
import type { TestCluster } from '../support/cluster.js';
import { runCtl } from '../cli/ctl-support.js';
import { launchBrowser, logIn } from '../ui/browser.js';

let cluster: TestCluster;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bold = (s: string) => `\x1b[1m${s}\x1b[0m`;

before(async () => {
  cluster = await startTestCluster(3);
  await cluster.waitForFullIsr();
}, { timeout: 90_000 });
after(() => cluster?.close());

describe('warrenctl against a 3-node cluster', { timeout: 120_000 }, () => {
  it('cluster_status lists every node, its listeners and role; forget_cluster_node refuses running nodes and forgets a stopped one', async () => {
    const leader = await cluster.waitForLeader();
    const followers = cluster.nodes.filter((n) => n.index !== leader);
    const names = cluster.nodes.map((n) => n.name).sort();
    const ctl = (...args: string[]) => runCtl(['--host', '127.0.0.1', '--port', String(followers[0].httpPort), ...args]);

    // The node list the UI shows: cluster fields for every node, RabbitMQ's figures for the leader.
    const nodes = (await followers[0].http('/api/nodes'))!.body as Record<string, unknown>[];
    assert.deepEqual(nodes.map((n) => n.name), names);
    for (const n of nodes) {
      assert.equal(n.running, true);
      assert.equal(n.in_sync, true);
      assert.equal(n.cluster_role, n.name === cluster.nodes[leader].name ? 'leader' : 'follower');
      assert.equal(typeof n.replication_lag_bytes, 'number');
    }
    const leaderRecord = nodes.find((n) => n.cluster_role === 'leader')!;
    assert.ok(Number(leaderRecord.mem_used) > 0 && 'fd_used' in leaderRecord && 'uptime' in leaderRecord, 'the leader\'s broker figures');

    // The web UI, served through a follower: the overview's node table shows the cluster columns.
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(`http://127.0.0.1:${followers[0].httpPort}/`);
      await logIn(page);
      await page.waitForSelector('[data-testid=nodes] tbody tr:nth-child(3)');
      // Cell texts (textContent: the header's CSS capitalisation aside).
      const cells = (selector: string) => page.$$eval(selector, (els) => els.map((el) => (el.textContent ?? '').trim()));
      const header = await cells('[data-testid=nodes] thead th');
      assert.deepEqual(header.slice(1, 5), ['Role', 'In sync', 'Replication lag', 'Memory'], header.join(' | '));
      const rows = await page.$$eval('[data-testid=nodes] tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())));
      assert.deepEqual(rows.map((r) => r[0]), names, 'one row a node, sorted by name');
      for (const [name, role, inSync, lag] of rows) {
        assert.equal(role, name === cluster.nodes[leader].name ? 'leader' : 'follower', name);
        assert.equal(inSync, 'yes', name);
        assert.match(lag, /^\d+(\.\d)? (B|KiB|MiB)$/, `${name} replication lag`);
      }
      if (process.env.WARREN_SCREENSHOTS) await page.screenshot({ path: process.env.WARREN_SCREENSHOTS, fullPage: true });
    } finally {
      await browser.close();
    }

    const status = await ctl('cluster_status');
    assert.equal(status.code, 0, status.stderr);
    const text = status.stdout;
    assert.ok(text.includes('\nCluster name: test\n'), 'the configured cluster name');
    assert.ok(text.includes(`\n${bold('Disk Nodes')}\n\n${names.join('\n')}\n\n`));
    assert.ok(text.includes(`\n${bold('Running Nodes')}\n\n${names.join('\n')}\n\n`));
    for (const n of cluster.nodes) {
      assert.ok(text.includes(`Node: ${n.name}, interface: 127.0.0.1, port: ${n.amqpPort}, protocol: amqp, purpose: AMQP 0-9-1\n`), `${n.name} amqp`);
      assert.ok(text.includes(`Node: ${n.name}, interface: 127.0.0.1, port: ${n.httpPort}, protocol: http, purpose: HTTP API\n`), `${n.name} http`);
      const role = n.index === leader ? 'leader' : 'follower';
      assert.match(text, new RegExp(`\\nNode: ${n.name.replace(/\./g, '\\.')}, role: ${role}, in sync: true, replication lag: \\d+ bytes`));
    }
    assert.match(text, new RegExp(`\\n${bold('Replication').replace(/\[/g, '\\[')}\\n\\n`));
    assert.ok(text.includes('Flag: quorum_queue, state: enabled'));

    const json = JSON.parse((await ctl('cluster_status', '--formatter', 'json')).stdout);
    assert.equal(json.cluster_name, 'test');
    assert.deepEqual(json.disk_nodes, names);
    assert.deepEqual(json.running_nodes, names);
    assert.deepEqual(Object.keys(json.listeners), names);
    assert.ok(json.listeners[cluster.nodes[leader].name].some((l: { protocol: string }) => l.protocol === 'replication'));

    // A running node is refused, the leader first.
    const forgetLeader = await ctl('forget_cluster_node', cluster.nodes[leader].name);
    assert.equal(forgetLeader.code, 69);
    assert.equal(forgetLeader.stderr,
      `Error:\n{:failed_to_remove_node, :"${cluster.nodes[leader].name}", {:active, 'Mnesia is running', :"${cluster.nodes[leader].name}"}}\n`);
    const gone = followers[1];
    const forgetRunning = await ctl('forget_cluster_node', gone.name);
    assert.equal(forgetRunning.code, 69);
    assert.equal(forgetRunning.stderr, `Error:\n{:failed_to_remove_node, :"${gone.name}", {:active, 'Mnesia is running', :"${gone.name}"}}\n`);

    // Stopped, it is listed as not running until forgotten.
    await gone.kill();
    for (let i = 0; ; i++) {
      const list = (await followers[0].http('/api/nodes'))?.body as { name: string; running: boolean }[] | undefined;
      if (list?.find((n) => n.name === gone.name)?.running === false) break;
      assert.ok(i < 150, 'the killed node is seen stopped (its lease expires)');
      await sleep(100);
    }
    const stopped = await ctl('cluster_status');
    assert.ok(stopped.stdout.includes(`\n${bold('Running Nodes')}\n\n${names.filter((n) => n !== gone.name).join('\n')}\n\n`));
    const forget = await ctl('forget_cluster_node', gone.name);
    assert.equal(forget.code, 0, forget.stderr);
    assert.equal(forget.stdout, `Removing node ${gone.name} from the cluster\n`);
    const after = JSON.parse((await ctl('cluster_status', '--formatter', 'json')).stdout);
    assert.deepEqual(after.disk_nodes, names.filter((n) => n !== gone.name));
    const again = await ctl('forget_cluster_node', gone.name);
    assert.equal(again.code, 69);
    assert.equal(again.stderr, "Error:\n{:not_a_cluster_node, 'The node selected is not in the cluster.'}\n");
  });
});
