import type { FieldTable } from '../amqp/field-table.js';
import { Writer } from '../amqp/buffer-writer.js';
import type { Exchange } from './exchange.js';
import type { Queue } from './queue.js';

/** Where a binding delivers: a queue, or another exchange (exchange-to-exchange bindings). */
export type Destination = Queue | Exchange;

export interface Binding {
  readonly source: Exchange;
  readonly destination: Destination;
  readonly routingKey: string;
  readonly arguments: FieldTable;
  /** routing key + arguments, identifying the binding among those between the same two ends. */
  readonly key: string;
}

/**
 * Two bindings are the same when their ends, routing key and arguments are equal, types included
 * (as RabbitMQ: {n: 1} and {n: '1'} are different bindings). Arguments are compared by their
 * wire encoding with keys sorted.
 */
export function bindingKey(routingKey: string, args: FieldTable): string {
  const names = Object.keys(args);
  if (names.length === 0) return routingKey;
  const sorted: FieldTable = {};
  for (const n of names.sort()) sorted[n] = args[n];
  const w = new Writer(64);
  w.table(sorted);
  return routingKey + '\u0000' + w.buf.toString('latin1', 0, w.pos);
}
