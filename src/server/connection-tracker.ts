/** What the tracker needs of a connection: who it is and how many channels it has open. */
export interface TrackedConnection {
  readonly channels: { readonly size: number };
}

/**
 * Open connections by vhost and by user, for the vhost and user limits (max-connections,
 * max-channels). A connection counts from connection.open-ok until it starts closing, as RabbitMQ
 * tracks it. Sets rather than counters: removal is idempotent, so the several paths by which a
 * connection ends cannot make a count drift.
 */
export class ConnectionTracker {
  private readonly byVhost = new Map<string, Set<TrackedConnection>>();
  private readonly byUser = new Map<string, Set<TrackedConnection>>();
  private readonly keys = new Map<TrackedConnection, { vhost: string; user: string }>();

  add(c: TrackedConnection, vhost: string, user: string): void {
    if (this.keys.has(c)) return;
    this.keys.set(c, { vhost, user });
    setOf(this.byVhost, vhost).add(c);
    setOf(this.byUser, user).add(c);
  }

  remove(c: TrackedConnection): void {
    const k = this.keys.get(c);
    if (!k) return;
    this.keys.delete(c);
    dropFrom(this.byVhost, k.vhost, c);
    dropFrom(this.byUser, k.user, c);
  }

  vhostConnections(vhost: string): number {
    return this.byVhost.get(vhost)?.size ?? 0;
  }

  userConnections(user: string): number {
    return this.byUser.get(user)?.size ?? 0;
  }

  /** Channels open on all of a user's connections (only asked when the user has max-channels). */
  userChannels(user: string): number {
    let n = 0;
    for (const c of this.byUser.get(user) ?? []) n += c.channels.size;
    return n;
  }
}

function setOf<K, V>(m: Map<K, Set<V>>, k: K): Set<V> {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  return s;
}

function dropFrom<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}
