// warrenctl's diagnostics as Kubernetes probes would run them: exit 0 on a healthy node, non-zero
// (69, as rabbitmq-diagnostics) when an alarm is raised or the node cannot be reached, 75 when the
// node does not answer within --timeout. Messages and JSON as rabbitmq-diagnostics 3.10.8 prints them.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningBroker } from '../../src/index.js';
import { startHttpBroker } from '../http/support.js';
import { freePort } from '../support/child-broker.js';
import { ctlFor, runCtl } from './ctl-support.js';

const LIMIT = { timeout: 30_000 };
const node = `warren@${hostname()}`;
let broker: RunningBroker;
let ctl: ReturnType<typeof ctlFor>;

before(async () => {
  // A data directory, so that the disk alarm can be raised (its free space is what is measured).
  broker = await startHttpBroker({ dataDir: mkdtempSync(join(tmpdir(), 'warrenctl-health-')) });
  ctl = ctlFor(broker.httpPort, '--host', '127.0.0.1');
}, LIMIT);
after(() => broker.close());

describe('probes on a healthy node exit 0', () => {
  test('ping, check_running, check_port_connectivity, check_local_alarms, check_alarms, check_if_node_is_quorum_critical', async () => {
    const [ping, running, ports, local, alarms, quorum] = await Promise.all([
      ctl('ping'), ctl('check_running'), ctl('check_port_connectivity'), ctl('check_local_alarms'), ctl('check_alarms'), ctl('check_if_node_is_quorum_critical'),
    ]);
    assert.equal(ping.code, 0);
    assert.equal(ping.stdout, `Will ping ${node}. This only checks that the node's HTTP API answers and accepts the CLI's credentials. Timeout: 60000 ms.\nPing succeeded\n`);
    assert.equal(running.code, 0);
    assert.equal(running.stdout, `Checking if Warren is running on node ${node} ...\nWarren on node ${node} is fully booted and running\n`);
    assert.equal(ports.code, 0, ports.stderr);
    const expected = [broker.port, broker.httpPort].sort((a, b) => Number(a) - Number(b)).join(', ');
    assert.equal(ports.stdout, `Testing TCP connections to all active listeners on node ${node} ...\nSuccessfully connected to ports ${expected} on node ${node}.\n`);
    assert.equal(local.code, 0);
    assert.equal(local.stdout, `Asking node ${node} to report any local resource alarms ...\nNode ${node} reported no local alarms\n`);
    assert.equal(alarms.code, 0);
    assert.equal(alarms.stdout, `Asking node ${node} to report any local resource alarms ...\nNode ${node} reported no alarms, local or clusterwide\n`);
    assert.equal(quorum.code, 0);
    assert.equal(quorum.stdout, `Checking if node ${node} is critical for quorum of any quorum queues ...\nNode ${node} seems to be the only one in a single node cluster, the check does not apply\n`);
  });

  test('--formatter json answers as rabbitmq-diagnostics does; -s prints nothing', async () => {
    const [local, alarms, ping, quorum, ports, silent] = await Promise.all([
      ctl('check_local_alarms', '--formatter', 'json'), ctl('check_alarms', '--formatter', 'json'), ctl('ping', '--formatter', 'json'),
      ctl('check_if_node_is_quorum_critical', '--formatter', 'json'), ctl('check_port_connectivity', '--formatter', 'json'), ctl('check_local_alarms', '-s'),
    ]);
    assert.deepEqual(JSON.parse(local.stdout), { result: 'ok' });
    assert.deepEqual(JSON.parse(alarms.stdout), { result: 'ok' });
    assert.deepEqual(JSON.parse(ping.stdout), { message: 'Ping succeeded' });
    assert.deepEqual(JSON.parse(quorum.stdout), { message: 'Target node seems to be the only one in a single node cluster, the check does not apply', result: 'ok' });
    const pj = JSON.parse(ports.stdout);
    assert.equal(pj.result, 'ok');
    assert.deepEqual(pj.listeners.map((l: { port: number }) => l.port).sort(), [broker.port, broker.httpPort].sort());
    assert.deepEqual(pj.listeners[0], { interface: '127.0.0.1', node, port: pj.listeners[0].port, protocol: pj.listeners[0].protocol, purpose: pj.listeners[0].purpose });
    assert.equal(silent.code, 0);
    assert.equal(silent.stdout, '');
  });
});

describe('probes fail when a resource alarm is raised', () => {
  test('check_local_alarms and check_alarms exit 69 naming the alarm; they pass again once it clears', async () => {
    // Any real disk has less free space than this, so the disk alarm goes off at once.
    await broker.setDiskFreeLimit(Number.MAX_SAFE_INTEGER);
    try {
      const [local, alarms, localJson, alarmsJson, ping, status] = await Promise.all([
        ctl('check_local_alarms'), ctl('check_alarms'), ctl('check_local_alarms', '--formatter', 'json'), ctl('check_alarms', '--formatter', 'json'),
        ctl('ping'), ctl('status', '--formatter', 'json'),
      ]);
      assert.equal(local.code, 69);
      assert.equal(local.stderr, `Free disk space alarm on node ${node}\n`);
      assert.equal(alarms.code, 69);
      assert.equal(alarms.stderr, `Free disk space alarm on node ${node}\n`);
      assert.equal(localJson.code, 69);
      assert.deepEqual(JSON.parse(localJson.stderr), { result: 'error', local: [`Free disk space alarm on node ${node}`], message: `Node ${node} reported local alarms` });
      assert.deepEqual(JSON.parse(alarmsJson.stderr), { result: 'error', local: [`Free disk space alarm on node ${node}`], global: [], message: `Node ${node} reported alarms` });
      assert.equal(ping.code, 0, 'an alarm does not make the node unreachable');
      assert.deepEqual(JSON.parse(status.stdout).alarms, [{ node, resource: 'disk', type: 'resource_limit' }]);
    } finally {
      await broker.setDiskFreeLimit(0);
    }
    assert.equal((await ctl('check_local_alarms')).code, 0);
  });
});

describe('probes fail when the node cannot be reached in time', () => {
  test('a closed port: every probe exits 69', async () => {
    const port = await freePort();
    const runs = await Promise.all(['ping', 'check_running', 'check_port_connectivity', 'check_local_alarms', 'check_alarms'].map((verb) =>
      runCtl(['--host', '127.0.0.1', '--port', String(port), verb])));
    for (const r of runs) {
      assert.equal(r.code, 69, r.stderr);
      assert.match(r.stderr, /could not be reached \(ECONNREFUSED\)/);
    }
  });

  test('await_startup keeps trying a closed port until --timeout, then exits 75', async () => {
    const port = await freePort();
    const r = await runCtl(['--host', '127.0.0.1', '--port', String(port), '-t', '1', 'await_startup']);
    assert.equal(r.code, 75);
    assert.match(r.stderr, /timed out\. Timeout value used: 1 seconds/);
  });

  test('a node that accepts the connection but never answers: exit 75 after --timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      const r = await runCtl(['--host', '127.0.0.1', '--port', String(port), '-t', '1', 'check_running']);
      assert.equal(r.code, 75);
      assert.match(r.stderr, /^Error: operation on node warren@.* timed out\. Timeout value used: 1 seconds\n$/);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
