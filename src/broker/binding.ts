import type { FieldTable } from '../amqp/field-table.js';
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

/** Two bindings are the same when their ends, routing key and arguments are equal (as RabbitMQ). */
export function bindingKey(routingKey: string, args: FieldTable): string {
  const names = Object.keys(args);
  if (names.length === 0) return routingKey;
  return routingKey + '\u0000' + JSON.stringify(names.sort().map((n) => [n, String(args[n])]));
}
