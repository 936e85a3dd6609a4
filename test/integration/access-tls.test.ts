// AMQPS: a TLS listener (TLS 1.2/1.3 only) in front of the same connection handling, client
// certificates (verify_peer, fail_if_no_peer_cert), SASL EXTERNAL naming the user from the
// certificate, and certificate reload. Throw-away certificates are made with openssl per run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import * as amqp from 'amqplib';
import { startBroker, type RunningBroker } from '../../src/index.js';
import type { BrokerOptions } from '../../src/server/options.js';
import { alternativeNames } from '../../src/server/tls-listener.js';
import { makeCertificates } from '../support/certificates.js';

const LIMIT = { timeout: 30_000 };
const skip = process.env.WARREN_TEST_URL ? 'Warren-only: the reference RabbitMQ has no TLS listener' : false;
let dir: string;

const file = (name: string) => readFileSync(join(dir, name));

async function startTls(verify: 'verify_peer' | 'verify_none', failIfNoPeerCert: boolean, extra = {}): Promise<RunningBroker> {
  return startBroker({
    port: 0, host: '127.0.0.1', logLevel: 'none', tlsPort: 0,
    tls: { cacertfile: join(dir, 'ca.pem'), certfile: join(dir, 'cur.pem'), keyfile: join(dir, 'cur.key'), verify, failIfNoPeerCert },
    ...extra,
  });
}

