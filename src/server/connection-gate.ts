import type { Socket } from 'node:net';

/**
 * Sockets a full broker holds unanswered, like the listen backlog RabbitMQ's listener leaves
 * them in (ranch's default backlog is 128); beyond this they are dropped at once.
 */
const HELD_MAX = 128;

/**
 * connection_max. RabbitMQ 3.10.8 hands it to its acceptor pool (ranch max_connections): once the
 * limit is reached it stops accepting, so a further client's TCP connect succeeds (the kernel
 * queues it) but it gets no connection.start until another connection ends — no close, no reply
 * code; the client waits or times out. Warren does the same: sockets over the limit are held
 * unread and admitted in arrival order as connections go. (ranch lets up to one connection per
 * acceptor slip past the limit — observed: 12 with connection_max = 3; Warren's limit is exact,
 * and counts the plain and TLS listeners together.)
 */
export class ConnectionGate {
  private active = 0;
  private readonly held: Socket[] = [];

  constructor(
    private readonly max: number,
    private readonly start: (socket: Socket) => void,
  ) {}

  /** A socket was accepted: start its connection now, or hold it until a slot frees. */
  admit(socket: Socket): void {
    if (this.active < this.max) return this.open(socket);
    if (this.held.length >= HELD_MAX) {
      socket.destroy();
      return;
    }
    socket.pause();
    this.held.push(socket);
    // A client that gives up while waiting leaves the queue.
    socket.once('close', () => {
      const i = this.held.indexOf(socket);
      if (i >= 0) this.held.splice(i, 1);
    });
  }

  /** A connection ended (its socket closed): admit the longest-waiting held socket. */
  release(): void {
    this.active--;
    while (this.active < this.max && this.held.length > 0) {
      const next = this.held.shift()!;
      if (next.destroyed) continue;
      next.resume();
      this.open(next);
    }
  }

  /** Sockets waiting for a slot (for tests and the management API). */
  get waiting(): number {
    return this.held.length;
  }

  /** Drops every held socket (shutdown). */
  destroyHeld(): void {
    for (const s of this.held.splice(0)) s.destroy();
  }

  private open(socket: Socket): void {
    this.active++;
    this.start(socket);
  }
}
