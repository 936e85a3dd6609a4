// The parts of RabbitMQ's management API JSON the UI reads (fields the node may omit are optional).

export type Stats = Record<string, unknown>;
export type Args = Record<string, unknown>;

export interface Vhost {
  name: string;
  description?: string;
  tags?: string[];
  tracing?: boolean;
  messages?: number;
  messages_ready?: number;
  messages_unacknowledged?: number;
  message_stats?: Stats;
}

export interface Listener {
  node: string;
  protocol: string;
  ip_address: string;
  port: number;
}

export interface Overview {
  product_name?: string;
  product_version?: string;
  rabbitmq_version?: string;
  management_version?: string;
  erlang_version?: string;
  cluster_name: string;
  node: string;
  queue_totals: Stats & { messages?: number; messages_ready?: number; messages_unacknowledged?: number };
  object_totals: { channels: number; connections: number; consumers: number; exchanges: number; queues: number };
  message_stats?: Stats;
  listeners: Listener[];
  exchange_types?: { name: string; description?: string }[];
}

export interface Node {
  name: string;
  running: boolean;
  mem_used: number;
  mem_limit: number | null;
  mem_alarm: boolean;
  disk_free: number | null;
  disk_free_limit: number;
  disk_free_alarm: boolean;
  fd_used: number | null;
  fd_total?: number;
  sockets_used: number;
  sockets_total?: number;
  proc_used?: number;
  uptime: number;
  processors?: number;
  /** Cluster mode only (docs/cluster.md): the node's role, ISR membership and replication lag. */
  cluster_role?: 'leader' | 'follower' | 'unknown';
  in_sync?: boolean;
  replication_lag_bytes?: number | null;
}

export interface Queue extends Stats {
  name: string;
  vhost: string;
  type: string;
  durable: boolean;
  auto_delete: boolean;
  exclusive: boolean;
  arguments: Args;
  policy: string | null;
  operator_policy?: string | null;
  effective_policy_definition?: Args;
  state: string;
  consumers: number;
  messages: number;
  messages_ready: number;
  messages_unacknowledged: number;
  message_bytes?: number;
  message_stats?: Stats;
  consumer_details?: Consumer[];
  node?: string;
}

export interface Consumer {
  consumer_tag: string;
  channel_details: { name: string; connection_name: string; peer_host: string | null; peer_port: number | null; number: number; user?: string | null };
  queue: { name: string; vhost: string };
  ack_required: boolean;
  exclusive: boolean;
  prefetch_count: number;
  active: boolean;
  activity_status: string;
  arguments: Args;
}

export interface Exchange {
  name: string;
  vhost: string;
  type: string;
  durable: boolean;
  auto_delete: boolean;
  internal: boolean;
  arguments: Args;
  policy?: string | null;
  message_stats?: Stats;
}

export interface Binding {
  source: string;
  vhost: string;
  destination: string;
  destination_type: 'queue' | 'exchange';
  routing_key: string;
  arguments: Args;
  properties_key: string;
}

export interface Connection {
  name: string;
  user: string | null;
  vhost: string | null;
  state: string;
  channels: number;
  protocol: string;
  peer_host: string | null;
  peer_port: number | null;
  host: string | null;
  port: number | null;
  ssl: boolean;
  auth_mechanism: string;
  timeout: number;
  frame_max: number;
  channel_max: number;
  connected_at: number;
  recv_oct: number;
  send_oct: number;
  recv_oct_details?: { rate: number };
  send_oct_details?: { rate: number };
  client_properties: Args;
  user_provided_name?: string;
}

export interface Channel {
  name: string;
  number: number;
  user: string | null;
  vhost: string | null;
  state: string;
  confirm: boolean;
  transactional: boolean;
  consumer_count: number;
  prefetch_count: number;
  global_prefetch_count: number;
  messages_unacknowledged: number;
  messages_unconfirmed: number;
  connection_details: { name: string; peer_host: string | null; peer_port: number | null };
  message_stats?: Stats;
}

export interface User {
  name: string;
  tags: string[] | string;
  password_hash?: string;
  limits?: Args;
}

export interface Permission {
  user: string;
  vhost: string;
  configure: string;
  write: string;
  read: string;
}

export interface TopicPermission {
  user: string;
  vhost: string;
  exchange: string;
  write: string;
  read: string;
}

export interface Policy {
  name: string;
  vhost: string;
  pattern: string;
  'apply-to': string;
  priority: number;
  definition: Args;
}

export interface Limit {
  vhost?: string;
  user?: string;
  value: Record<string, number>;
}

export interface GotMessage {
  payload: string;
  payload_bytes: number;
  payload_encoding: 'string' | 'base64';
  redelivered: boolean;
  exchange: string;
  routing_key: string;
  message_count: number;
  properties: Args;
}
