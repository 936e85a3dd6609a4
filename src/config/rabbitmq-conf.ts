import type { BrokerOptions } from '../server/options.js';
import type { LogLevel } from '../log.js';
import type { TlsOptions } from '../server/tls-listener.js';
import { MAX_MESSAGE_SIZE_CAP } from '../broker/errors.js';

import { ConfigError } from './config-error.js';
import { clusterKeys, clusterListKey } from './cluster-conf.js';

export { ConfigError };

type Apply = (value: string, key: string, into: Partial<BrokerOptions>) => void;

function integer(min: number, max: number, set: (o: Partial<BrokerOptions>, n: number) => void): Apply {
  return (value, key, into) => {
    if (!/^-?\d+$/.test(value)) throw new ConfigError(`${key}: expected an integer, got '${value}'`);
    const n = Number(value);
    if (n < min || n > max) throw new ConfigError(`${key}: ${n} is out of range ${min}..${max}`);
    set(into, n);
  };
}

const port = (set: (o: Partial<BrokerOptions>, n: number) => void) => integer(0, 65535, set);
const text = (set: (o: Partial<BrokerOptions>, s: string) => void): Apply => (value, _key, into) => set(into, value);

const logLevels: Record<string, LogLevel> = { debug: 'debug', info: 'info', warning: 'warning', error: 'error', critical: 'error', none: 'none' };

/**
 * The rabbitmq.conf keys Warren understands, each with its parser. This table is the single
 * source of truth for supported keys (the configuration reference is generated from it).
 */
