import type { FieldTable } from '../../amqp/field-table.js';
import type { Binding, Destination } from '../binding.js';
import { errors } from '../errors.js';
import { Exchange } from '../exchange.js';
import type { ExchangeOptions } from '../exchange.js';

/**
 * Built-in equivalent of RabbitMQ's delayed-message plugin: exchange type `x-delayed-message`
 * routes like its `x-delayed-type` (direct, topic, ...), but a message published with an `x-delay`
 * header (ms) is held by the vhost's DelayedMessages and routed only once the delay has passed,
 * using the bindings in place at that moment.
 */
export class DelayedMessageExchange extends Exchange {
  readonly type = 'x-delayed-message';
  private readonly inner: Exchange;

  constructor(vhost: string, name: string, options: ExchangeOptions, makeInner: (type: string) => Exchange | undefined) {
    super(vhost, name, options);
    const delayedType = options.arguments['x-delayed-type'];
    const typeName = Buffer.isBuffer(delayedType) ? delayedType.toString() : delayedType;
    const inner = typeof typeName === 'string' && typeName !== 'x-delayed-message' ? makeInner(typeName) : undefined;
    if (!inner) throw errors.preconditionFailed("Invalid argument, 'x-delayed-type' must be an existing exchange type");
    this.inner = inner;
  }

  route(routingKey: string, headers: FieldTable | undefined, out: Set<Destination>): void {
    this.inner.route(routingKey, headers, out);
  }

  override validateBinding(args: FieldTable, routingKey: string): void {
    this.inner.validateBinding(args, routingKey);
  }

  protected indexAdd(b: Binding): void {
    this.inner.bind(b);
  }

  protected indexRemove(b: Binding): void {
    this.inner.unbind(b);
  }
}
