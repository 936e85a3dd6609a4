// Public, embeddable API: start a Warren broker inside your own process (tests, tools).
//   const broker = await startBroker({ port: 0 }); ... broker.port ...; await broker.close();
export { startBroker } from './server/start.js';
export type { BrokerOptions, RunningBroker } from './server/options.js';
export type { MemoryWatermark } from './server/memory-monitor.js';
