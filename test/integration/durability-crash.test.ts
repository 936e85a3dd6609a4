// kill -9 at random moments while a publisher streams persistent messages with confirms:
// after every restart each confirmed message is there exactly once and nothing is invented.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, statSync, truncateSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { startChildBroker } from '../support/child-broker.js';
import type { ChildBroker } from '../support/child-broker.js';

const children: ChildBroker[] = [];
after(async () => {
  for (const c of children) if (c.process.exitCode === null) await c.kill();
});

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function start(dir: string): Promise<ChildBroker> {
  const b = await startChildBroker(dir);
  children.push(b);
  return b;
}

/**
 * Publishes until the connection dies; returns the ids the broker confirmed and all sent.
 * The kill is timed from the first confirm (not from the connect), so that every round kills a
 * broker that is confirming, however slowly a loaded machine starts its sync worker.
 */
async function publishUntilKilled(url: string, prefix: string, killAfterMs: number, kill: () => Promise<void>) {
  const conn = await amqp.connect(url);
  conn.on('error', () => {});
  const ch = await conn.createConfirmChannel();
  ch.on('error', () => {});
  await ch.assertQueue('crash', { durable: true });
  const confirmed = new Set<string>();
  const sent = new Set<string>();
  let alive = true;
  conn.on('close', () => (alive = false));
  let firstConfirm!: () => void;
  const confirming = new Promise<void>((resolve) => (firstConfirm = resolve));
  const killer = confirming.then(() => new Promise<void>((resolve) => setTimeout(() => kill().then(resolve), killAfterMs)));
  let i = 0;
  while (alive) {
    const id = `${prefix}-${i++}`;
    sent.add(id);
    try {
      ch.sendToQueue('crash', Buffer.from(id), { persistent: true }, (err) => {
        if (err) return;
        confirmed.add(id);
        firstConfirm();
      });
    } catch {
      break;
    }
    // Keep a bounded number in flight and let the event loop breathe.
    if (i % 200 === 0) await new Promise((r) => setImmediate(r));
    if (sent.size - confirmed.size > 2000) await new Promise((r) => setTimeout(r, 1));
  }
  await killer;
  return { confirmed, sent };
}

async function drain(url: string): Promise<string[]> {
  const conn = await amqp.connect(url);
  const ch = await conn.createChannel();
  const out: string[] = [];
  for (;;) {
    const m = await ch.get('crash', { noAck: true });
    if (!m) break;
    out.push(m.content.toString());
  }
  await conn.close();
  return out;
}

describe('crash recovery', () => {
  test('after SIGKILL at random points, every confirmed message is recovered exactly once', { timeout: 180_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-crash-'));
    const random = mulberry32(0xc0ffee);
    const rounds = 5;
    let totalConfirmed = 0;
    for (let round = 0; round < rounds; round++) {
      const broker = await start(dir);
      const { confirmed, sent } = await publishUntilKilled(broker.url, `r${round}`, 150 + Math.floor(random() * 600), () => broker.kill());
      totalConfirmed += confirmed.size;
      const after = await start(dir);
      const recovered = await drain(after.url);
      await after.stop();
      const seen = new Set<string>();
      for (const id of recovered) {
        assert.ok(!seen.has(id), `round ${round}: ${id} recovered twice`);
        seen.add(id);
        assert.ok(sent.has(id), `round ${round}: ${id} was never published`);
      }
      const missing = [...confirmed].filter((id) => !seen.has(id));
      t.diagnostic(`round ${round}: sent ${sent.size}, confirmed ${confirmed.size}, recovered ${recovered.length}, lost ${missing.length}`);
      assert.deepEqual(missing.slice(0, 5), [], `round ${round}: ${missing.length} confirmed messages lost`);
    }
    assert.ok(totalConfirmed >= rounds, 'the publisher got no confirms: the test proved nothing');
  });

  test('a torn or corrupt tail of the last segment is cut off and everything before it recovers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-torn-'));
    const broker = await start(dir);
    const conn = await amqp.connect(broker.url);
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue('crash', { durable: true });
    for (let i = 0; i < 100; i++) ch.sendToQueue('crash', Buffer.from(`m${i}`), { persistent: true });
    await ch.waitForConfirms();
    await conn.close();
    await broker.kill();
    const msgs = join(dir, 'msgs');
    const last = readdirSync(msgs).filter((f) => f.endsWith('.seg')).sort().map((f) => join(msgs, f)).filter((f) => statSync(f).size > 0).at(-1)!;
    truncateSync(last, statSync(last).size - 7); // tear the last record
    appendFileSync(last, Buffer.from([0, 0, 0, 40, 1, 2, 3, 4, 5])); // and add junk after it
    const again = await start(dir);
    const recovered = await drain(again.url);
    assert.deepEqual(recovered, Array.from({ length: 99 }, (_, i) => `m${i}`));
    // The broker keeps working on the repaired log.
    const c2 = await amqp.connect(again.url);
    const ch2 = await c2.createConfirmChannel();
    ch2.sendToQueue('crash', Buffer.from('after'), { persistent: true });
    await ch2.waitForConfirms();
    await c2.close();
    await again.stop();
    const third = await start(dir);
    assert.deepEqual(await drain(third.url), ['after']);
    await third.stop();
  });
});
