// Which management user tag may call what: management, policymaker, monitoring (and administrator,
// which may do everything). The expected statuses and texts are RabbitMQ 3.10.8's, recorded on the
// reference node with three users of one tag each (management and policymaker with full
// permissions on '/', monitoring with none) on 2026-11-24.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningBroker } from '../../src/index.js';
import { api, startHttpBroker } from './support.js';

let broker: RunningBroker;
let admin: ReturnType<typeof api>;

const notMonitor = { error: 'not_authorised', reason: 'Not monitor user' };
const notObject = { error: 'not_authorised', reason: 'User not authorised to access object' };
const notAdmin = { error: 'not_authorised', reason: 'Not administrator user' };
const policy = { pattern: '^tags-nothing$', definition: { 'max-length': 1 } };

/** [method, path, body, answer for management, for policymaker, for monitoring]: a status, or a status and body. */
type Answer = number | [number, unknown];
const matrix: [string, string, unknown, Answer, Answer, Answer][] = [
  ['GET', '/api/nodes', undefined, [401, notMonitor], [401, notMonitor], 200],
  ['GET', '/api/nodes/NODE', undefined, [401, notMonitor], [401, notMonitor], 200],
  ['GET', '/api/nodes/NODE/memory', undefined, [401, notMonitor], [401, notMonitor], 200],
  ['GET', '/api/auth/attempts/NODE', undefined, [401, notMonitor], [401, notMonitor], 200],
  ['GET', '/api/shovels', undefined, [401, notMonitor], [401, notMonitor], [200, []]],
  ['GET', '/api/parameters', undefined, [401, notObject], 200, [401, notObject]],
  ['GET', '/api/parameters/shovel/%2F', undefined, [401, notObject], [200, []], [401, notObject]],
  ['GET', '/api/global-parameters', undefined, [401, notObject], 200, [401, notObject]],
  ['PUT', '/api/policies/%2F/tags.pol', policy, [401, notObject], 201, [401, notObject]],
  ['DELETE', '/api/policies/%2F/tags.pol', undefined, [401, notObject], 204, [401, notObject]],
  ['PUT', '/api/operator-policies/%2F/tags.op', policy, [401, notAdmin], [401, notAdmin], [401, notAdmin]],
  ['GET', '/api/vhost-limits', undefined, 200, 200, 200],
  ['GET', '/api/vhost-limits/%2F', undefined, [200, []], [200, []], 200],
  ['GET', '/api/user-limits', undefined, 200, 200, 200],
  ['GET', '/api/connections', undefined, [200, []], [200, []], [200, []]],
  ['GET', '/api/definitions/%2F', undefined, [401, notAdmin], [401, notAdmin], [401, notAdmin]],
  ['GET', '/api/users', undefined, [401, notAdmin], [401, notAdmin], [401, notAdmin]],
];

before(async () => {
  broker = await startHttpBroker();
  admin = api(broker);
  for (const [user, tags] of [['tags.mu', 'management'], ['tags.pm', 'policymaker'], ['tags.mon', 'monitoring']]) {
    assert.equal((await admin('PUT', `/api/users/${user}`, { password: 'pw', tags })).status, 201);
  }
  for (const user of ['tags.mu', 'tags.pm']) {
    assert.equal((await admin('PUT', `/api/permissions/%2F/${user}`, { configure: '.*', write: '.*', read: '.*' })).status, 201);
  }
});

after(async () => {
  await broker.close();
});

test('each tag gets the status (and refusal text) RabbitMQ 3.10.8 gives it', async () => {
  const node = (await admin('GET', '/api/overview')).body.node as string;
  const users = [api(broker, 'tags.mu', 'pw'), api(broker, 'tags.pm', 'pw'), api(broker, 'tags.mon', 'pw')];
  for (const [method, path, body, ...answers] of matrix) {
    for (let i = 0; i < users.length; i++) {
      const r = await users[i](method, path.replace('NODE', encodeURIComponent(node)), body);
      const want = answers[i];
      const what = `${['management', 'policymaker', 'monitoring'][i]}: ${method} ${path}`;
      if (typeof want === 'number') assert.equal(r.status, want, what);
      else assert.deepEqual([r.status, r.body], want, what);
    }
  }
});

test('a policymaker may change policies and parameters only in the vhosts it may use (RabbitMQ 3.10.8\'s refusal)', async () => {
  assert.equal((await admin('PUT', '/api/vhosts/tags.other')).status, 201);
  const pm = api(broker, 'tags.pm', 'pw');
  const refused = { error: 'not_authorised', reason: 'User not authorised to access object' };
  assert.deepEqual(await pm('PUT', '/api/policies/tags.other/p', policy).then((r) => [r.status, r.body]), [401, refused]);
  const shovel = { value: { 'src-uri': 'amqp://', 'src-queue': 'a', 'dest-uri': 'amqp://', 'dest-queue': 'b' } };
  assert.deepEqual(await pm('PUT', '/api/parameters/shovel/tags.other/s', shovel).then((r) => [r.status, r.body]), [401, refused]);
  assert.equal((await admin('DELETE', '/api/vhosts/tags.other')).status, 204);
});
