import type { FieldTable } from '../../amqp/field-table.js';
import type { Binding, Destination } from '../binding.js';
import { Exchange } from '../exchange.js';
import type { Queue } from '../queue.js';

/**
 * The nameless exchange: every queue is implicitly bound to it under its own name. It holds no
 * bindings of its own; routing is a lookup in the vhost's queue table. Explicit bind/unbind is
 * refused by the vhost (403), as RabbitMQ does.
 */
export class DefaultExchange extends Exchange {
  readonly type = 'direct';

  constructor(
    vhost: string,
    private readonly lookup: (name: string) => Queue | undefined,
  ) {
    super(vhost, '', { durable: true, autoDelete: false, internal: false, arguments: {} });
  }

  route(routingKey: string, _headers: FieldTable | undefined, out: Set<Destination>): void {
    const q = this.lookup(routingKey);
    if (q) out.add(q);
  }

  protected indexAdd(_b: Binding): void {}
  protected indexRemove(_b: Binding): void {}
}