export const supportedKeys: Record<string, { apply: Apply; doc: string }> = {
  'listeners.tcp.default': { apply: port((o, n) => (o.port = n)), doc: 'AMQP listener port (5672)' },
  'management.tcp.port': { apply: port((o, n) => (o.httpPort = n)), doc: 'management HTTP API port (15672)' },
  'prometheus.tcp.port': { apply: port((o, n) => (o.metricsPort = n)), doc: 'Prometheus metrics port (15692)' },
  default_user: { apply: text((o, s) => (o.defaultUser = s)), doc: 'user created on first start (guest)' },
  default_pass: { apply: text((o, s) => (o.defaultPass = s)), doc: "that user's password (guest)" },
  default_vhost: { apply: text((o, s) => (o.defaultVhost = s)), doc: 'vhost created on first start (/)' },
  heartbeat: { apply: integer(0, 65535, (o, n) => (o.heartbeat = n)), doc: 'heartbeat interval proposed to clients, seconds (60)' },
  frame_max: { apply: integer(4096, 2 ** 31 - 1, (o, n) => (o.frameMax = n)), doc: 'largest frame, bytes (131072)' },
  channel_max: { apply: integer(0, 65535, (o, n) => (o.channelMax = n === 0 ? 65535 : n)), doc: 'channels per connection (2047)' },
  max_message_size: {
    apply: integer(1, MAX_MESSAGE_SIZE_CAP, (o, n) => (o.maxMessageSize = n)),
    doc: 'largest message body accepted, bytes, at most 536870912 (134217728)',
  },
  connection_max: {
    apply: (value, key, into) => {
      if (value === 'infinity') into.connectionMax = Number.POSITIVE_INFINITY;
      else integer(0, 2 ** 31 - 1, (o, n) => (o.connectionMax = n))(value, key, into);
    },
    doc: 'simultaneous client connections; more wait unanswered until one ends: a number or infinity (infinity)',
  },
  load_definitions: {
    apply: text((o, s) => (o.loadDefinitions = s)),
    doc: 'definitions JSON file (or directory of them) imported at every start; the default user and vhost are then not created (none)',
  },
  handshake_timeout: {
    apply: integer(1, 3_600_000, (o, n) => (o.handshakeTimeout = n / 1000)),
    doc: 'milliseconds a client has to complete the AMQP handshake (10000)',
  },
  consumer_timeout: {
    apply: integer(1, 2 ** 31 - 1, (o, n) => (o.consumerTimeout = n)),
    doc: 'milliseconds a delivery may stay unacknowledged before its channel is closed (1800000)',
  },
  collect_statistics_interval: {
    apply: integer(10, 3_600_000, (o, n) => (o.statsInterval = n)),
    doc: 'milliseconds between samples of message rates for the management API (5000)',
  },
  'disk_free_limit.absolute': {
    apply: (value, key, into) => (into.diskFreeLimit = parseBytes(value, key)),
    doc: 'publishers are blocked below this much free disk: bytes or 500MB, 2GB, ... (50MB)',
  },
  'vm_memory_high_watermark.relative': {
    apply: (value, key, into) => {
      const f = Number(value);
      if (!/^\d*\.?\d+$/.test(value) || f > 1) throw new ConfigError(`${key}: expected a fraction of memory between 0 and 1 such as 0.4, got '${value}'`);
      into.memoryHighWatermark = { relative: f };
    },
    doc: 'publishers are blocked when the broker uses more than this fraction of RAM (or of the container limit) (0.4)',
  },
  'vm_memory_high_watermark.absolute': {
    apply: (value, key, into) => (into.memoryHighWatermark = { absolute: parseBytes(value, key) }),
    doc: 'publishers are blocked when the broker uses more memory than this: bytes or 1GB, 512MiB, ... (instead of .relative)',
  },
  'listeners.ssl.default': { apply: port((o, n) => (o.tlsPort = n)), doc: 'AMQPS (TLS) listener port (none; normally 5671)' },
  'ssl_options.cacertfile': { apply: text((o, s) => (o.tls = { ...tlsOf(o), cacertfile: s })), doc: 'CA bundle for verifying client certificates' },
  'ssl_options.certfile': { apply: text((o, s) => (o.tls = { ...tlsOf(o), certfile: s })), doc: "the server's certificate, a PEM file" },
  'ssl_options.keyfile': { apply: text((o, s) => (o.tls = { ...tlsOf(o), keyfile: s })), doc: "the server's private key, a PEM file" },
  'ssl_options.verify': {
    apply: (value, key, into) => {
      if (value !== 'verify_peer' && value !== 'verify_none') throw new ConfigError(`${key}: expected verify_peer or verify_none, got '${value}'`);
      into.tls = { ...tlsOf(into), verify: value };
    },
    doc: 'verify_peer asks clients for a certificate (verify_none)',
  },
  'ssl_options.fail_if_no_peer_cert': {
    apply: (value, key, into) => {
      if (value !== 'true' && value !== 'false') throw new ConfigError(`${key}: expected true or false, got '${value}'`);
      into.tls = { ...tlsOf(into), failIfNoPeerCert: value === 'true' };
    },
    doc: 'with verify_peer, refuse clients without a certificate (false)',
  },
  ssl_cert_login_from: {
    apply: (value, key, into) => {
      if (value !== 'distinguished_name' && value !== 'common_name' && value !== 'subject_alternative_name') {
        throw new ConfigError(`${key}: expected distinguished_name, common_name or subject_alternative_name, got '${value}'`);
      }
      into.sslCertLoginFrom = value;
    },
    doc: 'SASL EXTERNAL user name: distinguished_name | common_name | subject_alternative_name (distinguished_name)',
  },
  ssl_cert_login_san_type: {
    apply: (value, key, into) => {
      if (value !== 'dns' && value !== 'ip' && value !== 'email' && value !== 'uri') {
        throw new ConfigError(`${key}: expected dns, ip, email or uri, got '${value}'${value === 'other_name' ? ' (other_name is not supported)' : ''}`);
      }
      into.sslCertLoginSanType = value;
    },
    doc: 'with ssl_cert_login_from = subject_alternative_name: dns | ip | email | uri (dns)',
  },
  ssl_cert_login_san_index: {
    apply: integer(0, 1000, (o, n) => (o.sslCertLoginSanIndex = n)),
    doc: 'with ssl_cert_login_from = subject_alternative_name: which name of that type, from 0 (0)',
  },
  loopback_users: {
    apply: (value, key, into) => {
      if (value !== 'none') throw new ConfigError(`${key}: only 'none' is accepted here (use loopback_users.USER = true | false)`);
      into.loopbackUsers = [];
    },
    doc: "'none' lets every user connect from anywhere (default: guest only from localhost)",
  },
  'log.level': {
    apply: (value, key, into) => {
      const level = logLevels[value];
      if (!level) throw new ConfigError(`${key}: unknown level '${value}' (debug, info, warning, error, none)`);
      into.logLevel = level;
    },
    doc: 'debug | info | warning | error | none (info)',
  },
  ...clusterKeys,
};

