// Permission enforcement as RabbitMQ 3.10's matrix: which of configure/write/read each operation
// needs on which resource, in which order, and the exact 403 texts (checked against RabbitMQ
// 3.10.8 with WARREN_TEST_URL=amqp://guest:guest@127.0.0.1:5673/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Channel, ChannelModel } from 'amqplib';
import { uniqueName } from '../support/broker.js';
import { connectAs, outcome, startAccessBroker, type AccessBroker, type Perms } from '../support/access.js';

const LIMIT = { timeout: 60_000 };
const ALL = '.*';

let broker: AccessBroker;
let admin: ChannelModel;
let adminCh: Channel;
const p = uniqueName('acc');
const X = `${p}.x`;
const X2 = `${p}.x2`;
const Q = `${p}.q`;
const cleanupExchanges: string[] = [X, X2];
const cleanupQueues: string[] = [Q];

/** One user per combination of permissions, each with its own name. */
const profiles: Record<string, Perms> = {
  none: { configure: '', write: '', read: '' },
  conf: { configure: ALL, write: '', read: '' },
  write: { configure: '', write: ALL, read: '' },
  read: { configure: '', write: '', read: ALL },
  wr: { configure: '', write: ALL, read: ALL },
  all: { configure: ALL, write: ALL, read: ALL },
};
const userOf = (profile: string) => `${p}-${profile}`;

before(async () => {
  broker = await startAccessBroker();
  for (const [profile, perms] of Object.entries(profiles)) broker.addUser(userOf(profile), 'pw', perms);
  admin = await connectAs(broker.url('guest', 'guest'));
  adminCh = await admin.createChannel();
  await adminCh.assertExchange(X, 'direct', { durable: false });
  await adminCh.assertExchange(X2, 'direct', { durable: false });
  await adminCh.assertQueue(Q, { durable: false });
  for (const profile of Object.keys(profiles)) {
    await adminCh.assertExchange(`${p}.del.${profile}`, 'direct', { durable: false });
    await adminCh.assertQueue(`${p}.del.${profile}`, { durable: false });
    cleanupExchanges.push(`${p}.del.${profile}`);
    cleanupQueues.push(`${p}.del.${profile}`);
  }
}, LIMIT);

after(async () => {
  for (const x of cleanupExchanges) await adminCh.deleteExchange(x).catch(() => {});
  for (const q of cleanupQueues) await adminCh.deleteQueue(q).catch(() => {});
  await admin.close().catch(() => {});
  await broker.close();
}, LIMIT);

const refused = (what: string, profile: string) => `ACCESS_REFUSED - access to ${what} in vhost '/' refused for user '${userOf(profile)}'`;

interface Case {
  name: string;
  op: (ch: Channel, profile: string) => Promise<unknown>;
  /** The refusal expected for a profile, or null when the operation is allowed. */
  expect: (perms: Perms, profile: string) => string | RegExp | null;
}

const need = (access: keyof Perms, what: (profile: string) => string) => (perms: Perms, profile: string) =>
  perms[access] === ALL ? null : refused(what(profile), profile);
/** Bindings: write on the destination first, then read on the source. */
const bindNeeds = (dest: (profile: string) => string, source: string) => (perms: Perms, profile: string) =>
  perms.write !== ALL ? refused(dest(profile), profile) : perms.read !== ALL ? refused(`exchange '${source}'`, profile) : null;

const newName = (kind: string, profile: string) => {
  const n = `${p}.new.${kind}.${profile}`;
  if (kind.startsWith('x')) cleanupExchanges.push(n);
  else cleanupQueues.push(n);
  return n;
};

