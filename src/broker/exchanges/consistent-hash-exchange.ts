import type { FieldTable, FieldValue } from '../../amqp/field-table.js';
import type { BasicProperties } from '../../amqp/spec.js';
import { erlangBinary } from '../../amqp/octets.js';
import type { Binding, Destination } from '../binding.js';
import { errors } from '../errors.js';
import { Exchange } from '../exchange.js';
import type { ExchangeOptions } from '../exchange.js';

/** Message properties `hash-property` may name (as the RabbitMQ 3.10 plugin). */
const hashProperties = ['message_id', 'correlation_id', 'timestamp'] as const;
type HashProperty = (typeof hashProperties)[number];

const POINTS_PER_WEIGHT = 160;

interface Point {
  readonly hash: number;
  readonly binding: Binding;
}

/**
 * rabbitmq_consistent_hash_exchange (`x-consistent-hash`): each binding's routing key is its
 * weight, an integer > 0, and puts 160 points per unit of weight on a 32-bit hash ring; a message goes to the
 * owner of the first point at or after the hash of its routing key (or of the header named by the
 * exchange argument `hash-header`, or the property named by `hash-property`: message_id,
 * correlation_id or timestamp), wrapping around. The hash is Warren's own (FNV-1a with a murmur3
 * finaliser), so placement differs from RabbitMQ's erlang:phash2 while the spread is as even.
 */
export class ConsistentHashExchange extends Exchange {
  readonly type = 'x-consistent-hash';
  private readonly hashHeader: string | undefined;
  private readonly hashProperty: HashProperty | undefined;
  /** Ring points sorted by hash. */
  private ring: Point[] = [];

  constructor(vhost: string, name: string, options: ExchangeOptions) {
    super(vhost, name, options);
    const header = text(options.arguments['hash-header']);
    const property = text(options.arguments['hash-property']);
    if (header !== undefined && property !== undefined) throw errors.preconditionFailed('hash-header and hash-property are mutually exclusive');
    if (property !== undefined && !(hashProperties as readonly string[]).includes(property)) {
      throw errors.preconditionFailed(`Unsupported property: ${property}`);
    }
    this.hashHeader = header;
    this.hashProperty = property as HashProperty | undefined;
  }

  override validateBinding(_args: FieldTable, routingKey: string): void {
    if (!/^-?\d+$/.test(routingKey)) throw errors.preconditionFailed(`The binding key must be an integer: ${erlangBinary(Buffer.from(routingKey))}`);
    if (Number(routingKey) <= 0) throw errors.preconditionFailed('The binding key must be greater than 0');
  }

  route(routingKey: string, headers: FieldTable | undefined, out: Set<Destination>, properties?: BasicProperties): void {
    const ring = this.ring;
    if (ring.length === 0) return;
    const h = hash32(this.hashInput(routingKey, headers, properties));
    // First point with hash >= h, wrapping to the first point.
    let lo = 0;
    let hi = ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ring[mid].hash < h) lo = mid + 1;
      else hi = mid;
    }
    out.add(ring[lo === ring.length ? 0 : lo].binding.destination);
  }

  private hashInput(routingKey: string, headers: FieldTable | undefined, properties: BasicProperties | undefined): string {
    if (this.hashHeader !== undefined) return valueText(headers?.[this.hashHeader]);
    switch (this.hashProperty) {
      case undefined: return routingKey;
      case 'message_id': return properties?.messageId ?? '';
      case 'correlation_id': return properties?.correlationId ?? '';
      case 'timestamp': return properties?.timestamp === undefined ? '' : String(properties.timestamp);
    }
  }

  protected indexAdd(b: Binding): void {
    // POINTS_PER_WEIGHT virtual points per unit of weight keep even weight-1 bindings balanced.
    const points = Math.min(Number(b.routingKey), 10_000) * POINTS_PER_WEIGHT;
    const id = (b.destination.kind === 'queue' ? 'q:' : 'e:') + b.destination.name + '\u0000' + b.routingKey + '\u0000';
    for (let i = 0; i < points; i++) this.ring.push({ hash: hash32(id + i), binding: b });
    // Ties (rare) break on insertion order, so routing stays deterministic for a given history.
    this.ring.sort((a, z) => a.hash - z.hash);
  }

  protected indexRemove(b: Binding): void {
    this.ring = this.ring.filter((p) => p.binding !== b);
  }
}

function text(v: FieldValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  return Buffer.isBuffer(v) ? v.toString() : String(v);
}

function valueText(v: FieldValue | undefined): string {
  if (v === undefined || v === null) return '';
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  if (typeof v === 'object') return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  return String(v);
}

/** FNV-1a over UTF-16 code units, then murmur3's fmix32 for avalanche; unsigned 32-bit. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
