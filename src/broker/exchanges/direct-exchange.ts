import type { FieldTable } from '../../amqp/field-table.js';
import type { Binding, Destination } from '../binding.js';
import { Exchange } from '../exchange.js';

/** Routes to bindings whose key equals the routing key: one map lookup per publish. */
export class DirectExchange extends Exchange {
  readonly type: string = 'direct';
  private readonly byKey = new Map<string, Set<Destination>>();

  route(routingKey: string, _headers: FieldTable | undefined, out: Set<Destination>): void {
    const set = this.byKey.get(routingKey);
    if (set) for (const d of set) out.add(d);
  }

  protected indexAdd(b: Binding): void {
    let set = this.byKey.get(b.routingKey);
    if (!set) this.byKey.set(b.routingKey, (set = new Set()));
    set.add(b.destination);
  }

  protected indexRemove(b: Binding): void {
    const set = this.byKey.get(b.routingKey);
    if (!set) return;
    // Another binding with the same key and destination but other arguments keeps the route.
    for (const other of this.bindings.values()) {
      if (other.destination === b.destination && other.routingKey === b.routingKey) return;
    }
    set.delete(b.destination);
    if (set.size === 0) this.byKey.delete(b.routingKey);
  }
}
