import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { UserStore } from '../auth/user-store.js';
import { Broker } from '../broker/broker.js';
import { Logger } from '../log.js';
import { ReplyCode } from '../amqp/spec.js';
import { Connection } from './connection.js';
import { startTlsListener } from './tls-listener.js';
import { DirectReplyRegistry } from './direct-reply.js';
import { Alarms } from './alarms.js';
import { ConnectionTracker } from './connection-tracker.js';
import { ConnectionGate } from './connection-gate.js';
import { loadDefinitions } from '../definitions/import-definitions.js';
import { defaultOptions } from './options.js';
import type { BrokerOptions, RunningBroker } from './options.js';
import type { ServerContext } from './server-context.js';
import { serverProperties } from './server-properties.js';
import { Persistence } from '../store/persistence.js';
import { startManagement } from '../http/start.js';
import { warrenVersion } from './server-properties.js';
import { nodeName } from '../http/context.js';

/** Starts a broker in this process: model, default user and vhost, AMQP listener. */
export async function startBroker(overrides: Partial<BrokerOptions> = {}): Promise<RunningBroker> {
  const options: BrokerOptions = { ...defaultOptions, ...overrides };
  const log = new Logger(options.logLevel);
  const broker = new Broker();
  const users = new UserStore();
  const persistence = options.dataDir === null ? null : new Persistence(options.dataDir, options.queuePagingThreshold, options.replication);
  // The default user and vhost are created on first start only (as RabbitMQ does).
  const fresh = persistence?.isFresh ?? true;
  persistence?.restore(broker, users);
  // As RabbitMQ: with definitions to load, the default user and vhost are not created.
  if (fresh && options.loadDefinitions === null) {
    broker.addVhost(options.defaultVhost);
    users.addUser(options.defaultUser, options.defaultPass, ['administrator']);
    users.setPermissions(options.defaultUser, options.defaultVhost, { configure: '.*', write: '.*', read: '.*' });
  }
  if (persistence) log.info('data_restored', { dir: options.dataDir, vhosts: broker.vhosts.size });
  if (options.loadDefinitions !== null) loadDefinitions({ broker, users, log }, options.loadDefinitions);

  const connections = new Set<Connection>();
  const alarms = new Alarms(options.dataDir, options.diskFreeLimit, options.memoryHighWatermark);
  const ctx: ServerContext = {
    broker, users, options, log, directReply: new DirectReplyRegistry(), serverProperties: serverProperties(), persistence, alarms,
    tracker: new ConnectionTracker(),
  };
  alarms.onChange((resource, raised) => {
    const figures = resource === 'disk' ? { free_bytes: alarms.disk.free, limit_bytes: alarms.disk.limit }
      : { used_bytes: alarms.memory.used, limit_bytes: alarms.memory.limit };
    log.warning(raised ? 'alarm_set' : 'alarm_cleared', { resource, ...figures });
    if (!raised) for (const c of connections) c.onAlarmCleared();
  });
  await alarms.start();
  const gate = new ConnectionGate(options.connectionMax, (socket) => {
    connections.add(new Connection(socket, ctx, (c) => {
      connections.delete(c);
      gate.release();
    }));
  });
  const server: Server = createServer((socket) => gate.admit(socket));
  await listen(server, options.port, options.host);
  const port = (server.address() as AddressInfo).port;
  log.info('listening', { protocol: 'amqp', host: options.host, port });
  const tls = options.tlsPort === null ? null
    : await startTlsListener(options, (socket) => gate.admit(socket), log);
  broker.shovels.nodeName = nodeName;
  broker.shovels.setLocalPorts(tls ? [port, tls.port] : [port]);
  const management = await startManagement({
    broker, users, connections, log, alarms, version: warrenVersion, startedAt: Date.now(),
    dataDir: options.dataDir,
    listeners: [
      { protocol: 'amqp', port, host: options.host },
      ...(tls ? [{ protocol: 'amqp/ssl' as const, port: tls.port, host: options.host, certfile: options.tls?.certfile, cacertfile: options.tls?.cacertfile }] : []),
    ],
    cluster: options.clusterView,
  }, options.httpPort, options.metricsPort, options.host, options.statsInterval);

  let closed = false;
  return {
    port,
    tlsPort: tls?.port ?? null,
    users,
    httpPort: management.httpPort,
    metricsPort: management.metricsPort,
    setDiskFreeLimit: (bytes: number) => alarms.disk.setLimit(bytes),
    setMemoryHighWatermark: (w) => alarms.memory.setWatermark(typeof w === 'number' ? { relative: w } : w),
    async close() {
      if (closed) return;
      closed = true;
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      const tlsDone = tls?.close();
      await management.close();
      broker.shovels.stopAll();
      gate.destroyHeld();
      for (const c of connections) c.close(ReplyCode.ConnectionForced, 'CONNECTION_FORCED - broker forced connection closure with reason \'shutdown\'');
      // Give clients a moment to answer close-ok, then cut whatever is left.
      await new Promise((r) => setTimeout(r, connections.size > 0 ? 100 : 0));
      for (const c of connections) c.destroy();
      alarms.stop();
      // Held delayed messages stay in the store; their timers must not fire into a closed broker.
      for (const v of broker.vhosts.values()) v.delayed.stop();
      await done;
      await tlsDone;
      await persistence?.close();
      log.info('stopped');
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
