// A broker together with its management HTTP API: an in-process Warren on free ports, or, with
// WARREN_TEST_URL set, an external broker such as RabbitMQ whose management API is at
// WARREN_TEST_HTTP (default http://127.0.0.1:15673), so tests that configure the broker over HTTP
// (policies, limits...) run unchanged against both.
import { startBroker, type BrokerOptions, type RunningBroker } from '../../src/index.js';

export interface ManagedBroker {
  /** amqp:// URL with guest credentials and the default vhost. */
  amqpUrl: string;
  /** The management API's base URL (no trailing slash). */
  httpBase: string;
  /** The in-process Warren, or null for an external broker. */
  warren: RunningBroker | null;
  /** A management API call as guest; the body is sent as JSON. */
  api(method: string, path: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
}

export async function startManagedBroker(options: Partial<BrokerOptions> = {}): Promise<ManagedBroker> {
  let warren: RunningBroker | null = null;
  let amqpUrl: string;
  let httpBase: string;
  if (process.env.WARREN_TEST_URL) {
    amqpUrl = process.env.WARREN_TEST_URL;
    httpBase = process.env.WARREN_TEST_HTTP ?? 'http://127.0.0.1:15673';
  } else {
    warren = await startBroker({ port: 0, host: '127.0.0.1', httpPort: 0, logLevel: 'error', ...options });
    amqpUrl = `amqp://guest:guest@127.0.0.1:${warren.port}/`;
    httpBase = `http://127.0.0.1:${warren.httpPort}`;
  }
  const auth = 'Basic ' + Buffer.from('guest:guest').toString('base64');
  return {
    amqpUrl,
    httpBase,
    warren,
    api: (method, path, body) => fetch(httpBase + path, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
    close: async () => { await warren?.close(); },
  };
}
