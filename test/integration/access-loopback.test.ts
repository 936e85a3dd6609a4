// loopback_users: the default 'guest' user may connect only from a loopback address; from any
// other address the login is refused exactly like a wrong password (RabbitMQ 3.10.8 answers
// "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. ..." to clients that
// announce authentication_failure_close, as amqplib does). Warren-only: needs a broker whose
// loopback_users can be set and a non-loopback local address to connect from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import * as amqp from 'amqplib';
import { startBroker } from '../../src/index.js';

const LIMIT = { timeout: 20_000 };
const external = Boolean(process.env.WARREN_TEST_URL);

/** An IPv4 address of this machine that is not loopback, if there is one. */
function localNonLoopback(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}
const address = localNonLoopback();
const skip = external ? 'needs an in-process broker' : address === undefined ? 'no non-loopback address (see test/auth/)' : false;

async function attempt(url: string): Promise<string> {
  try {
    const c = await amqp.connect(url);
    await c.close();
    return 'connected';
  } catch (e) {
    return (e as Error).message;
  }
}

test('guest is refused from a non-loopback address, allowed from loopback', { ...LIMIT, skip }, async () => {
  const broker = await startBroker({ port: 0, host: '0.0.0.0', logLevel: 'none' });
  try {
    broker.users.addUser('remote', 'pw');
    broker.users.setPermissions('remote', '/', { configure: '.*', write: '.*', read: '.*' });
    assert.equal(await attempt(`amqp://guest:guest@127.0.0.1:${broker.port}/`), 'connected');
    assert.match(await attempt(`amqp://guest:guest@${address}:${broker.port}/`),
      /403 \(ACCESS-REFUSED\) with message "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile."/);
    assert.equal(await attempt(`amqp://remote:pw@${address}:${broker.port}/`), 'connected');
  } finally {
    await broker.close();
  }
});

test('loopback_users = none lets guest connect from anywhere', { ...LIMIT, skip }, async () => {
  const broker = await startBroker({ port: 0, host: '0.0.0.0', logLevel: 'none', loopbackUsers: [] });
  try {
    assert.equal(await attempt(`amqp://guest:guest@${address}:${broker.port}/`), 'connected');
  } finally {
    await broker.close();
  }
});
