// Brokers with extra users for the access-control tests. In-process Warren gets its users through
// RunningBroker.users; against an external RabbitMQ (WARREN_TEST_URL) the same users are made with
// rabbitmqctl (node from WARREN_TEST_RABBITMQ_NODE, default ref5673@localhost).
import * as amqp from 'amqplib';
import type { Channel, ChannelModel } from 'amqplib';
import { startBroker, type BrokerOptions, type RunningBroker } from '../../src/index.js';
import { rabbitmqctl } from './rabbitmqctl.js';

export interface Perms { configure: string; write: string; read: string }

export interface AccessBroker {
  host: string;
  port: number;
  external: boolean;
  /** Creates (or replaces) a user with a password, permissions in '/' and tags. */
  addUser(name: string, password: string, perms: Perms | null, tags?: string[]): void;
  setTopicPermission(user: string, exchange: string, write: string, read: string): void;
  url(user: string, password: string): string;
  close(): Promise<void>;
}

export async function startAccessBroker(options: Partial<BrokerOptions> = {}): Promise<AccessBroker> {
  const external = process.env.WARREN_TEST_URL;
  const made: string[] = [];
  let running: RunningBroker | null = null;
  let host: string;
  let port: number;
  if (external) {
    const u = new URL(external);
    host = u.hostname;
    port = Number(u.port || 5672);
  } else {
    running = await startBroker({ port: 0, host: '127.0.0.1', logLevel: 'error', ...options });
    host = '127.0.0.1';
    port = running.port;
  }
  return {
    host,
    port,
    external: running === null,
    addUser(name, password, perms, tags = []) {
      if (running) {
        running.users.addUser(name, password, tags);
        if (perms) running.users.setPermissions(name, '/', perms);
        return;
      }
      try { rabbitmqctl('delete_user', name); } catch { /* not there */ }
      rabbitmqctl('add_user', name, password);
      made.push(name);
      if (perms) rabbitmqctl('set_permissions', '-p', '/', name, perms.configure, perms.write, perms.read);
      if (tags.length > 0) rabbitmqctl('set_user_tags', name, ...tags);
    },
    setTopicPermission(user, exchange, write, read) {
      if (running) running.users.setTopicPermission(user, '/', exchange, { write, read });
      else rabbitmqctl('set_topic_permissions', '-p', '/', user, exchange, write, read);
    },
    url: (user, password) => `amqp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/`,
    async close() {
      for (const name of made) try { rabbitmqctl('delete_user', name); } catch { /* gone */ }
      await running?.close();
    },
  };
}

/**
 * Runs `op` on a fresh channel of `conn` and returns null if it succeeded, else the reply text of
 * the channel (or connection) close it caused. A publish is followed by a round trip so that an
 * asynchronous refusal is seen.
 */
export async function outcome(conn: ChannelModel, op: (ch: Channel) => Promise<unknown>): Promise<string | null> {
  const ch = await conn.createChannel();
  let closedWith: string | null = null;
  ch.on('error', (e: Error) => (closedWith = replyText(e)));
  try {
    await op(ch);
    await ch.checkExchange('amq.direct');
  } catch (e) {
    return closedWith ?? replyText(e as Error);
  }
  await ch.close();
  return closedWith;
}

function replyText(e: Error): string {
  const m = /with message "(.*)"$/s.exec(e.message) ?? /^Channel closed by server: \d+ \([^)]*\) with message "(.*)"$/s.exec(e.message);
  return m ? m[1] : e.message;
}

export async function connectAs(url: string): Promise<ChannelModel> {
  const c = await amqp.connect(url);
  c.on('error', () => {});
  return c;
}
