// The deployment files in deploy/ are checked statically (these machines have no Docker engine or
// Kubernetes): YAML structure through Debian's python3-yaml, the HAProxy file with `haproxy -c`.
// The same topology runs for real in failover.test.ts and scripts/cluster-local.sh.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const yamlDocs = (path: string): any[] =>
  JSON.parse(execFileSync('/usr/bin/python3', ['-c', 'import sys,json,yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))', root + path], { encoding: 'utf8' }));

describe('deploy/ files', () => {
  it('docker-compose: 3 etcd members and 3 Warren nodes pointed at all of them, with volumes and HAProxy', () => {
    const [compose] = yamlDocs('deploy/docker-compose.yml');
    const services = compose.services as Record<string, any>;
    const warren = Object.keys(services).filter((s) => /^warren\d$/.test(s));
    const etcd = Object.keys(services).filter((s) => /^etcd\d$/.test(s));
    assert.equal(warren.length, 3);
    assert.equal(etcd.length, 3);
    for (const w of warren) {
      const env = services[w].environment;
      assert.deepEqual(env.WARREN_CLUSTER_ETCD.split(','), etcd.map((e) => `http://${e}:2379`));
      assert.equal(env.WARREN_ADVERTISE_HOST, w);
      assert.ok(services[w].volumes[0].endsWith(':/var/lib/warren'));
    }
    for (const e of etcd) assert.ok(services[e].command.join(' ').includes(`--initial-cluster etcd1=http://etcd1:2380,etcd2=http://etcd2:2380,etcd3=http://etcd3:2380`));
    assert.ok(services.haproxy.volumes[0].startsWith('./haproxy/haproxy.cfg:'));
  });

  it('Kubernetes: StatefulSet of 3 with a headless service, PVCs and HTTP probes on the cluster health checks', () => {
    const docs = yamlDocs('deploy/kubernetes/warren.yaml');
    const sts = docs.find((d) => d.kind === 'StatefulSet');
    const headless = docs.find((d) => d.kind === 'Service' && d.metadata.name === sts.spec.serviceName);
    assert.equal(headless.spec.clusterIP, 'None');
    assert.equal(sts.spec.replicas, 3);
    assert.deepEqual(sts.spec.selector.matchLabels, sts.spec.template.metadata.labels);
    const c = sts.spec.template.spec.containers[0];
    assert.equal(c.volumeMounts[0].name, sts.spec.volumeClaimTemplates[0].metadata.name);
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));
    assert.equal(env.WARREN_DATA_DIR, c.volumeMounts[0].mountPath);
    assert.equal(env.WARREN_CLUSTER_ETCD.split(',').length, 3);
    assert.ok(env.WARREN_ADVERTISE_HOST.endsWith(`.${sts.spec.serviceName}`));
    for (const probe of [c.livenessProbe, c.readinessProbe]) assert.equal(probe.httpGet.path, '/api/health/checks/ready');
    const etcd = yamlDocs('deploy/kubernetes/etcd.yaml').find((d) => d.kind === 'StatefulSet');
    assert.equal(etcd.spec.replicas, 3);
  });

  it('HAProxy: the configuration is valid (haproxy -c) and routes to the node answering the leader check', () => {
    const r = spawnSync('haproxy', ['-c', '-f', root + 'deploy/haproxy/haproxy.cfg'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const cfg = readFileSync(root + 'deploy/haproxy/haproxy.cfg', 'utf8');
    assert.equal(cfg.match(/option httpchk GET \/api\/health\/checks\/leader/g)?.length, 2);
  });
});
