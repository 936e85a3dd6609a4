import type { Exchange, ExchangeOptions } from '../exchange.js';
import { ConsistentHashExchange } from './consistent-hash-exchange.js';
import { DelayedMessageExchange } from './delayed-message-exchange.js';
import { DirectExchange } from './direct-exchange.js';
import { FanoutExchange } from './fanout-exchange.js';
import { HeadersExchange } from './headers-exchange.js';
import { TopicExchange } from './topic-exchange.js';

export type ExchangeFactory = (vhost: string, name: string, options: ExchangeOptions) => Exchange;

/**
 * Exchange types by name. Plug-in types (x-delayed-message, x-consistent-hash, ...) register
 * themselves here; an unknown type in exchange.declare is a 503 COMMAND_INVALID.
 */
export const exchangeTypes = new Map<string, ExchangeFactory>([
  ['direct', (v, n, o) => new DirectExchange(v, n, o)],
  ['fanout', (v, n, o) => new FanoutExchange(v, n, o)],
  ['topic', (v, n, o) => new TopicExchange(v, n, o)],
  ['headers', (v, n, o) => new HeadersExchange(v, n, o)],
  ['x-consistent-hash', (v, n, o) => new ConsistentHashExchange(v, n, o)],
]);

// Routes like its x-delayed-type, so it builds one of the types above for the routing itself.
exchangeTypes.set('x-delayed-message', (v, n, o) => new DelayedMessageExchange(v, n, o, (type) => exchangeTypes.get(type)?.(v, n, o)));
