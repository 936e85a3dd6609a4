import { readFileSync } from 'node:fs';
import { ConfigError, parseRabbitmqConf } from '../config/rabbitmq-conf.js';
import type { BrokerOptions } from '../server/options.js';
import { clusterEnv, clusterFlags, setClusterSetting } from '../config/cluster-conf.js';

export interface StartupConfig {
  options: Partial<BrokerOptions>;
  unknownKeys: string[];
  configFile?: string;
}

const flagNames: Record<string, keyof BrokerOptions> = {
  '--amqp-port': 'port',
  '--port': 'port',
  '--http-port': 'httpPort',
  '--metrics-port': 'metricsPort',
  '--tls-port': 'tlsPort',
  '--load-definitions': 'loadDefinitions',
  '--data-dir': 'dataDir',
  '--host': 'host',
  '--log-level': 'logLevel',
};

const numeric = new Set<keyof BrokerOptions>(['port', 'httpPort', 'metricsPort', 'tlsPort']);

function set(into: Partial<BrokerOptions>, key: keyof BrokerOptions, value: string, source: string): void {
  if (numeric.has(key)) {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${source}: '${value}' is not a valid port`);
    (into as Record<string, unknown>)[key] = n;
  } else {
    (into as Record<string, unknown>)[key] = value;
  }
}

/**
 * Settings in increasing precedence: config file, environment (RABBITMQ_DEFAULT_* and WARREN_*),
 * command-line flags. Defaults fill in the rest at start.
 */
export function resolveStartupConfig(argv: string[], env: NodeJS.ProcessEnv): StartupConfig {
  const flags: Partial<BrokerOptions> = {};
  const clusterFlagValues: Partial<BrokerOptions> = {};
  let configFile = env.WARREN_CONFIG;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = inline ?? argv[i + 1];
    if (name === '--help' || name === '-h') throw new HelpRequested();
    if (name === '--config') {
      if (value === undefined) throw new ConfigError('--config needs a file');
      configFile = value;
    } else if (clusterFlags[name]) {
      if (value === undefined) throw new ConfigError(`${name} needs a value`);
      setClusterSetting(clusterFlagValues, clusterFlags[name], value, name);
    } else if (flagNames[name]) {
      if (value === undefined) throw new ConfigError(`${name} needs a value`);
      set(flags, flagNames[name], value, name);
    } else {
      throw new ConfigError(`unknown option ${arg} (see --help)`);
    }
    if (inline === undefined) i++;
  }

  const fromFile = configFile ? parseRabbitmqConf(readFileSync(configFile, 'utf8')) : { options: {}, unknownKeys: [] };
  const fromEnv: Partial<BrokerOptions> = {};
  if (env.RABBITMQ_DEFAULT_USER) fromEnv.defaultUser = env.RABBITMQ_DEFAULT_USER;
  if (env.RABBITMQ_DEFAULT_PASS) fromEnv.defaultPass = env.RABBITMQ_DEFAULT_PASS;
  if (env.RABBITMQ_DEFAULT_VHOST) fromEnv.defaultVhost = env.RABBITMQ_DEFAULT_VHOST;
  const envNames: Record<string, keyof BrokerOptions> = {
    WARREN_AMQP_PORT: 'port', WARREN_HTTP_PORT: 'httpPort', WARREN_METRICS_PORT: 'metricsPort', WARREN_TLS_PORT: 'tlsPort', WARREN_LOAD_DEFINITIONS: 'loadDefinitions',
    WARREN_DATA_DIR: 'dataDir', WARREN_HOST: 'host', WARREN_LOG_LEVEL: 'logLevel',
    WARREN_DEFAULT_USER: 'defaultUser', WARREN_DEFAULT_PASS: 'defaultPass', WARREN_DEFAULT_VHOST: 'defaultVhost',
  };
  for (const [name, key] of Object.entries(envNames)) {
    const v = env[name];
    if (v !== undefined && v !== '') set(fromEnv, key, v, name);
  }
  const fromEnvCluster: Partial<BrokerOptions> = {};
  for (const [name, setting] of Object.entries(clusterEnv)) {
    const v = env[name];
    if (v !== undefined && v !== '') setClusterSetting(fromEnvCluster, setting, v, name);
  }
  const cluster = fromFile.options.cluster || fromEnvCluster.cluster || clusterFlagValues.cluster
    ? { ...fromFile.options.cluster, ...fromEnvCluster.cluster, ...clusterFlagValues.cluster }
    : undefined;
  return { options: { ...fromFile.options, ...fromEnv, ...flags, ...(cluster ? { cluster } : {}) }, unknownKeys: fromFile.unknownKeys, configFile };
}

export class HelpRequested extends Error {}

export const usage = `Usage: warren [options]

Starts a Warren broker (AMQP 0-9-1, RabbitMQ compatible).

Options (flags override WARREN_* environment variables, which override the config file):
  --amqp-port P      AMQP port (default 5672; env WARREN_AMQP_PORT)
  --http-port H      management HTTP port (default 15672; env WARREN_HTTP_PORT)
  --metrics-port M   Prometheus port (default 15692; env WARREN_METRICS_PORT)
  --tls-port T       AMQPS port, like listeners.ssl.default (default none; env WARREN_TLS_PORT;
                     needs ssl_options.certfile and keyfile in the config file)
  --data-dir D       data directory (default ./data; env WARREN_DATA_DIR)
  --config FILE      rabbitmq.conf-style configuration file (env WARREN_CONFIG)
  --load-definitions F  definitions JSON file or directory imported at every start, like
                     load_definitions (env WARREN_LOAD_DEFINITIONS)
  --host ADDR        listen address (default :: — all interfaces)
  --log-level L      debug | info | warning | error | none

Cluster mode (on etcd; without endpoints Warren runs as a single node):
  --cluster-etcd URLS       etcd endpoints, comma-separated (env WARREN_CLUSTER_ETCD)
  --cluster-name NAME       etcd key prefix /warren/NAME/ (default warren; env WARREN_CLUSTER_NAME)
  --node-name NAME          this node's name (default warren@HOSTNAME; env RABBITMQ_NODENAME)
  --advertise-host HOST     address other nodes use for this one (env WARREN_ADVERTISE_HOST)
  --replication-port P      replication listener (default 5679; env WARREN_REPLICATION_PORT)
  --lease-ttl SECONDS       etcd lease TTL (default 5; env WARREN_LEASE_TTL)

RABBITMQ_DEFAULT_USER, RABBITMQ_DEFAULT_PASS and RABBITMQ_DEFAULT_VHOST are honoured.
`;
