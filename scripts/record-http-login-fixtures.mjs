// Records RabbitMQ 3.10.8's answers for POST /api/login and /api/auth/attempts/{node}[/source]
// into test/fixtures/http/rabbitmq-3.10.8-login.json (headers included: the login sets a cookie).
// Needs the reference RabbitMQ (scripts/start-rabbitmq.sh 5673: AMQP 5673, HTTP 15673).
// Usage: node scripts/record-http-login-fixtures.mjs
import { writeFileSync } from 'node:fs';
import amqp from 'amqplib';

const base = process.env.RABBITMQ_HTTP ?? 'http://127.0.0.1:15673';
const amqpBase = process.env.RABBITMQ_AMQP ?? 'amqp://127.0.0.1:5673';
const node = process.env.RABBITMQ_NODE ?? 'ref5673@localhost';
const guest = 'Basic ' + Buffer.from('guest:guest').toString('base64');
const call = async (method, path, { body, headers = {} } = {}) => {
  const r = await fetch(base + path, { method, headers, body });
  const text = await r.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
  const keep = ['set-cookie', 'www-authenticate', 'allow', 'content-type', 'cache-control'];
  return { status: r.status, headers: Object.fromEntries(keep.filter((h) => r.headers.has(h)).map((h) => [h, r.headers.get(h)])), body: parsed };
};
const form = (fields) => ({ body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
const out = {};
out.login_ok = await call('POST', '/api/login', form({ username: 'guest', password: 'guest' }));
out.login_bad_password = await call('POST', '/api/login', form({ username: 'guest', password: 'wrong' }));
out.login_no_password = await call('POST', '/api/login', form({ username: 'guest' }));
out.login_json = await call('POST', '/api/login', { body: JSON.stringify({ username: 'guest', password: 'guest' }), headers: { 'content-type': 'application/json' } });
out.login_get = await call('GET', '/api/login');
out.cookie_only = await call('GET', '/api/whoami', { headers: { cookie: out.login_ok.headers['set-cookie'].split(';')[0] } });
// One refused and one accepted AMQP login, so that both protocols are listed.
await amqp.connect(`${amqpBase.replace('amqp://', 'amqp://guest:wrong@')}`).then((c) => c.close(), () => undefined);
await (await amqp.connect(`${amqpBase.replace('amqp://', 'amqp://guest:guest@')}`)).close();
out.auth_attempts = await call('GET', `/api/auth/attempts/${node}`, { headers: { authorization: guest } });
out.auth_attempts_source = await call('GET', `/api/auth/attempts/${node}/source`, { headers: { authorization: guest } });
out.auth_attempts_missing_node = await call('GET', '/api/auth/attempts/nobody@nowhere', { headers: { authorization: guest } });
const file = new URL('../test/fixtures/http/rabbitmq-3.10.8-login.json', import.meta.url);
writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
console.log('recorded', Object.keys(out).length, 'answers');
