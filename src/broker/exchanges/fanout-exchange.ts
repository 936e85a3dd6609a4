import type { FieldTable } from '../../amqp/field-table.js';
import type { Binding, Destination } from '../binding.js';
import { Exchange } from '../exchange.js';

/** Routes to every bound destination, ignoring the routing key. */
export class FanoutExchange extends Exchange {
  readonly type = 'fanout';
  private readonly destinations = new Map<Destination, number>();

  route(_routingKey: string, _headers: FieldTable | undefined, out: Set<Destination>): void {
    for (const d of this.destinations.keys()) out.add(d);
  }

  protected indexAdd(b: Binding): void {
    this.destinations.set(b.destination, (this.destinations.get(b.destination) ?? 0) + 1);
  }

  protected indexRemove(b: Binding): void {
    const n = (this.destinations.get(b.destination) ?? 1) - 1;
    if (n <= 0) this.destinations.delete(b.destination);
    else this.destinations.set(b.destination, n);
  }
}
