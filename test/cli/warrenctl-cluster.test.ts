// cluster_status and forget_cluster_node against a single Warren node (a cluster of one), laid
// out as rabbitmqctl 3.10.8 prints them for the reference node (`rabbitmqctl -n ref5673@localhost
// cluster_status [--formatter json]`, `forget_cluster_node`). test/cluster/cluster-ctl.test.ts
// runs them against a 3-node cluster.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningBroker } from '../../src/index.js';
import { api, startHttpBroker } from '../http/support.js';
import { ctlFor } from './ctl-support.js';

let broker: RunningBroker;
let ctl: ReturnType<typeof ctlFor>;
let node: string;
let cluster: string;
const bold = (s: string) => `\x1b[1m${s}\x1b[0m`;
/** RabbitMQ 3.10.8's feature flags, as cluster_status lists them on the reference node. */
const flagNames = ['classic_mirrored_queue_version', 'drop_unroutable_metric', 'empty_basic_get_metric', 'implicit_default_bindings',
  'maintenance_mode_status', 'quorum_queue', 'stream_queue', 'user_limits', 'virtual_host_metadata'];

before(async () => {
  broker = await startHttpBroker({ metricsPort: 0 });
  ctl = ctlFor(broker.httpPort, '--host', '127.0.0.1');
  const overview = (await api(broker)('GET', '/api/overview')).body;
  node = overview.node;
  cluster = overview.cluster_name;
});
after(() => broker.close());

describe('cluster_status on a single node', () => {
  test('every rabbitmqctl section in order, titles in bold, the node disk and running, its listeners, the feature flags', async () => {
    const r = await ctl('cluster_status');
    assert.equal(r.code, 0, r.stderr);
    const runtime = `Node.js ${process.version}`;
    const version = (await ctl('server_version', '-q')).stdout.trim();
    assert.equal(r.stdout, [
      `Cluster status of node ${node} ...`,
      bold('Basics'), '', `Cluster name: ${cluster}`, '',
      bold('Disk Nodes'), '', node, '',
      bold('Running Nodes'), '', node, '',
      bold('Versions'), '', `${node}: Warren ${version} (RabbitMQ 3.10.8 compatible) on ${runtime}`, '',
      bold('Maintenance status'), '', `Node: ${node}, status: not under maintenance`, '',
      bold('Alarms'), '', '(none)', '',
      bold('Network Partitions'), '', '(none)', '',
      bold('Listeners'), '',
      `Node: ${node}, interface: 127.0.0.1, port: ${broker.port}, protocol: amqp, purpose: AMQP 0-9-1`,
      `Node: ${node}, interface: 127.0.0.1, port: ${broker.httpPort}, protocol: http, purpose: HTTP API`,
      `Node: ${node}, interface: 127.0.0.1, port: ${broker.metricsPort}, protocol: http/prometheus, purpose: Prometheus exporter API over HTTP`, '',
      bold('Feature flags'), '', ...flagNames.map((f) => `Flag: ${f}, state: enabled`),
      '',
    ].join('\n'));
  });

  test('--formatter json: rabbitmqctl\'s keys and layout', async () => {
    const r = await ctl('cluster_status', '--formatter', 'json');
    assert.equal(r.code, 0);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(j), ['alarms', 'cluster_name', 'disk_nodes', 'feature_flags', 'listeners', 'maintenance_status', 'partitions', 'ram_nodes', 'running_nodes', 'versions']);
    assert.deepEqual({ ...j, feature_flags: undefined, listeners: undefined, versions: undefined }, {
      alarms: [], cluster_name: cluster, disk_nodes: [node], feature_flags: undefined, listeners: undefined,
      maintenance_status: { [node]: 'not under maintenance' }, partitions: {}, ram_nodes: [], running_nodes: [node], versions: undefined,
    });
    // As the reference prints them: keys sorted.
    assert.deepEqual(j.feature_flags[5], {
      desc: 'Support queues of type `quorum`', doc_url: 'https://www.rabbitmq.com/quorum-queues.html', name: 'quorum_queue', provided_by: 'rabbit', stability: 'stable', state: 'enabled',
    });
    assert.deepEqual(j.feature_flags.map((f: { name: string }) => f.name), flagNames);
    assert.deepEqual(j.listeners[node][0], { interface: '127.0.0.1', node, port: broker.port, protocol: 'amqp', purpose: 'AMQP 0-9-1' });
    assert.equal(j.listeners[node].length, 3);
    assert.deepEqual(Object.keys(j.versions[node]), ['erlang_version', 'product_version', 'rabbitmq_name', 'rabbitmq_version']);
    assert.equal(j.versions[node].rabbitmq_version, '3.10.8');
  });
});

describe('forget_cluster_node on a single node', () => {
  test('the node itself, the only one: refused as rabbitmqctl 3.10.8 refuses its only node (last replica), exit 69', async () => {
    const r = await ctl('forget_cluster_node', node);
    assert.equal(r.code, 69);
    assert.equal(r.stdout, `Removing node ${node} from the cluster\n`);
    // The reference node answers {:failed_to_remove_node, :ref5673@localhost, {:combine_error, :schema, 'Last replica'}}.
    const atom = /^[A-Za-z_][\w@]*$/.test(node) ? `:${node}` : `:"${node}"`;
    assert.equal(r.stderr, `Error:\n{:failed_to_remove_node, ${atom}, {:combine_error, :schema, 'Last replica'}}\n`);
  });

  test('a node that is not a member: rabbitmqctl\'s not_a_cluster_node, exit 69', async () => {
    const r = await ctl('forget_cluster_node', 'rabbit@nowhere');
    assert.equal(r.code, 69);
    assert.equal(r.stderr, "Error:\n{:not_a_cluster_node, 'The node selected is not in the cluster.'}\n");
  });

  test('the node name is required: rabbitmqctl\'s argument validation error, exit 64', async () => {
    const r = await ctl('forget_cluster_node');
    assert.equal(r.code, 64);
    assert.match(r.stderr, /^Error \(argument validation\): not enough arguments\.\n/);
  });
});
