import type { FieldTable } from '../amqp/field-table.js';
import type { BasicProperties } from '../amqp/spec.js';
import type { Binding, Destination } from './binding.js';
import type { Policy } from './policy.js';
import { ExchangeCounters } from './message-stats.js';

export interface ExchangeOptions {
  durable: boolean;
  autoDelete: boolean;
  internal: boolean;
  arguments: FieldTable;
}

/**
 * An exchange: a routing function from (routing key, headers) to destinations. Each type keeps
 * its own index of bindings so that routing never scans every binding when it need not.
 */
export abstract class Exchange {
  readonly kind = 'exchange' as const;
  abstract readonly type: string;
  /** Bindings where this exchange is the source, in creation order. */
  readonly bindings = new Map<string, Binding>();
  /** Bindings where this exchange is the destination (exchange-to-exchange). */
  readonly incoming = new Set<Binding>();
  /** The policy in effect (alternate-exchange may come from it), null when none applies. */
  policy: Policy | null = null;
  /** message_stats: publish_in / publish_out, counted by the channels. */
  readonly stats = new ExchangeCounters();

  constructor(
    readonly vhost: string,
    readonly name: string,
    readonly options: ExchangeOptions,
  ) {}

  get durable(): boolean { return this.options.durable; }
  get autoDelete(): boolean { return this.options.autoDelete; }
  get internal(): boolean { return this.options.internal; }
  get arguments(): FieldTable { return this.options.arguments; }

  /** Adds a binding to the type's index; false if an identical binding exists. */
  bind(b: Binding): boolean {
    const id = Exchange.bindingId(b);
    if (this.bindings.has(id)) return false;
    this.bindings.set(id, b);
    this.indexAdd(b);
    return true;
  }

  unbind(b: Binding): boolean {
    const id = Exchange.bindingId(b);
    const existing = this.bindings.get(id);
    if (!existing) return false;
    this.bindings.delete(id);
    this.indexRemove(existing);
    return true;
  }

  findBinding(destination: Destination, key: string): Binding | undefined {
    return this.bindings.get(Exchange.idOf(destination, key));
  }

  /** Throws (406) when binding arguments are invalid for this exchange type. */
  validateBinding(_args: FieldTable, _routingKey: string): void {}

  /** Adds every matching destination to `out` (`properties`: the publish's, when known). */
  abstract route(routingKey: string, headers: FieldTable | undefined, out: Set<Destination>, properties?: BasicProperties): void;
  protected abstract indexAdd(b: Binding): void;
  protected abstract indexRemove(b: Binding): void;

  private static bindingId(b: Binding): string {
    return Exchange.idOf(b.destination, b.key);
  }

  private static idOf(d: Destination, key: string): string {
    return (d.kind === 'queue' ? 'q:' : 'e:') + d.name + '\u0000' + key;
  }
}