/** RabbitMQ's information units (rabbit_resource_monitor_misc): exactly these spellings. */
const units: Record<string, number> = {
  '': 1,
  k: 1024, K: 1024, kiB: 1024, KiB: 1024, kib: 1024, KIB: 1024,
  m: 1024 ** 2, M: 1024 ** 2, MiB: 1024 ** 2, mib: 1024 ** 2, MIB: 1024 ** 2,
  g: 1024 ** 3, G: 1024 ** 3, GiB: 1024 ** 3, gib: 1024 ** 3, GIB: 1024 ** 3,
  kB: 1000, KB: 1000, kb: 1000, Kb: 1000,
  MB: 1000 ** 2, mB: 1000 ** 2, mb: 1000 ** 2, Mb: 1000 ** 2,
  GB: 1000 ** 3, gB: 1000 ** 3, gb: 1000 ** 3, Gb: 1000 ** 3,
};

/** Bytes as RabbitMQ writes them: a plain integer, or an integer with a unit such as 50MB or 512MiB. */
export function parseBytes(value: string, key: string): number {
  const m = /^(\d+)([a-zA-Z]*)$/.exec(value);
  const unit = m ? units[m[2]] : undefined;
  if (!m || unit === undefined) throw new ConfigError(`${key}: expected bytes such as 50000000, 50MB or 512MiB, got '${value}'`);
  return Number(m[1]) * unit;
}

function tlsOf(o: Partial<BrokerOptions>): TlsOptions {
  return o.tls ?? { cacertfile: null, certfile: '', keyfile: '', verify: 'verify_none', failIfNoPeerCert: false };
}

/** loopback_users.USER = true | false: USER may connect only from localhost, or from anywhere. */
export const loopbackUser = {
  pattern: 'loopback_users.USER',
  apply: ((value, key, into) => {
    if (value !== 'true' && value !== 'false') throw new ConfigError(`${key}: expected true or false, got '${value}'`);
    const user = key.slice('loopback_users.'.length);
    const users = (into.loopbackUsers ?? ['guest']).filter((u) => u !== user);
    into.loopbackUsers = value === 'true' ? [...users, user] : users;
  }) as Apply,
  doc: 'true: USER may only connect from localhost; false: from anywhere',
};

export interface ParsedConfig {
  options: Partial<BrokerOptions>;
  /** Keys present in the file that Warren does not support (reported at start). */
  unknownKeys: string[];
}

/** Parses rabbitmq.conf's sysctl format: `key = value` lines, `#` comments. */
export function parseRabbitmqConf(text: string): ParsedConfig {
  const options: Partial<BrokerOptions> = {};
  const unknownKeys: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') return;
    const eq = line.indexOf('=');
    if (eq < 0) throw new ConfigError(`line ${i + 1}: expected 'key = value', got '${line}'`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    const entry = supportedKeys[key] ?? (key.startsWith('loopback_users.') ? loopbackUser : clusterListKey(key));
    if (!entry) unknownKeys.push(key);
    else entry.apply(value, key, options);
  });
  return { options, unknownKeys };
}
