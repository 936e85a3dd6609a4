// warrenctl shovel_status, delete_shovel and restart_shovel against an in-process Warren, printed
// as rabbitmqctl 3.10.8 with the rabbitmq_shovel plugin prints them (recorded from
// `rabbitmqctl -n ref5673@localhost shovel_status` etc.): one line per shovel with only the keys it
// has, in alphabetical order, under the first line's keys; "Error:" and exit code 69 for a
// shovel that does not exist.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import type { RunningBroker } from '../../src/index.js';
import { waitFor } from '../support/clients.js';
import { api, startHttpBroker, type ApiResponse } from '../http/support.js';
import { ctlFor, lines } from './ctl-support.js';

const LIMIT = { timeout: 30_000 };
let broker: RunningBroker;
let call: (method: string, path: string, body?: unknown) => Promise<ApiResponse>;
let ctl: ReturnType<typeof ctlFor>;
const node = `warren@${hostname()}`;
const vh = 'ctl-shovel-vh';
const timestamp = /^\d{4}-\d\d-\d\d \d{1,2}:\d\d:\d\d$/;

before(async () => {
  broker = await startHttpBroker();
  call = api(broker);
  ctl = ctlFor(broker.httpPort, '--host', '127.0.0.1');
  await call('PUT', `/api/vhosts/${vh}`, {});
}, LIMIT);
after(() => broker.close());

const running = async (name: string) =>
  waitFor(async () => ((await call('GET', `/api/shovels/${vh}`)).body as { name: string; state: string }[]).some((s) => s.name === name && s.state === 'running'), 10_000, `${name} running`);

describe('shovel_status', () => {
  test('no shovels: the banner only; JSON: an empty list', LIMIT, async () => {
    const r = await ctl('shovel_status');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `Shovel status on node ${node}\n`);
    assert.equal((await ctl('shovel_status', '--formatter', 'json')).stdout, '[\n]\n');
  });

  test('queue and exchange shovels: lines of their own keys under the first line\'s keys', LIMIT, async () => {
    await call('PUT', `/api/parameters/shovel/${vh}/s1`, { value: { 'src-uri': `amqp:///${vh}`, 'src-queue': 'qa', 'dest-uri': `amqp:///${vh}`, 'dest-queue': 'qb' } });
    await call('PUT', `/api/parameters/shovel/${vh}/s2`, { value: { 'src-uri': 'amqp://', 'src-exchange': 'amq.topic', 'src-exchange-key': 'a.#', 'dest-uri': 'amqp://', 'dest-exchange': 'amq.direct', 'dest-exchange-key': 'k' } });
    await running('s1');
    await running('s2');

    const r = await ctl('shovel_status', '-q');
    assert.equal(r.code, 0);
    const out = lines(r.stdout).map((l) => l.split('\t'));
    assert.deepEqual(out[0], ['destination', 'destination_protocol', 'destination_queue', 'last_changed', 'name', 'source', 'source_protocol', 'source_queue', 'state', 'termination_reason', 'type', 'vhost']);
    const [s1, s2] = [out[1], out[2]];
    assert.match(s1[3], timestamp);
    assert.deepEqual([...s1.slice(0, 3), ...s1.slice(4)], [`amqp:///${vh}`, 'amqp091', 'qb', 's1', `amqp:///${vh}`, 'amqp091', 'qa', 'running', '', 'dynamic', vh]);
    assert.match(s2[4], timestamp);
    assert.deepEqual([...s2.slice(0, 4), ...s2.slice(5)], ['amqp://', 'amq.direct', 'k', 'amqp091', 's2', 'amqp://', 'amq.topic', 'a.#', 'amqp091', 'running', '', 'dynamic', vh]);

    const json = await ctl('shovel_status', '--formatter', 'json');
    const rows = JSON.parse(json.stdout) as Record<string, string>[];
    assert.match(json.stdout, /^\[\n\{.*\}\n,\{.*\}\n\]\n$/);
    assert.deepEqual({ ...rows[1], last_changed: '' }, {
      destination: 'amqp://', destination_exchange: 'amq.direct', destination_exchange_key: 'k', destination_protocol: 'amqp091',
      last_changed: '', name: 's2', source: 'amqp://', source_exchange: 'amq.topic', source_exchange_key: 'a.#',
      source_protocol: 'amqp091', state: 'running', termination_reason: '', type: 'dynamic', vhost: vh,
    });
    assert.deepEqual(Object.keys(rows[0]), out[0]);

    // CSV quotes every cell; -s drops the banner and the header line.
    const csv = lines((await ctl('shovel_status', '-q', '--formatter', 'csv')).stdout);
    assert.equal(csv[0], out[0].map((k) => `"${k}"`).join(','));
    assert.equal(lines((await ctl('shovel_status', '-s')).stdout).length, 2);
  });

  test('restart_shovel and delete_shovel: banners, and exit code 69 for a missing shovel', LIMIT, async () => {
    const restart = await ctl('restart_shovel', '-p', vh, 's1');
    assert.equal(restart.code, 0);
    assert.equal(restart.stdout, `Restarting dynamic Shovel s1 in virtual host ${vh} on node ${node}\n`);
    await running('s1');

    const del = await ctl('delete_shovel', '-p', vh, 's1');
    assert.equal(del.code, 0);
    assert.equal(del.stdout, `Deleting shovel s1 in vhost ${vh}\n`);
    assert.equal((await call('GET', `/api/parameters/shovel/${vh}/s1`)).status, 404);

    const again = await ctl('delete_shovel', '-p', vh, 's1');
    assert.equal(again.code, 69);
    assert.equal(again.stdout, `Deleting shovel s1 in vhost ${vh}\n`);
    assert.equal(again.stderr, `Error:\nShovel with the given name was not found on the target node '${node}' and / or virtual host '${vh}'\n`);
    const missing = await ctl('restart_shovel', 's2'); // in vhost '/', where there is none
    assert.equal(missing.code, 69);
    assert.equal(missing.stderr, `Error:\nShovel with the given name was not found on the target node '${node}' and / or virtual host '/'\n`);
    assert.equal((await ctl('delete_shovel', '-p', vh, 's2', '--formatter', 'json')).stdout, '');
    assert.equal((await ctl('shovel_status', '-q')).stdout, '');
  });
});
