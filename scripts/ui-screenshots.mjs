// Takes screenshots of the management UI's main pages into docs/screenshots/ (run after
// `npm run build`): starts an in-process Warren on free ports, gives it some traffic with amqplib
// (queues, a dead-letter queue, consumers, a steady publisher), and drives Debian's chromium with
// playwright-core.
//
//   node scripts/ui-screenshots.mjs [outdir]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import amqp from 'amqplib';
import { startBroker } from '../dist/src/index.js';
import { launchBrowser, logIn } from '../dist/test/ui/browser.js';

const outDir = process.argv[2] ?? 'docs/screenshots';
let publishing = true;
mkdirSync(outDir, { recursive: true });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** A slow consumer's ack; dropped once the script is closing its connections. */
const ackLater = (ch, m, ms) => setTimeout(() => { if (publishing) ch.ack(m); }, ms);

const broker = await startBroker({ port: 0, host: '127.0.0.1', httpPort: 0, logLevel: 'error' });
const base = `http://127.0.0.1:${broker.httpPort}`;
const url = `amqp://guest:guest@127.0.0.1:${broker.port}`;
const conns = [];
let browser;
try {
  // A small shop: orders flow through a topic exchange, failures are dead-lettered.
  const admin = await amqp.connect(url, { clientProperties: { connection_name: 'setup' } });
  const ch = await admin.createConfirmChannel();
  await ch.assertExchange('shop.orders', 'topic', { durable: true });
  await ch.assertExchange('shop.events', 'fanout', { durable: true });
  await ch.assertExchange('shop.dlx', 'direct', { durable: true });
  await ch.assertQueue('orders.dlq', { durable: true });
  await ch.bindQueue('orders.dlq', 'shop.dlx', 'orders.created');
  await ch.assertQueue('orders.created', { durable: true, arguments: { 'x-dead-letter-exchange': 'shop.dlx', 'x-message-ttl': 600000 } });
  await ch.bindQueue('orders.created', 'shop.orders', 'order.created.*');
  await ch.assertQueue('emails', { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await ch.bindQueue('emails', 'shop.events', '');
  await ch.assertQueue('audit', { durable: true, arguments: { 'x-max-length': 10000 } });
  await ch.bindQueue('audit', 'shop.events', '');
  await ch.assertQueue('reports', { durable: false, arguments: { 'x-max-priority': 5 } });
  for (let i = 0; i < 37; i++) ch.sendToQueue('orders.dlq', Buffer.from(JSON.stringify({ order: 1000 + i, error: 'payment declined' })), { persistent: true, contentType: 'application/json' });
  for (let i = 0; i < 120; i++) ch.sendToQueue('reports', Buffer.from(`report ${i}`), { priority: i % 5 });
  await ch.waitForConfirms();
  await admin.close();
  const http = (method, path, body) => fetch(base + path, {
    method, body: JSON.stringify(body),
    headers: { authorization: 'Basic ' + Buffer.from('guest:guest').toString('base64'), 'content-type': 'application/json' },
  });
  await http('PUT', '/api/vhosts/staging', { description: 'pre-production' });
  await http('PUT', '/api/users/ops', { password: 'ops-secret', tags: 'monitoring' });
  await http('PUT', '/api/users/checkout', { password: 'checkout-secret', tags: '' });
  await http('PUT', '/api/permissions/%2F/checkout', { configure: '^shop\\.', write: '^shop\\.', read: '^orders\\.' });
  await http('PUT', '/api/permissions/staging/ops', { configure: '', write: '', read: '.*' });
  await http('PUT', '/api/policies/%2F/orders-dlx', { pattern: '^orders\\.', 'apply-to': 'queues', priority: 1, definition: { 'dead-letter-exchange': 'shop.dlx', 'max-length': 100000 } });

  // Steady traffic: a publisher and two consumers, one slow so a backlog builds.
  const pub = await amqp.connect(url, { clientProperties: { connection_name: 'checkout-service' } });
  conns.push(pub);
  const pch = await pub.createConfirmChannel();
  const worker = await amqp.connect(url, { clientProperties: { connection_name: 'order-worker' } });
  conns.push(worker);
  const wch = await worker.createChannel();
  await wch.prefetch(20);
  await wch.consume('orders.created', (m) => ackLater(wch, m, 40));
  const mailer = await amqp.connect(url, { clientProperties: { connection_name: 'mailer' } });
  conns.push(mailer);
  const mch = await mailer.createChannel();
  await mch.prefetch(5);
  await mch.consume('emails', (m) => ackLater(mch, m, 150));
  let n = 0;
  const publisher = (async () => {
    while (publishing) {
      for (let i = 0; i < 10 + (n % 7) * 3; i++) {
        pch.publish('shop.orders', 'order.created.eu', Buffer.from(JSON.stringify({ order: n })), { persistent: true });
        pch.publish('shop.events', '', Buffer.from(JSON.stringify({ event: 'order', n })));
      }
      n++;
      await pch.waitForConfirms();
      await sleep(250);
    }
  })();

  browser = await launchBrowser();
  const page = await browser.context.newPage();
  await page.goto(base + '/');
  // Poll every second, and chart the last minute, so the charts fill quickly.
  await page.evaluate(() => {
    localStorage.setItem('warren-refresh', '1000');
    localStorage.setItem('warren-chart-range', '60');
  });
  await page.reload();
  await page.screenshot({ path: join(outDir, 'login.png') });
  await logIn(page);
  await page.waitForSelector('[data-testid=totals]');
  await sleep(30000);
  await page.evaluate(() => scrollTo(0, 0));
  await page.screenshot({ path: join(outDir, 'overview.png'), fullPage: true });

  await page.goto(base + '/#/queues');
  await page.waitForSelector('[data-testid=queues] tbody tr a');
  await sleep(1500);
  await page.screenshot({ path: join(outDir, 'queues.png'), fullPage: true });

  await page.goto(base + '/#/queues/%2F/orders.created');
  await page.waitForSelector('[data-testid=queue-facts]');
  await sleep(12000);
  await page.screenshot({ path: join(outDir, 'queue.png'), fullPage: true });
  await page.goto(base + '/#/queues/%2F/orders.dlq');
  await page.waitForSelector('[data-testid=queue-facts]');
  await page.click('[data-testid=get-card] summary');
  await page.fill('[data-testid=get-messages] input[name=get-count]', '2');
  await page.click('[data-testid=get-messages] button[type=submit]');
  const got = await page.waitForSelector('[data-testid=got-messages] .message, [data-testid=get-messages] .form-error');
  if (await got.evaluate((el) => el.classList.contains('message'))) {
    await page.click('[data-testid=move-card] summary');
    await page.evaluate(() => scrollTo(0, 0));
    await page.screenshot({ path: join(outDir, 'queue-get-move.png'), fullPage: true });
  } else {
    console.warn(`not taken: queue-get-move.png (Get messages failed: ${await got.textContent()})`);
  }

  await page.goto(base + '/#/exchanges');
  await page.waitForSelector('[data-testid=exchanges] tbody tr a');
  await page.screenshot({ path: join(outDir, 'exchanges.png'), fullPage: true });

  await page.goto(base + '/#/exchanges/%2F/shop.orders');
  await page.waitForSelector('[data-testid=exchange-facts]');
  await page.click('[data-testid=publish-card] summary');
  await page.screenshot({ path: join(outDir, 'exchange.png'), fullPage: true });

  await page.goto(base + '/#/connections');
  await page.waitForSelector('[data-testid=connections] tbody tr a');
  await page.screenshot({ path: join(outDir, 'connections.png'), fullPage: true });

  await page.goto(base + '/#/admin/users');
  await page.waitForSelector('[data-testid=users] tbody tr a');
  await page.screenshot({ path: join(outDir, 'admin.png'), fullPage: true });

  await page.goto(base + '/#/admin/policies');
  await page.waitForSelector('[data-testid=policies]');
  await page.screenshot({ path: join(outDir, 'admin-policies.png'), fullPage: true });
  publishing = false;
  await publisher;
  console.log(`screenshots written to ${outDir}`);
} finally {
  publishing = false;
  await browser?.close();
  for (const c of conns) await c.close().catch(() => {});
  await broker.close();
}
