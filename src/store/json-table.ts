import type { FieldTable, FieldValue } from '../amqp/field-table.js';
import { Decimal, TypedValue } from '../amqp/field-table.js';

/**
 * Field tables as plain JSON, the way RabbitMQ's definitions files show arguments: numbers,
 * strings, booleans, nested objects and arrays. Wire-type detail (byte vs long) is not kept.
 */
export function tableToJson(t: FieldTable): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t)) out[k] = valueToJson(v);
  return out;
}

function valueToJson(v: FieldValue): unknown {
  if (v instanceof TypedValue) return typeof v.value === 'bigint' ? Number(v.value) : v.value;
  if (v instanceof Decimal) return v.value / 10 ** v.scale;
  if (typeof v === 'bigint') return Number(v);
  if (Buffer.isBuffer(v)) return v.toString();
  if (Array.isArray(v)) return v.map(valueToJson);
  if (v !== null && typeof v === 'object') return tableToJson(v as FieldTable);
  return v;
}

export function jsonToTable(j: unknown): FieldTable {
  const out: FieldTable = {};
  if (j === null || typeof j !== 'object') return out;
  for (const [k, v] of Object.entries(j as Record<string, unknown>)) out[k] = jsonToValue(v);
  return out;
}

function jsonToValue(v: unknown): FieldValue {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(jsonToValue);
  if (typeof v === 'object') return jsonToTable(v);
  return v as FieldValue;
}