const cases: Case[] = [
  {
    name: 'exchange.declare needs configure on the exchange',
    op: (ch, profile) => ch.assertExchange(newName('x', profile), 'direct', { durable: false }),
    expect: need('configure', (profile) => `exchange '${p}.new.x.${profile}'`),
  },
  { name: 'passive exchange.declare needs nothing', op: (ch) => ch.checkExchange(X), expect: () => null },
  {
    name: 'exchange.delete needs configure on the exchange',
    op: (ch, profile) => ch.deleteExchange(`${p}.del.${profile}`),
    expect: need('configure', (profile) => `exchange '${p}.del.${profile}'`),
  },
  {
    name: 'exchange.delete of a missing exchange still needs configure',
    op: (ch) => ch.deleteExchange(`${p}.missing`),
    expect: need('configure', () => `exchange '${p}.missing'`),
  },
  {
    name: 'queue.declare needs configure on the queue',
    op: (ch, profile) => ch.assertQueue(newName('q', profile), { durable: false }),
    expect: need('configure', (profile) => `queue '${p}.new.q.${profile}'`),
  },
  {
    name: 'a server-named queue is checked under its generated amq.gen- name',
    op: (ch) => ch.assertQueue('', { exclusive: true }),
    expect: (perms, profile) => perms.configure === ALL ? null
      : new RegExp(`^ACCESS_REFUSED - access to queue 'amq\\.gen-[A-Za-z0-9_-]{22}' in vhost '/' refused for user '${userOf(profile).replace(/\./g, '\\.')}'$`),
  },
  { name: 'passive queue.declare needs nothing', op: (ch) => ch.checkQueue(Q), expect: () => null },
  {
    name: 'queue.declare with a dead-letter exchange also needs read on the queue and write on the exchange',
    op: (ch, profile) => ch.assertQueue(newName('qdlx', profile), { durable: false, deadLetterExchange: X }),
    expect: (perms, profile) => perms.configure !== ALL ? refused(`queue '${p}.new.qdlx.${profile}'`, profile)
      : perms.read !== ALL ? refused(`queue '${p}.new.qdlx.${profile}'`, profile)
      : perms.write !== ALL ? refused(`exchange '${X}'`, profile) : null,
  },
  {
    name: 'queue.delete needs configure on the queue',
    op: (ch, profile) => ch.deleteQueue(`${p}.del.${profile}`),
    expect: need('configure', (profile) => `queue '${p}.del.${profile}'`),
  },
  {
    name: 'queue.delete of a missing queue still needs configure',
    op: (ch) => ch.deleteQueue(`${p}.missing`),
    expect: need('configure', () => `queue '${p}.missing'`),
  },
  { name: 'queue.purge needs read on the queue', op: (ch) => ch.purgeQueue(Q), expect: need('read', () => `queue '${Q}'`) },
  { name: 'queue.bind needs write on the queue and read on the exchange', op: (ch) => ch.bindQueue(Q, X, 'k'), expect: bindNeeds(() => `queue '${Q}'`, X) },
  { name: 'queue.unbind needs the same', op: (ch) => ch.unbindQueue(Q, X, 'k'), expect: bindNeeds(() => `queue '${Q}'`, X) },
  { name: 'exchange.bind needs write on the destination and read on the source', op: (ch) => ch.bindExchange(X2, X, 'k'), expect: bindNeeds(() => `exchange '${X2}'`, X) },
  { name: 'exchange.unbind needs the same', op: (ch) => ch.unbindExchange(X2, X, 'k'), expect: bindNeeds(() => `exchange '${X2}'`, X) },
  {
    name: 'basic.publish needs write on the exchange',
    op: async (ch) => ch.publish(X, 'nowhere', Buffer.from('m')),
    expect: need('write', () => `exchange '${X}'`),
  },
  {
    name: "basic.publish to the default exchange is checked as 'amq.default'",
    op: async (ch) => ch.publish('', `${p}.nowhere`, Buffer.from('m')),
    expect: need('write', () => "exchange 'amq.default'"),
  },
  {
    name: 'basic.publish to a missing exchange is refused before the 404',
    op: async (ch) => ch.publish(`${p}.missing`, 'k', Buffer.from('m')),
    expect: (perms, profile) => perms.write === ALL ? `NOT_FOUND - no exchange '${p}.missing' in vhost '/'` : refused(`exchange '${p}.missing'`, profile),
  },
  { name: 'basic.consume needs read on the queue', op: (ch) => ch.consume(Q, () => {}, { noAck: true }), expect: need('read', () => `queue '${Q}'`) },
  {
    name: 'basic.consume on a missing queue is refused before the 404',
    op: (ch) => ch.consume(`${p}.missing`, () => {}),
    expect: (perms, profile) => perms.read === ALL ? `NOT_FOUND - no queue '${p}.missing' in vhost '/'` : refused(`queue '${p}.missing'`, profile),
  },
  { name: 'basic.get needs read on the queue', op: (ch) => ch.get(Q), expect: need('read', () => `queue '${Q}'`) },
];

for (const c of cases) {
  test(c.name, LIMIT, async () => {
    for (const [profile, perms] of Object.entries(profiles)) {
      const conn = await connectAs(broker.url(userOf(profile), 'pw'));
      try {
        const got = await outcome(conn, (ch) => c.op(ch, profile));
        const want = c.expect(perms, profile);
        if (want instanceof RegExp) assert.match(got ?? 'allowed', want, `${profile}`);
        else assert.equal(got, want, `${profile}`);
      } finally {
        await conn.close().catch(() => {});
      }
    }
  });
}