before(() => {
  if (skip) return;
  dir = makeCertificates();
  copyFileSync(join(dir, 'server.pem'), join(dir, 'cur.pem'));
  copyFileSync(join(dir, 'server.key'), join(dir, 'cur.key'));
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('amqplib over amqps with the CA: publish and get round trip; plain AMQP still works', { ...LIMIT, skip }, async () => {
  const broker = await startTls('verify_none', false);
  try {
    assert.notEqual(broker.tlsPort, null);
    const conn = await amqp.connect(`amqps://guest:guest@localhost:${broker.tlsPort}/`, { ca: [file('ca.pem')] });
    const ch = await conn.createChannel();
    const q = (await ch.assertQueue('', { exclusive: true })).queue;
    ch.sendToQueue(q, Buffer.from('over tls'));
    let got: amqp.GetMessage | false = false;
    for (let i = 0; i < 50 && !got; i++) got = await ch.get(q, { noAck: true });
    assert.ok(got);
    assert.equal(got.content.toString(), 'over tls');
    await conn.close();
    const plain = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}/`);
    await plain.close();
  } finally {
    await broker.close();
  }
});

test('TLS 1.1 and older are refused', { ...LIMIT, skip }, async () => {
  const broker = await startTls('verify_none', false);
  try {
    await assert.rejects(new Promise((resolve, reject) => {
      const s = tlsConnect({ port: broker.tlsPort!, host: '127.0.0.1', ca: [file('ca.pem')], servername: 'localhost', maxVersion: 'TLSv1.1', minVersion: 'TLSv1' }, () => resolve(s));
      s.on('error', reject);
    }));
  } finally {
    await broker.close();
  }
});

test('verify_peer with fail_if_no_peer_cert: no certificate or an unknown CA is refused; EXTERNAL logs in as the DN', { ...LIMIT, skip }, async () => {
  const broker = await startTls('verify_peer', true);
  try {
    broker.users.addUser('O=warren,CN=tlsuser', null);
    broker.users.setPermissions('O=warren,CN=tlsuser', '/', { configure: '.*', write: '.*', read: '.*' });
    const url = `amqps://localhost:${broker.tlsPort}/`;
    await assert.rejects(amqp.connect(`amqps://guest:guest@localhost:${broker.tlsPort}/`, { ca: [file('ca.pem')] }));
    await assert.rejects(amqp.connect(url, { ca: [file('ca.pem')], cert: file('rogue.pem'), key: file('rogue.key'), credentials: amqp.credentials.external() }));
    const conn = await amqp.connect(url, { ca: [file('ca.pem')], cert: file('client.pem'), key: file('client.key'), credentials: amqp.credentials.external() });
    const ch = await conn.createChannel();
    await ch.checkExchange('amq.direct');
    await conn.close();
    // PLAIN still works over the same verified connection.
    const plain = await amqp.connect(`amqps://guest:guest@localhost:${broker.tlsPort}/`, { ca: [file('ca.pem')], cert: file('client.pem'), key: file('client.key') });
    await plain.close();
  } finally {
    await broker.close();
  }
});

test('ssl_cert_login_from = common_name; EXTERNAL is not offered without a client certificate', { ...LIMIT, skip }, async () => {
  const broker = await startTls('verify_peer', false, { sslCertLoginFrom: 'common_name' });
  try {
    broker.users.addUser('tlsuser', null);
    broker.users.setPermissions('tlsuser', '/', { configure: '.*', write: '.*', read: '.*' });
    const url = `amqps://localhost:${broker.tlsPort}/`;
    const conn = await amqp.connect(url, { ca: [file('ca.pem')], cert: file('client.pem'), key: file('client.key'), credentials: amqp.credentials.external() });
    await conn.close();
    // No client certificate: allowed (fail_if_no_peer_cert false), but only with a password.
    await assert.rejects(amqp.connect(url, { ca: [file('ca.pem')], credentials: amqp.credentials.external() }), /EXTERNAL/);
    const plain = await amqp.connect(`amqps://guest:guest@localhost:${broker.tlsPort}/`, { ca: [file('ca.pem')] });
    await plain.close();
  } finally {
    await broker.close();
  }
});

test('ssl_cert_login_from = subject_alternative_name: EXTERNAL logs in as the Nth alternative name of the configured type', { ...LIMIT, skip }, async () => {
  const cases: [BrokerOptions['sslCertLoginSanType'], number, string][] = [
    ['dns', 0, 'tls-dns-user'], ['dns', 1, 'second-dns'], ['email', 0, 'tls-mail@example.com'], ['ip', 0, '10.0.0.7'], ['uri', 0, 'spiffe://warren/tls-uri-user'],
  ];
  for (const [sslCertLoginSanType, sslCertLoginSanIndex, user] of cases) {
    const broker = await startTls('verify_peer', true, { sslCertLoginFrom: 'subject_alternative_name', sslCertLoginSanType, sslCertLoginSanIndex });
    try {
      const login = () => amqp.connect(`amqps://localhost:${broker.tlsPort}/`, { ca: [file('ca.pem')], cert: file('client.pem'), key: file('client.key'), credentials: amqp.credentials.external() });
      // The name must be a user: before it is, the login is refused.
      await assert.rejects(login(), /ACCESS_REFUSED|403/, `${sslCertLoginSanType}[${sslCertLoginSanIndex}] before the user exists`);
      broker.users.addUser(user, null);
      broker.users.setPermissions(user, '/', { configure: '.*', write: '.*', read: '.*' });
      const conn = await login();
      await conn.close();
    } finally {
      await broker.close();
    }
  }
});

test('alternative names are read from Node\'s subjectAltName, quoted values included', () => {
  const san = 'DNS:a.example, IP Address:127.0.0.1, DNS:"with, comma", email:x@y.z, URI:spiffe://t/u, DNS:last';
  assert.deepEqual(alternativeNames(san, 'DNS'), ['a.example', 'with, comma', 'last']);
  assert.deepEqual(alternativeNames(san, 'IP Address'), ['127.0.0.1']);
  assert.deepEqual(alternativeNames(san, 'email'), ['x@y.z']);
  assert.deepEqual(alternativeNames(san, 'URI'), ['spiffe://t/u']);
  assert.deepEqual(alternativeNames('', 'DNS'), []);
});

test('certificate files are reloaded when they change', { ...LIMIT, skip }, async () => {
  const broker = await startTls('verify_none', false);
  const serial = () => new Promise<string>((resolve, reject) => {
    const s = tlsConnect({ port: broker.tlsPort!, host: '127.0.0.1', ca: [file('ca.pem')], servername: 'localhost' }, () => {
      const sn = s.getPeerX509Certificate()!.serialNumber;
      s.destroy();
      resolve(sn);
    });
    s.on('error', reject);
  });
  try {
    const before = await serial();
    copyFileSync(join(dir, 'server2.key'), join(dir, 'cur.key'));
    copyFileSync(join(dir, 'server2.pem'), join(dir, 'cur.pem'));
    const want = new (await import('node:crypto')).X509Certificate(file('server2.pem')).serialNumber;
    let now = before;
    for (let i = 0; i < 100 && now !== want; i++) {
      await new Promise((r) => setTimeout(r, 100));
      now = await serial();
    }
    assert.notEqual(before, want);
    assert.equal(now, want);
  } finally {
    copyFileSync(join(dir, 'server.pem'), join(dir, 'cur.pem'));
    copyFileSync(join(dir, 'server.key'), join(dir, 'cur.key'));
    await broker.close();
  }
});
