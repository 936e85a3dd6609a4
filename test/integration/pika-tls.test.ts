// pika over AMQPS (test/python/pika_tls.py): an ssl.SSLContext verifying the broker against a
// throw-away CA, TLS 1.2+ only, and mutual TLS with SASL EXTERNAL (the user named by the client
// certificate's distinguished name, as ssl_cert_login_from = distinguished_name). Warren-only: the
// reference RabbitMQ has no TLS listener.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startBroker } from '../../src/index.js';
import type { RunningBroker } from '../../src/index.js';
import { makeCertificates } from '../support/certificates.js';
import { runCheck } from '../support/python.js';

const skip = process.env.WARREN_TEST_URL ? 'Warren-only: the reference RabbitMQ has no TLS listener' : false;

describe('pika over TLS', { skip }, () => {
  let dir: string;
  let plainTls: RunningBroker;
  let mutualTls: RunningBroker;
  const env = (b: RunningBroker, user = 'guest:guest@') => ({ AMQP_URL: `amqps://${user}localhost:${b.tlsPort}/`, CERT_DIR: dir });

  before(async () => {
    dir = makeCertificates();
    const tls = (verify: 'verify_none' | 'verify_peer') => ({
      cacertfile: join(dir, 'ca.pem'), certfile: join(dir, 'server.pem'), keyfile: join(dir, 'server.key'), verify, failIfNoPeerCert: verify === 'verify_peer',
    });
    plainTls = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'none', tlsPort: 0, tls: tls('verify_none') });
    mutualTls = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'none', tlsPort: 0, tls: tls('verify_peer') });
    // The client certificate's subject, as RabbitMQ writes a distinguished name.
    mutualTls.users.addUser('O=warren,CN=tlsuser', null);
    mutualTls.users.setPermissions('O=warren,CN=tlsuser', '/', { configure: '.*', write: '.*', read: '.*' });
  });
  after(async () => {
    await plainTls?.close();
    await mutualTls?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('round trip over TLS with the server verified against the CA', async () => {
    const r = await runCheck('pika_tls.py', 'tls_round_trip', env(plainTls), 30_000);
    assert.match(String(r.tls_version), /^TLSv1\.[23]$/);
  });

  test('TLS 1.1 is refused', async () => {
    await runCheck('pika_tls.py', 'tls_old_versions_refused', env(plainTls), 30_000);
  });

  test('mutual TLS: EXTERNAL logs in as the certificate\'s user', async () => {
    await runCheck('pika_tls.py', 'external', env(mutualTls, ''), 30_000);
  });

  test('mutual TLS with fail_if_no_peer_cert: a client without a certificate is refused', async () => {
    await runCheck('pika_tls.py', 'no_client_certificate_refused', env(mutualTls), 30_000);
  });
});
