import type { Server } from 'node:http';
import type { ManagementContext } from './context.js';
import { closeHttp, createManagementServer, listenHttp } from './server.js';
import { createMetricsServer } from './prometheus/server.js';
import { StatsSampler } from './stats/sampler.js';

export interface Management {
  readonly httpPort: number | null;
  readonly metricsPort: number | null;
  close(): Promise<void>;
}

/**
 * Starts the management API and the Prometheus endpoint on the ports asked for (null: off), and
 * with the API the sampler of message rates (every statsInterval ms).
 */
export async function startManagement(
  base: Omit<ManagementContext, 'stats'>, httpPort: number | null, metricsPort: number | null, host: string, statsInterval = 5000,
): Promise<Management> {
  const ctx: ManagementContext = { ...base, stats: new StatsSampler(base, statsInterval) };
  const servers: Server[] = [];
  const start = async (protocol: 'http' | 'prometheus', port: number | null, create: (ctx: ManagementContext) => Server) => {
    if (port === null) return null;
    const server = create(ctx);
    const bound = await listenHttp(server, port, host);
    servers.push(server);
    ctx.listeners.push({ protocol, port: bound, host });
    ctx.log.info('listening', { protocol, host, port: bound });
    return bound;
  };
  const boundHttp = await start('http', httpPort, createManagementServer);
  if (boundHttp !== null) ctx.stats.start();
  const boundMetrics = await start('prometheus', metricsPort, createMetricsServer);
  return {
    httpPort: boundHttp,
    metricsPort: boundMetrics,
    close: async () => {
      ctx.stats.stop();
      await Promise.all(servers.map(closeHttp));
    },
  };
}
