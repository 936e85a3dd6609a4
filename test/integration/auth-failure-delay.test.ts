// A refused login is answered only after authFailureDelay (against password guessing; RabbitMQ
// 3.10.8 answers at once), without holding up anyone else: the delay is a timer, not a block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import { startBroker } from '../../src/index.js';

/** Connects with a wrong password; resolves with the error and how long the refusal took. */
function wrongLogin(port: number): Promise<{ error: Error; after: number } | null> {
  const started = Date.now();
  return amqp.connect(`amqp://guest:wrong@127.0.0.1:${port}`).then(
    async (c) => {
      await c.close();
      return null;
    },
    (error: Error) => ({ error, after: Date.now() - started }),
  );
}

test('a wrong password gets its 403 ACCESS_REFUSED no sooner than the configured delay', { timeout: 20_000 }, async () => {
  const delay = 400;
  const broker = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'error', authFailureDelay: delay });
  try {
    const outcome = await wrongLogin(broker.port);
    assert.ok(outcome, 'the wrong password must be refused');
    assert.match(outcome.error.message, /403 \(ACCESS-REFUSED\)/);
    // A timer never fires early (Node rounds to whole milliseconds: allow 2 ms).
    assert.ok(outcome.after >= delay - 2, `refused after ${outcome.after} ms, configured ${delay} ms`);
  } finally {
    await broker.close();
  }
});

test('while a refusal is pending, other logins and traffic go on', { timeout: 20_000 }, async () => {
  const broker = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'error', authFailureDelay: 60_000 });
  let pending = true;
  const refused = wrongLogin(broker.port).finally(() => (pending = false));
  try {
    const good = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}`);
    const ch = await good.createChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true });
    ch.sendToQueue(queue, Buffer.from('meanwhile'));
    let got: amqp.GetMessage | false = false;
    while (got === false) got = await ch.get(queue, { noAck: true });
    assert.equal(got.content.toString(), 'meanwhile');
    assert.equal(pending, true, 'the wrong login is still waiting for its answer');
    await good.close();
  } finally {
    await broker.close();
  }
  // Closing the broker ends the waiting connection too: it is never let in.
  assert.notEqual(await refused, null);
});
