import type { FieldTable } from '../amqp/field-table.js';
import type { BasicProperties } from '../amqp/spec.js';
import type { Destination } from './binding.js';
import type { Exchange } from './exchange.js';
import type { Queue } from './queue.js';

/**
 * Resolves a publish to the set of queues it lands in: the exchange's own matches, exchange-to-
 * exchange bindings followed transitively (each exchange visited once, so cycles end), and
 * alternate exchanges for exchanges that matched nothing.
 */
export function routeToQueues(
  start: Exchange,
  routingKeys: readonly string[],
  headers: FieldTable | undefined,
  alternateOf: (e: Exchange) => Exchange | undefined,
  out: Set<Queue>,
  properties?: BasicProperties,
): void {
  const visited = new Set<Exchange>();
  const pending: Exchange[] = [start];
  const matched = new Set<Destination>();
  while (pending.length > 0) {
    const ex = pending.pop()!;
    if (visited.has(ex)) continue;
    visited.add(ex);
    matched.clear();
    for (const key of routingKeys) ex.route(key, headers, matched, properties);
    if (matched.size === 0) {
      const ae = alternateOf(ex);
      if (ae) pending.push(ae);
      continue;
    }
    for (const d of matched) {
      if (d.kind === 'queue') out.add(d);
      else pending.push(d);
    }
  }
}