test('checks come after the type and default-exchange checks, and before the amq.* reserved-name check for exchanges', LIMIT, async () => {
  const conn = await connectAs(broker.url(userOf('none'), 'pw'));
  try {
    assert.equal(await outcome(conn, (ch) => ch.assertExchange('', 'direct')), 'ACCESS_REFUSED - operation not permitted on the default exchange');
    assert.equal(await outcome(conn, (ch) => ch.assertExchange('amq.foo', 'direct')), refused("exchange 'amq.foo'", 'none'));
    assert.equal(await outcome(conn, (ch) => ch.deleteExchange('amq.direct')), "ACCESS_REFUSED - deletion of system exchange 'amq.direct' in vhost '/' not allowed");
    assert.equal(await outcome(conn, (ch) => ch.assertQueue('amq.x')), "ACCESS_REFUSED - queue name 'amq.x' contains reserved prefix 'amq.*'");
    assert.equal(await outcome(conn, (ch) => ch.bindQueue(Q, '', 'k')), refused(`queue '${Q}'`, 'none'));
  } finally {
    await conn.close().catch(() => {});
  }
  const wr = await connectAs(broker.url(userOf('wr'), 'pw'));
  try {
    assert.equal(await outcome(wr, (ch) => ch.bindQueue(Q, '', 'k')), 'ACCESS_REFUSED - operation not permitted on the default exchange');
  } finally {
    await wr.close().catch(() => {});
  }
});

test('an alternate exchange on a new exchange needs read on it and write on the alternate', LIMIT, async () => {
  const name = `${p}.withae`;
  cleanupExchanges.push(name);
  broker.addUser(`${p}-ae`, 'pw', { configure: ALL, write: '', read: ALL });
  const conn = await connectAs(broker.url(`${p}-ae`, 'pw'));
  try {
    assert.equal(await outcome(conn, (ch) => ch.assertExchange(name, 'direct', { durable: false, alternateExchange: X })),
      refused(`exchange '${X}'`, 'ae'));
  } finally {
    await conn.close().catch(() => {});
  }
});

test('patterns are unanchored regular expressions; an empty pattern grants nothing', LIMIT, async () => {
  const user = `${p}-re`;
  broker.addUser(user, 'pw', { configure: 'ab', write: '^pre\\.', read: '' });
  const conn = await connectAs(broker.url(user, 'pw'));
  const deny = (what: string) => `ACCESS_REFUSED - access to ${what} in vhost '/' refused for user '${user}'`;
  const xab = `${p}.xaby`;
  cleanupExchanges.push(xab);
  try {
    assert.equal(await outcome(conn, (ch) => ch.assertExchange(xab, 'fanout', { durable: false })), null);
    assert.equal(await outcome(conn, (ch) => ch.assertExchange(`${p}.xy`, 'fanout', { durable: false })), deny(`exchange '${p}.xy'`));
    assert.equal(await outcome(conn, async (ch) => ch.publish(xab, 'k', Buffer.from('m'))), deny(`exchange '${xab}'`));
    assert.equal(await outcome(conn, (ch) => ch.get(Q)), deny(`queue '${Q}'`));
  } finally {
    await conn.close().catch(() => {});
  }
});

test('a message may name only its publisher in user_id, unless the publisher is tagged impersonator', LIMIT, async () => {
  const [plain, relay] = [`${p}-uid`, `${p}-relay`];
  broker.addUser(plain, 'pw', { configure: ALL, write: ALL, read: ALL });
  broker.addUser(relay, 'pw', { configure: ALL, write: ALL, read: ALL }, ['impersonator']);
  const publishAs = async (user: string, userId: string) => {
    const conn = await connectAs(broker.url(user, 'pw'));
    try {
      let seen: string | undefined;
      const refusal = await outcome(conn, async (ch) => {
        const { queue } = await ch.assertQueue('', { exclusive: true });
        ch.sendToQueue(queue, Buffer.from('m'), { userId });
        await ch.checkQueue(queue);
        const got = await ch.get(queue, { noAck: true });
        seen = got ? got.properties.userId : undefined;
      });
      return { refusal, seen };
    } finally {
      await conn.close().catch(() => {});
    }
  };
  assert.deepEqual(await publishAs(plain, plain), { refusal: null, seen: plain });
  assert.deepEqual(await publishAs(plain, 'someone-else'), {
    refusal: `PRECONDITION_FAILED - user_id property set to 'someone-else' but authenticated user was '${plain}'`, seen: undefined,
  });
  assert.deepEqual(await publishAs(relay, 'someone-else'), { refusal: null, seen: 'someone-else' });
});
