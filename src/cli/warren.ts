#!/usr/bin/env node
// `warren`: start a broker from the command line. Settings: see usage in arguments.ts.
import { Logger } from '../log.js';
import { ConfigError } from '../config/rabbitmq-conf.js';
import { startBroker } from '../server/start.js';
import { defaultOptions } from '../server/options.js';
import { ClusterNode } from '../cluster/cluster-node.js';
import { clusterDefaults } from '../cluster/cluster-options.js';
import { setNodeName } from '../http/context.js';
import { HelpRequested, resolveStartupConfig, usage } from './arguments.js';

async function main(): Promise<void> {
  let config;
  try {
    config = resolveStartupConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(usage);
      return;
    }
    if (err instanceof ConfigError || (err as NodeJS.ErrnoException).code === 'ENOENT') {
      process.stderr.write(`warren: configuration error: ${(err as Error).message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = new Logger(config.options.logLevel ?? 'info');
  for (const key of config.unknownKeys) log.warning('config_key_unsupported', { key, file: config.configFile });
  const dataDir = config.options.dataDir ?? './data';
  const httpPort = config.options.httpPort ?? 15672;
  const metricsPort = config.options.metricsPort ?? 15692;
  const cluster = config.options.cluster;
  if (cluster && !cluster.endpoints?.length) throw new Error('cluster settings given but no etcd endpoints (cluster_formation.etcd.endpoints)');
  const options = { ...defaultOptions, ...config.options, dataDir, httpPort, metricsPort };
  const clusterOptions = cluster ? { ...clusterDefaults(), ...cluster, endpoints: cluster.endpoints! } : null;
  // A cluster node's broker reports the node's name (in /api/nodes, listeners, connections...).
  if (clusterOptions) setNodeName(clusterOptions.nodeName);
  const broker = clusterOptions
    ? await ClusterNode.start(options, clusterOptions, (overrides) => startBroker({ ...options, ...overrides }))
    : await startBroker(options);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutdown_requested', { signal });
    broker.close().then(
      () => process.exit(0),
      (err) => {
        log.error('shutdown_failed', { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`warren: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
