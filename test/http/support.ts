// Helpers for the management API tests: an in-process Warren with HTTP on a free port, a fetch
// wrapper with basic auth, and the RabbitMQ 3.10.8 responses recorded by
// scripts/record-http-fixtures.mjs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startBroker, type BrokerOptions, type RunningBroker } from '../../src/index.js';

export const rabbit = JSON.parse(readFileSync(new URL('../../../test/fixtures/http/rabbitmq-3.10.8.json', import.meta.url), 'utf8'));
/** Answers to the endpoints beyond the basic objects, recorded by scripts/record-http-api-fixtures.mjs. */
export const rabbitApi = JSON.parse(readFileSync(new URL('../../../test/fixtures/http/rabbitmq-3.10.8-api.json', import.meta.url), 'utf8'));
/** Answers to the gaps a differential probe found, recorded by scripts/record-http-gap-fixtures.mjs. */
export const rabbitGaps = JSON.parse(readFileSync(new URL('../../../test/fixtures/http/rabbitmq-3.10.8-gaps.json', import.meta.url), 'utf8'));
export const rabbitDefinitions = JSON.parse(readFileSync(new URL('../../../test/fixtures/http/rabbitmq-definitions.json', import.meta.url), 'utf8'));

export async function startHttpBroker(options: Partial<BrokerOptions> = {}): Promise<RunningBroker> {
  return startBroker({ port: 0, host: '127.0.0.1', httpPort: 0, logLevel: 'error', ...options });
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
}

export function api(broker: RunningBroker, user = 'guest', pass = 'guest') {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> => {
    const r = await fetch(`http://127.0.0.1:${broker.httpPort}${path}`, {
      method,
      headers: { authorization: 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64'), 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, headers: r.headers, body: text === '' ? null : JSON.parse(text) };
  };
}

const jsonType = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Warren's object uses only field names RabbitMQ uses for the same object, with the same JSON
 * types (null allowed where RabbitMQ has a value Warren cannot know, and the reverse), and has
 * every field in `required`. Nested objects are compared the same way.
 */
export function assertSameShape(warren: Record<string, unknown>, rabbitObj: Record<string, unknown>, required: string[], what: string): void {
  for (const k of required) assert.ok(k in warren, `${what}: Warren lacks '${k}'`);
  for (const [k, v] of Object.entries(warren)) {
    assert.ok(k in rabbitObj, `${what}: '${k}' is not a RabbitMQ field`);
    const r = rabbitObj[k];
    if (v === null || r === null) continue;
    assert.equal(jsonType(v), jsonType(r), `${what}.${k}: type ${jsonType(v)} but RabbitMQ has ${jsonType(r)}`);
    if (jsonType(v) === 'object' && !['arguments', 'client_properties', 'cluster_state', 'capabilities'].includes(k)) {
      assertSameShape(v as Record<string, unknown>, r as Record<string, unknown>, [], `${what}.${k}`);
    }
  }
}

type Call = (method: string, path: string, body?: unknown) => Promise<ApiResponse>;

/**
 * Makes the request with `call` and asserts RabbitMQ's recorded answer `name` (status and body)
 * in `fixtures` (rabbitApi unless given).
 */
export async function sameAsRecorded(call: Call, name: string, method: string, path: string, body?: unknown, fixtures: Record<string, { status: number; body: unknown }> = rabbitApi): Promise<ApiResponse> {
  const r = await call(method, path, body);
  assert.deepEqual({ status: r.status, body: r.body }, { status: fixtures[name].status, body: fixtures[name].body }, `${name}: ${method} ${path}`);
  return r;
}
