// Model objects as the RabbitMQ management API shows them (field names as in RabbitMQ 3.10).
import type { FieldTable } from '../../amqp/field-table.js';
import type { Binding } from '../../broker/binding.js';
import type { Consumer } from '../../broker/consumer.js';
import type { Exchange } from '../../broker/exchange.js';
import type { Queue } from '../../broker/queue.js';
import { tableToJson } from '../../store/json-table.js';
import type { ChannelView, ConnectionView } from '../context.js';
import { nodeName } from '../context.js';

export function exchangeJson(e: Exchange) {
  return {
    arguments: tableToJson(e.arguments),
    auto_delete: e.autoDelete,
    durable: e.durable,
    internal: e.internal,
    name: e.name,
    type: e.type,
    user_who_performed_action: 'rmq-internal',
    vhost: e.vhost,
  };
}

export function queueJson(q: Queue) {
  const ready = q.messageCount;
  const unacked = q.unackedCount;
  const exclusiveConsumer = q.hasExclusiveConsumer ? q.consumers[0].tag : null;
  return {
    arguments: tableToJson(q.arguments),
    auto_delete: q.autoDelete,
    consumers: q.consumerCount,
    durable: q.durable,
    effective_policy_definition: q.effectivePolicyDefinition,
    exclusive: q.exclusive,
    exclusive_consumer_tag: exclusiveConsumer,
    head_message_timestamp: null,
    message_bytes: q.messages.bytes + q.unackedBytes,
    message_bytes_ready: q.messages.bytes,
    message_bytes_unacknowledged: q.unackedBytes,
    messages: ready + unacked,
    messages_ready: ready,
    messages_unacknowledged: unacked,
    name: q.name,
    node: nodeName,
    operator_policy: q.operatorPolicy,
    policy: q.policy,
    single_active_consumer_tag: q.activeConsumer?.tag ?? null,
    state: 'running',
    type: q.type,
    vhost: q.vhost,
  };
}

/**
 * RabbitMQ's properties_key: the routing key quoted as its quote_plus does (letters, digits and
 * "-._~" kept, space as '+', every other byte %XX), plus '~' and a digest of any arguments
 * (RabbitMQ hashes the Erlang term; Warren's digest differs, so argument keys are Warren's own).
 */
export function propertiesKey(b: { routingKey: string; key: string; arguments: object }): string {
  const rk = encodeURIComponent(b.routingKey).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()).replace(/%20/g, '+');
  // An empty routing key without arguments is '~' (a URL segment cannot be empty).
  if (Object.keys(b.arguments).length === 0) return rk === '' ? '~' : rk;
  let h = 0;
  for (let i = 0; i < b.key.length; i++) h = (Math.imul(h, 31) + b.key.charCodeAt(i)) >>> 0;
  return `${rk}~${Buffer.from(h.toString(16)).toString('base64url')}`;
}

export function bindingJson(b: Binding) {
  return {
    source: b.source.name,
    vhost: b.source.vhost,
    destination: b.destination.name,
    destination_type: b.destination.kind,
    routing_key: b.routingKey,
    arguments: tableToJson(b.arguments),
    properties_key: propertiesKey(b),
  };
}

/** The implicit binding of every queue to the default exchange, which RabbitMQ lists first. */
/** The default exchange's implicit binding to a queue (named by RabbitMQ even for a queue that does not exist). */
export function defaultBindingJson(q: Pick<Queue, 'vhost' | 'name'>) {
  return {
    source: '', vhost: q.vhost, destination: q.name, destination_type: 'queue' as const, routing_key: q.name, arguments: {} as Record<string, unknown>, properties_key: propertiesKey({ routingKey: q.name, key: q.name, arguments: {} }),
  };
}

export function connectionJson(c: ConnectionView) {
  const s = c.socket;
  const userProvided = c.clientProperties['connection_name'];
  return {
    auth_mechanism: 'PLAIN',
    channel_max: c.channelMax,
    channels: c.channels.size,
    client_properties: tableToJson(c.clientProperties as FieldTable),
    connected_at: c.connectedAt,
    frame_max: c.frameMax,
    host: s.localAddress ?? null,
    name: c.name,
    node: nodeName,
    peer_cert_issuer: null,
    peer_cert_subject: null,
    peer_cert_validity: null,
    peer_host: s.remoteAddress ?? null,
    peer_port: s.remotePort ?? null,
    port: s.localPort ?? null,
    protocol: 'AMQP 0-9-1',
    recv_oct: s.bytesRead,
    send_oct: s.bytesWritten,
    ssl: false,
    ssl_cipher: null,
    ssl_hash: null,
    ssl_key_exchange: null,
    ssl_protocol: null,
    state: c.state === 'opened' ? 'running' : c.state,
    timeout: c.heartbeat,
    type: 'network',
    user: c.user?.name ?? null,
    ...(typeof userProvided === 'string' ? { user_provided_name: userProvided } : {}),
    user_who_performed_action: c.user?.name ?? null,
    vhost: c.vhost?.name ?? null,
  };
}

export const channelName = (c: ConnectionView, ch: ChannelView) => `${c.name} (${ch.id})`;

export function channelJson(c: ConnectionView, ch: ChannelView) {
  const i = ch.info;
  return {
    acks_uncommitted: 0,
    confirm: i.confirm,
    connection_details: { name: c.name, peer_host: c.socket.remoteAddress ?? null, peer_port: c.socket.remotePort ?? null },
    consumer_count: i.consumers.size,
    global_prefetch_count: i.globalPrefetchCount,
    messages_unacknowledged: i.unacked,
    messages_uncommitted: 0,
    messages_unconfirmed: 0,
    name: channelName(c, ch),
    node: nodeName,
    number: ch.id,
    prefetch_count: i.prefetchCount,
    state: i.state === 'open' ? 'running' : i.state,
    transactional: i.transactional,
    user: c.user?.name ?? null,
    user_who_performed_action: c.user?.name ?? null,
    vhost: c.vhost?.name ?? null,
  };
}

export function consumerJson(c: ConnectionView, ch: ChannelView, consumer: Consumer) {
  const q = consumer.queue;
  const sac = q.features.singleActiveConsumer;
  const active = !sac || q.activeConsumer === consumer;
  return {
    arguments: tableToJson(consumer.args),
    ack_required: !consumer.noAck,
    active,
    activity_status: active ? (sac ? 'single_active' : 'up') : 'waiting',
    channel_details: {
      connection_name: c.name, name: channelName(c, ch), node: nodeName, number: ch.id,
      peer_host: c.socket.remoteAddress ?? null, peer_port: c.socket.remotePort ?? null, user: c.user?.name ?? null,
    },
    consumer_tag: consumer.tag,
    exclusive: consumer.exclusive,
    prefetch_count: consumer.prefetch,
    queue: { name: q.name, vhost: q.vhost },
  };
}
