import type { FieldTable, FieldValue } from '../../amqp/field-table.js';
import { sameFieldValue } from '../../amqp/field-table.js';
import type { Binding, Destination } from '../binding.js';
import { Exchange } from '../exchange.js';
import { errors } from '../errors.js';
import { erlangBinary } from '../../amqp/octets.js';

type MatchMode = 'all' | 'any' | 'all-with-x' | 'any-with-x';

interface HeadersBinding {
  readonly binding: Binding;
  readonly mode: MatchMode;
  /** Binding arguments to compare (x-match always excluded; other x- keys only in *-with-x). */
  readonly required: [string, FieldValue][];
}

/**
 * Routes on message headers against binding arguments, as RabbitMQ does: `x-match` = all (default)
 * or any; the `-with-x` variants also compare arguments starting with "x-", which the plain modes
 * ignore. An argument with a void value only requires the header to be present.
 */
export class HeadersExchange extends Exchange {
  readonly type = 'headers';
  private entries: HeadersBinding[] = [];

  route(_routingKey: string, headers: FieldTable | undefined, out: Set<Destination>): void {
    const h = headers ?? {};
    for (const e of this.entries) {
      if (out.has(e.binding.destination)) continue;
      if (matches(e, h)) out.add(e.binding.destination);
    }
  }

  override validateBinding(args: FieldTable): void {
    const raw = args['x-match'];
    if (raw === undefined) return;
    const s = Buffer.isBuffer(raw) ? raw.toString() : raw;
    if (s === 'all' || s === 'any' || s === 'all-with-x' || s === 'any-with-x') return;
    throw errors.preconditionFailed(`Invalid x-match field value ${erlangBinary(Buffer.from(String(s)))}; expected all, any, all-with-x, or any-with-x`);
  }

  protected indexAdd(b: Binding): void {
    const raw = b.arguments['x-match'];
    const mode: MatchMode =
      raw === 'any' || raw === 'all-with-x' || raw === 'any-with-x' ? raw : 'all';
    const withX = mode.endsWith('-with-x');
    const required = Object.entries(b.arguments).filter(([k]) => k !== 'x-match' && (withX || !k.startsWith('x-')));
    this.entries.push({ binding: b, mode, required });
  }

  protected indexRemove(b: Binding): void {
    this.entries = this.entries.filter((e) => e.binding !== b);
  }
}

function matches(e: HeadersBinding, headers: FieldTable): boolean {
  const any = e.mode === 'any' || e.mode === 'any-with-x';
  if (e.required.length === 0) return !any; // no conditions: all → true, any → false (as RabbitMQ)
  for (const [key, want] of e.required) {
    const ok = Object.hasOwn(headers, key) && (want === null || sameFieldValue(headers[key], want));
    if (any && ok) return true;
    if (!any && !ok) return false;
  }
  return !any;
}

