import { readFileSync } from 'node:fs';

const version: string = (() => {
  try {
    return JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version as string;
  } catch {
    return '0.0.0';
  }
})();

export const warrenVersion = version;

/** connection.start server-properties: who we are and the RabbitMQ extensions we implement. */
export function serverProperties(): Record<string, unknown> {
  return {
    product: 'Warren',
    version,
    platform: `Node.js ${process.version}`,
    copyright: 'Warren contributors',
    information: 'A RabbitMQ-compatible AMQP 0-9-1 broker',
    cluster_name: 'warren',
    capabilities: {
      publisher_confirms: true,
      exchange_exchange_bindings: true,
      'basic.nack': true,
      consumer_cancel_notify: true,
      'connection.blocked': true,
      consumer_priorities: true,
      authentication_failure_close: true,
      per_consumer_qos: true,
      direct_reply_to: true,
    },
  };
}
