// Starts a broker for one test file. By default an in-process Warren on a free port;
// with WARREN_TEST_URL set (e.g. amqp://guest:guest@127.0.0.1:5673/) the same tests run
// against an external broker such as RabbitMQ, which is how they are checked differentially.
import { startBroker, type BrokerOptions } from '../../src/index.js';

export interface TestBroker {
  /** amqp:// URL with guest credentials and the default vhost. */
  url: string;
  host: string;
  port: number;
  /** True when the tests run against WARREN_TEST_URL instead of an in-process Warren. */
  external: boolean;
  close(): Promise<void>;
}

export async function startTestBroker(options: Partial<BrokerOptions> = {}): Promise<TestBroker> {
  const external = process.env.WARREN_TEST_URL;
  if (external) {
    const u = new URL(external);
    return { url: external, host: u.hostname, port: Number(u.port || 5672), external: true, close: async () => {} };
  }
  const broker = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'error', ...options });
  return {
    url: `amqp://guest:guest@127.0.0.1:${broker.port}`,
    host: '127.0.0.1',
    port: broker.port,
    external: false,
    close: () => broker.close(),
  };
}

let counter = 0;
/** A name unique to this process and run, so tests never collide on a shared external broker. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}.${process.pid}.${Date.now().toString(36)}.${counter}`;
}
