// The management web UI in a real browser (Debian chromium driven by playwright-core) against an
// in-process Warren: what an operator does, checked on the page and through the API or AMQP.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import amqp from 'amqplib';
import type { Page } from 'playwright-core';
import type { RunningBroker } from '../../src/index.js';
import { api, startHttpBroker } from '../http/support.js';
import { launchBrowser, logIn, type Browser } from './browser.js';

/** Polls until check() returns a truthy value (the UI refreshes every second in these tests). */
async function until<T>(what: string, check: () => Promise<T> | T, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function withTimeout<T>(p: Promise<T>, what: string, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const text = async (page: Page, selector: string) => (await page.locator(selector).first().textContent()) ?? '';

// Each step waits for what the page shows; a step stuck on a missing element fails after 2 minutes.
describe('management web UI', { timeout: 120_000 }, () => {
  let broker: RunningBroker;
  let browser: Browser;
  let page: Page;
  let base: string;
  let call: ReturnType<typeof api>;
  const queue = 'ui.work';

  before(async () => {
    broker = await startHttpBroker();
    base = `http://127.0.0.1:${broker.httpPort}`;
    call = api(broker);
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('dialog', (d) => void d.accept());
    await page.goto(base + '/');
    // Refresh every second instead of every five (the picker's setting, kept in localStorage).
    await page.evaluate(() => localStorage.setItem('warren-refresh', '1000'));
    await page.reload();
  });
  after(async () => {
    await browser?.close();
    await broker?.close();
  });

  const login = (user: string, password: string) => logIn(page, user, password);

  test('a wrong password shows an error and stays on the login page', async () => {
    await login('guest', 'not-the-password');
    const error = await page.waitForSelector('[data-testid=login-error]');
    assert.match((await error.textContent()) ?? '', /Login failed/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('warren-auth')), null);
    assert.equal(await page.locator('nav.nav').count(), 0);
  });

  test('logging in shows the overview: totals, node stats and listeners', async () => {
    await login('guest', 'guest');
    await page.waitForSelector('[data-testid=totals]');
    assert.ok(await page.evaluate(() => sessionStorage.getItem('warren-auth')), 'credentials kept in sessionStorage');
    await until('the node row', async () => (await text(page, '[data-testid=nodes] tbody')).includes('warren@'));
    const nodes = await text(page, '[data-testid=nodes] tbody');
    assert.match(nodes, /\d+(\.\d)? (MiB|GiB|KiB)/, 'memory in use');
    // A single node: no cluster columns (role, in sync, lag are for cluster mode).
    const header = await text(page, '[data-testid=nodes] thead');
    assert.match(header, /Memory/);
    assert.doesNotMatch(header, /Role|In sync|Replication lag/);
    const listeners = await text(page, '[data-testid=listeners] tbody');
    assert.match(listeners, new RegExp(`amqp.*${broker.port}`));
    assert.match(listeners, new RegExp(`http.*${broker.httpPort}`));
    assert.equal((await text(page, '[data-testid=total-queues] .tile-value')).trim(), '0');
  });

  test('a queue added on the queues page exists in the broker and is listed', async () => {
    await page.click('nav.nav >> text=Queues');
    await page.click('[data-testid=add-queue-card] summary');
    await page.fill('[data-testid=add-queue] input[name=queue-name]', queue);
    await page.click('[data-testid=add-queue] button[type=submit]');
    await page.waitForSelector(`[data-testid=queues] a:text-is("${queue}")`);
    const r = await call('GET', `/api/queues/%2F/${queue}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.durable, true);
    await page.fill('[data-testid=add-queue] input[name=queue-name]', 'ui.parking');
    await page.click('[data-testid=add-queue] button[type=submit]');
    await page.waitForSelector('[data-testid=queues] a:text-is("ui.parking")');
  });

  test('published messages show in the queue length and move the queued-messages and rate charts', async () => {
    await page.click(`[data-testid=queues] a:text-is("${queue}")`);
    await page.waitForSelector('[data-testid=queue-facts]');
    assert.equal((await text(page, '[data-testid=queue-total] .tile-value')).trim(), '0');
    // The chart has drawn at least two polls of an empty queue.
    const before = await until('the chart to draw', async () => {
      const points = await page.locator('[data-testid=chart-queued] polyline[data-series=messages]').getAttribute('points', { timeout: 1000 });
      return points && points.split(' ').length >= 2 ? points : null;
    });
    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}`);
    const ch = await conn.createConfirmChannel();
    for (let i = 1; i <= 3; i++) ch.sendToQueue(queue, Buffer.from(`hello ${i}`), { persistent: true });
    await ch.waitForConfirms();
    await conn.close();
    await until('queue length 3 on the page', async () => (await text(page, '[data-testid=queue-total] .tile-value')).trim() === '3');
    await until('the chart legend to show 3', async () => (await text(page, '[data-testid=chart-queued] .legend li[data-series=messages] .legend-value')).trim() === '3');
    const afterPoints = await page.locator('[data-testid=chart-queued] polyline[data-series=messages]').getAttribute('points');
    assert.notEqual(afterPoints, before, 'the line moved');
    // The line now rises: its last point is higher on screen (smaller y) than its first.
    const ys = (afterPoints ?? '').split(' ').map((p) => Number(p.split(',')[1]));
    assert.ok(ys[ys.length - 1] < ys[0], `line rises: ${afterPoints}`);
    // The node's message_stats samples put the publishes on the rate chart as a bump off zero.
    await until('a publish rate on the chart', async () => {
      const points = await page.locator('[data-testid=chart-rates] polyline[data-series=publish]').getAttribute('points', { timeout: 1000 });
      const ys = (points ?? '').split(' ').map((p) => Number(p.split(',')[1]));
      return ys.length >= 2 && Math.min(...ys) < Math.max(...ys);
    });
    await page.click('nav.nav >> text=Queues');
    await until('the list to show 3 messages', async () => {
      const row = page.locator('[data-testid=queues] tbody tr', { hasText: queue });
      return ((await row.locator('[data-testid=row-total]').textContent()) ?? '').trim() === '3';
    });
  });

  test('the queue list filters by name and sorts by a column', async () => {
    const names = async () => page.locator('[data-testid=queues] tbody tr td:nth-child(2)').allTextContents();
    await until('both queues', async () => (await names()).length === 2);
    await page.fill('[data-testid=queues] input[type=search]', 'parking');
    await until('the filter', async () => JSON.stringify(await names()) === '["ui.parking"]');
    await page.fill('[data-testid=queues] input[type=search]', '');
    await page.click('[data-testid=queues] th:text("Total")');
    await until('descending by total', async () => JSON.stringify(await names()) === JSON.stringify([queue, 'ui.parking']));
    await page.click('[data-testid=queues] th:text("Total")');
    await until('ascending by total', async () => JSON.stringify(await names()) === JSON.stringify(['ui.parking', queue]));
  });

  test('purging from the queue page empties the queue', async () => {
    await page.click(`[data-testid=queues] a:text-is("${queue}")`);
    await page.click('[data-testid=purge]');
    await until('queue length 0 on the page', async () => (await text(page, '[data-testid=queue-total] .tile-value')).trim() === '0');
    assert.equal((await call('GET', `/api/queues/%2F/${queue}`)).body.messages, 0);
  });

  test('Move messages: dead-lettered messages go back from the DLQ to their queue, and both pages show it', async () => {
    const origin = 'ui.orders';
    const dlq = 'ui.orders.dlq';
    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}`);
    const ch = await conn.createChannel();
    await ch.assertQueue(dlq, { durable: true });
    await ch.assertQueue(origin, { durable: true, arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': dlq } });
    for (let i = 1; i <= 4; i++) ch.sendToQueue(origin, Buffer.from(`order ${i}`), { persistent: true });
    // A worker refuses them all: they land in the dead-letter queue.
    for (let i = 1; i <= 4; i++) {
      const m = await until('a message to refuse', () => ch.get(origin, { noAck: false }));
      if (m) ch.nack(m, false, false);
    }
    await until('4 dead-lettered', async () => (await ch.checkQueue(dlq)).messageCount === 4);

    await page.click('nav.nav >> text=Queues');
    await page.click(`[data-testid=queues] a:text-is("${dlq}")`);
    await until('4 in the DLQ on its page', async () => (await text(page, '[data-testid=queue-total] .tile-value')).trim() === '4');
    await page.click('[data-testid=move-card] summary');
    await page.fill('[data-testid=move-messages] input[name=dest-queue]', origin);
    await page.click('[data-testid=move-messages] button[type=submit]');
    await until('the DLQ empty on its page', async () => (await text(page, '[data-testid=queue-total] .tile-value')).trim() === '0');
    // The one-off shovel removed itself once done.
    await until('the shovel gone', async () => (await call('GET', '/api/parameters/shovel/%2F')).body.length === 0);

    await page.click('nav.nav >> text=Queues');
    await page.click(`[data-testid=queues] a:text-is("${origin}")`);
    await until('4 back in the origin queue on its page', async () => (await text(page, '[data-testid=queue-total] .tile-value')).trim() === '4');
    const bodies: string[] = [];
    for (let m = await ch.get(origin, { noAck: true }); m; m = await ch.get(origin, { noAck: true })) bodies.push(m.content.toString());
    assert.deepEqual(bodies, ['order 1', 'order 2', 'order 3', 'order 4']);
    await conn.close();
    await page.click('nav.nav >> text=Queues');
  });

  test('an exchange added on the exchanges page can be bound to a queue from its page', async () => {
    await page.click('nav.nav >> text=Exchanges');
    await page.click('[data-testid=add-exchange-card] summary');
    await page.fill('[data-testid=add-exchange] input[name=exchange-name]', 'ui.events');
    await page.selectOption('[data-testid=add-exchange] select[name=exchange-type]', 'topic');
    await page.click('[data-testid=add-exchange] button[type=submit]');
    await page.click('[data-testid=exchanges] a:text-is("ui.events")');
    await page.waitForSelector('[data-testid=exchange-facts]');
    await page.fill('[data-testid=add-binding] input[name=bind-other]', queue);
    await page.fill('[data-testid=add-binding] input[name=bind-routing-key]', 'work.#');
    await page.click('[data-testid=add-binding] button[type=submit]');
    await page.waitForSelector(`[data-testid=bindings-source] a:text-is("${queue}")`);
    const bindings = (await call('GET', '/api/exchanges/%2F/ui.events/bindings/source')).body;
    assert.deepEqual(bindings.map((b: { destination: string; routing_key: string }) => [b.destination, b.routing_key]), [[queue, 'work.#']]);
  });

  test('the connections page lists a client by name, and closing it there closes the client', async () => {
    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}`, { clientProperties: { connection_name: 'ui-test-client' } });
    conn.on('error', () => {});
    const closed = new Promise<Error>((resolve) => conn.on('close', resolve));
    await conn.createChannel();
    await page.click('nav.nav >> text=Connections');
    await page.click('[data-testid=connections] a:has-text("ui-test-client")');
    await page.waitForSelector('[data-testid=connection-facts]');
    assert.match(await text(page, '[data-testid=connection-facts]'), /amqplib/);
    await page.fill('[data-testid=close-connection] input', 'maintenance window');
    await page.click('[data-testid=close-connection] button[type=submit]');
    const err = await withTimeout(closed, 'the client to be closed');
    assert.match(err.message, /320.*maintenance window/);
    await page.waitForSelector('[data-testid=connections]');
  });

  test('admin: a user, a vhost, a permission and a policy added on the admin pages', async () => {
    await page.click('nav.nav >> text=Admin');
    await page.click('[data-testid=add-user-card] summary');
    await page.fill('[data-testid=add-user] input[name=user-name]', 'ui-ops');
    await page.fill('[data-testid=add-user] input[name=user-password]', 's3cret');
    await page.fill('[data-testid=add-user] input[name=user-tags]', 'monitoring');
    await page.click('[data-testid=add-user] button[type=submit]');
    await page.waitForSelector('[data-testid=users] a:text-is("ui-ops")');
    assert.deepEqual((await call('GET', '/api/users/ui-ops')).body.tags, ['monitoring']);

    await page.click('.tabs >> text=Virtual hosts');
    await page.click('[data-testid=add-vhost-card] summary');
    await page.fill('[data-testid=add-vhost] input[name=vhost-name]', 'ui-staging');
    await page.click('[data-testid=add-vhost] button[type=submit]');
    await page.click('[data-testid=vhosts] a:text-is("ui-staging")');
    await page.selectOption('[data-testid=set-permission] select', 'ui-ops');
    await page.click('[data-testid=set-permission] button[type=submit]');
    await page.waitForSelector('[data-testid=permissions] a:text-is("ui-ops")');
    const perm = (await call('GET', '/api/permissions/ui-staging/ui-ops')).body;
    assert.deepEqual([perm.configure, perm.write, perm.read], ['.*', '.*', '.*']);

    await page.click('.tabs >> text=Policies');
    await page.fill('[data-testid=policies-form] input[name=policy-name]', 'ui-ttl');
    await page.fill('[data-testid=policies-form] input[name=policy-pattern]', '^ui\\.');
    await page.click('[data-testid=policies-form] button.link:text("Message TTL")');
    await page.locator('[data-testid=policies-form] .arg-row input[aria-label="Argument value"]').first().fill('60000');
    await page.click('[data-testid=policies-form] button[type=submit]');
    await page.waitForSelector('[data-testid=policies] td:text-is("ui-ttl")');
    const policy = (await call('GET', '/api/policies/%2F/ui-ttl')).body;
    assert.deepEqual(policy.definition, { 'message-ttl': 60000 });
    assert.equal(policy.pattern, '^ui\\.');
  });

  test('the virtual host picker narrows the lists to one vhost', async () => {
    await page.click('nav.nav >> text=Queues');
    await page.waitForSelector(`[data-testid=queues] a:text-is("${queue}")`);
    assert.equal(await page.locator('[data-testid=queues] th:has-text("Virtual host")').count(), 1, 'a vhost column for all vhosts');
    await page.selectOption('[data-testid=vhost-picker]', 'ui-staging');
    await until('the empty staging list', async () => (await text(page, '[data-testid=queues] tbody')).includes('No queues'));
    assert.equal(await page.locator('[data-testid=queues] th:has-text("Virtual host")').count(), 0, 'no vhost column for one vhost');
    await page.selectOption('[data-testid=vhost-picker]', '');
    await page.waitForSelector(`[data-testid=queues] a:text-is("${queue}")`);
    await page.click('nav.nav >> text=Admin');
  });

  test('admin: definitions download as a RabbitMQ definitions file and upload into the broker', async () => {
    await page.click('.tabs >> text=Definitions');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid=export-definitions] button[type=submit]'),
    ]);
    assert.match(download.suggestedFilename(), /^warren_\d{4}-\d{2}-\d{2}\.json$/);
    const path = await download.path();
    const exported = JSON.parse(readFileSync(path, 'utf8'));
    assert.ok(exported.queues.some((q: { name: string }) => q.name === queue), 'the export lists the queue made earlier');
    assert.ok(exported.users.some((u: { name: string }) => u.name === 'ui-ops'));

    const file = join(mkdtempSync(join(tmpdir(), 'warren-defs-')), 'defs.json');
    writeFileSync(file, JSON.stringify({ queues: [{ name: 'ui.imported', vhost: '/', durable: true, auto_delete: false, arguments: { 'x-max-length': 5 } }] }));
    await page.setInputFiles('[data-testid=import-definitions] input[type=file]', file);
    await page.click('[data-testid=import-definitions] button[type=submit]');
    await until('the imported queue', async () => (await call('GET', '/api/queues/%2F/ui.imported')).status === 200);
    assert.deepEqual((await call('GET', '/api/queues/%2F/ui.imported')).body.arguments, { 'x-max-length': 5 });
  });

  test('logging out forgets the credentials and shows the login page', async () => {
    await page.click('[data-testid=logout]');
    await page.waitForSelector('[data-testid=login-form]');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('warren-auth')), null);
    await page.reload();
    await page.waitForSelector('[data-testid=login-form]');
  });
});
