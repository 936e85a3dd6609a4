import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** host:port → { host, port } (IPv6 literals in brackets). */
export function parseAddress(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  if (!m) throw new Error(`not a host:port address: ${address}`);
  return { host: m[1], port: Number(m[2]) };
}

/**
 * A follower's client listener: pipes every accepted connection, byte for byte, to the leader's
 * listener (clients may connect to any node). A connection accepted while no leader is known
 * waits for one up to `waitMs`. Retargeting (a new leader) cuts the piped connections: clients
 * reconnect, as they would after a RabbitMQ node went down.
 */
export class TcpProxy {
  private target: string | null = null;
  private readonly pairs = new Set<Socket>();
  private readonly waiting = new Map<Socket, NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    private readonly waitMs: number,
  ) {}

  static async listen(port: number, host: string, waitMs = 5000): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server, waitMs);
    server.on('connection', (s) => proxy.accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => { server.off('error', reject); resolve(); });
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Points new connections at address (null: none yet); cuts connections to another target. */
  setTarget(address: string | null): void {
    if (address === this.target) return;
    this.target = address;
    for (const s of this.pairs) s.destroy();
    this.pairs.clear();
    if (address === null) return;
    for (const [client, timer] of this.waiting) {
      clearTimeout(timer);
      if (!client.destroyed) this.pipe(client, address);
    }
    this.waiting.clear();
  }

  private accept(client: Socket): void {
    client.on('error', () => client.destroy());
    if (this.target !== null) return this.pipe(client, this.target);
    this.waiting.set(client, setTimeout(() => {
      this.waiting.delete(client);
      client.destroy();
    }, this.waitMs));
  }

  private pipe(client: Socket, target: string): void {
    const { host, port } = parseAddress(target);
    const upstream = connect({ host, port });
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    this.pairs.add(client);
    this.pairs.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(client);
      this.pairs.delete(upstream);
    };
    upstream.on('error', end).on('close', end);
    client.on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  async close(): Promise<void> {
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.pairs) s.destroy();
    this.pairs.clear();
    for (const [client, timer] of this.waiting) {
      clearTimeout(timer);
      client.destroy();
    }
    this.waiting.clear();
    await done;
  }
}
