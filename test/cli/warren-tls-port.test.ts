// `warren --tls-port P` and WARREN_TLS_PORT open the AMQPS listener like listeners.ssl.default,
// with the certificates named by ssl_options.* in the config file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { freePort, startChildBroker } from '../support/child-broker.js';
import { makeCertificates } from '../support/certificates.js';

describe('warren --tls-port', () => {
  let certs: string;
  let conf: string;
  before(() => {
    certs = makeCertificates();
    conf = join(certs, 'rabbitmq.conf');
    writeFileSync(conf, ['cacertfile', 'certfile', 'keyfile'].map((k) => `ssl_options.${k} = ${join(certs, k === 'cacertfile' ? 'ca.pem' : k === 'certfile' ? 'server.pem' : 'server.key')}`).join('\n') + '\n');
  });
  after(() => rmSync(certs, { recursive: true, force: true }));

  const roundTrip = async (tlsPort: number) => {
    // The TLS listener opens just after the plain one the child broker helper waits for.
    const open = () => amqp.connect(`amqps://guest:guest@localhost:${tlsPort}/`, { ca: [readFileSync(join(certs, 'ca.pem'))] });
    let c: Awaited<ReturnType<typeof open>> | undefined;
    for (let i = 0; i < 100 && !c; i++) c = await open().catch(() => new Promise<undefined>((r) => setTimeout(() => r(undefined), 100)));
    assert.ok(c, `no AMQPS listener on ${tlsPort}`);
    const ch = await c.createChannel();
    const q = (await ch.assertQueue('', { exclusive: true })).queue;
    assert.equal(q.startsWith('amq.gen-'), true);
    await c.close();
  };

  test('the flag opens the TLS listener', async () => {
    const tlsPort = await freePort();
    const b = await startChildBroker(mkdtempSync(join(tmpdir(), 'warren-tls-cli-')), undefined, ['--config', conf, '--tls-port', String(tlsPort)]);
    try {
      await roundTrip(tlsPort);
    } finally {
      assert.equal(await b.stop(), 0);
    }
  });

  test('WARREN_TLS_PORT does the same', async () => {
    const tlsPort = await freePort();
    const b = await startChildBroker(mkdtempSync(join(tmpdir(), 'warren-tls-cli-')), undefined, ['--config', conf], { WARREN_TLS_PORT: String(tlsPort) });
    try {
      await roundTrip(tlsPort);
    } finally {
      assert.equal(await b.stop(), 0);
    }
  });
});
