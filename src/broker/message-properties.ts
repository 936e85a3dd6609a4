// Decoding and re-encoding a message's property list, for the rare paths that must change it
// (dead-lettering, the x-delivery-count header of quorum queues). Delivery normally forwards the
// publisher's bytes untouched.
import { Reader } from '../amqp/buffer-reader.js';
import { Writer } from '../amqp/buffer-writer.js';
import { TypedValue } from '../amqp/field-table.js';
import type { FieldTable } from '../amqp/field-table.js';
import { decodeBasicProperties, encodeBasicProperties } from '../amqp/spec.js';
import type { BasicProperties } from '../amqp/spec.js';

export function decodeProperties(properties: Buffer): BasicProperties {
  return decodeBasicProperties(new Reader(properties, 0, properties.length));
}

export function encodeProperties(props: BasicProperties): Buffer {
  const w = new Writer(256);
  encodeBasicProperties(w, props);
  return Buffer.from(w.buf.subarray(0, w.pos));
}

/** A table with its keys in byte order, as RabbitMQ leaves every table it writes a value into. */
export function sortedTable(t: FieldTable): FieldTable {
  const keys = Object.keys(t).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const out: FieldTable = {};
  for (const k of keys) out[k] = t[k];
  return out;
}

/** An AMQP long ('l'), the type RabbitMQ gives counters it writes into headers. */
export function long(n: number): TypedValue {
  return new TypedValue('l', n);
}

/**
 * The property list with header x-delivery-count set to `count` (a long), headers sorted: what a
 * quorum queue delivers (RabbitMQ adds it at delivery; the stored message is unchanged).
 */
export function withDeliveryCount(properties: Buffer, count: number): Buffer {
  const props = decodeProperties(properties);
  props.headers = sortedTable({ ...props.headers, 'x-delivery-count': long(count) });
  return encodeProperties(props);
}
