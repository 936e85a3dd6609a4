// Message properties and payloads as the management API's publish and get show them (RabbitMQ's
// rabbit_mgmt_format): snake_case property names, headers as plain JSON, payloads as a UTF-8
// string or base64.
import type { BasicProperties } from '../amqp/spec.js';
import { jsonToTable, tableToJson } from '../store/json-table.js';
import { httpErrors } from './errors.js';

const stringProps = {
  content_type: 'contentType', content_encoding: 'contentEncoding', correlation_id: 'correlationId', reply_to: 'replyTo',
  expiration: 'expiration', message_id: 'messageId', type: 'type', user_id: 'userId', app_id: 'appId', cluster_id: 'reserved',
} as const;
const intProps = { delivery_mode: 'deliveryMode', priority: 'priority', timestamp: 'timestamp' } as const;

/** A publish's `properties` object; unknown keys are ignored and wrong types refused, as RabbitMQ does. */
export function propertiesFromJson(j: Record<string, unknown>): BasicProperties {
  const p: BasicProperties = {};
  for (const [json, prop] of Object.entries(stringProps)) {
    const v = j[json];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw httpErrors.badRequest(['not_string', json]);
    p[prop] = v;
  }
  for (const [json, prop] of Object.entries(intProps)) {
    const v = j[json];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw httpErrors.badRequest(['not_int', json]);
    p[prop] = v;
  }
  if (j.headers !== undefined) {
    if (typeof j.headers !== 'object' || j.headers === null || Array.isArray(j.headers)) throw httpErrors.badRequest(['not_table', 'headers']);
    p.headers = jsonToTable(j.headers);
  }
  return p;
}

/** A got message's properties; none at all is [] (RabbitMQ encodes the empty proplist as a list). */
export function propertiesToJson(p: BasicProperties): Record<string, unknown> | [] {
  const out: Record<string, unknown> = {};
  for (const [json, prop] of Object.entries({ ...stringProps, ...intProps })) if (p[prop] !== undefined) out[json] = p[prop];
  if (p.headers !== undefined) out.headers = tableToJson(p.headers);
  return Object.keys(out).length === 0 ? [] : out;
}

/** A publish's payload: payload_encoding "string" (UTF-8) or "base64". */
export function payloadFromJson(payload: unknown, encoding: unknown): Buffer {
  if (encoding !== 'string' && encoding !== 'base64') throw httpErrors.badRequest(['unsupported_encoding', String(encoding)]);
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  if (encoding === 'string') return Buffer.from(text, 'utf8');
  const clean = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) throw httpErrors.badRequest(['not_base64', text]);
  return Buffer.from(clean, 'base64');
}

/**
 * A got message's payload, cut to `truncate` bytes first: with encoding "auto" a valid UTF-8
 * text stays a string, anything else becomes base64.
 */
export function payloadToJson(body: Buffer, encoding: 'auto' | 'base64', truncate: number | undefined): { payload: string; payload_encoding: 'string' | 'base64' } {
  const shown = truncate !== undefined && truncate >= 0 && body.length > truncate ? body.subarray(0, truncate) : body;
  if (encoding === 'auto') {
    const text = shown.toString('utf8');
    if (Buffer.from(text, 'utf8').equals(shown)) return { payload: text, payload_encoding: 'string' };
  }
  return { payload: shown.toString('base64'), payload_encoding: 'base64' };
}
