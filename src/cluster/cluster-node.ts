import { Logger } from '../log.js';
import type { ClusterView } from '../http/cluster-view.js';
import type { BrokerLauncher, ClusterNodeSettings, LeaderBroker } from './broker-launcher.js';
import { EtcdClient } from './etcd-client.js';
import type { LeaderKey } from './etcd-client.js';
import { LeaseKeeper } from './lease-keeper.js';
import { Coordinator } from './coordinator.js';
import type { Isr, NodeInfo } from './coordinator.js';
import { loadNodeId } from './node-identity.js';
import { TcpProxy, parseAddress } from './tcp-proxy.js';
import { ClusterHttp } from './cluster-http.js';
import type { ClusterNodeView } from './cluster-http.js';
import type { ClusterOptions } from './cluster-options.js';
import { startReplicationFollower, startReplicationLeader } from './replication/index.js';
import type { ReplicationFollowerHandle, ReplicationLeaderHandle } from './replication/index.js';

/** Milliseconds an in-sync follower may leave data unacknowledged before it is dropped from the ISR. */
const LAG_TIMEOUT = 2000;

export type Role = 'starting' | 'follower' | 'leader' | 'stopped';

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  const done = () => {
    clearTimeout(t);
    signal?.removeEventListener('abort', done);
    resolve();
  };
  const t = setTimeout(done, ms);
  signal?.addEventListener('abort', done, { once: true });
});

/**
 * One node of a Warren cluster. Exactly one node leads (an etcd election under a lease kept alive
 * by a worker thread); the leader runs the broker on its replicated data directory and the
 * replication leader; the others replicate, and proxy clients (AMQP and HTTP) to the leader.
 *
 * Safety rests on three rules: a leader stops serving on its own clock before its lease can have
 * expired (LeaseKeeper); the ISR in etcd only ever lists nodes holding every confirmed message
 * (a follower is added to the confirm set before etcd lists it, and removed from etcd before it
 * leaves the confirm set); only an ISR member may lead.
 */
export class ClusterNode {
  role: Role = 'starting';
  readonly nodeId: string;
  readonly info: NodeInfo;
  private readonly client: EtcdClient;
  private readonly coord: Coordinator;
  private readonly log: Logger;
  private readonly stop = new AbortController();
  private loopDone: Promise<void> = Promise.resolve();
  private http: ClusterHttp | null = null;
  private proxy: TcpProxy | null = null;
  private follower: { handle: ReplicationFollowerHandle; epoch: string; caughtUp: boolean } | null = null;
  private followerChange: Promise<void> = Promise.resolve();
  private leaderWatch: NodeJS.Timeout | null = null;
  /** The current leader as last read from etcd. */
  private knownLeader: { key: LeaderKey; info: NodeInfo } | null = null;
  private leading: { key: LeaderKey; broker: LeaderBroker; replication: ReplicationLeaderHandle; isr: Set<string>; lease: LeaseKeeper } | null = null;
  private lease: LeaseKeeper | null = null;
  /** Leadership changes seen (tests and logs). */
  readonly history: { at: number; role: Role; epoch?: string }[] = [];

  constructor(
    private readonly options: ClusterNodeSettings,
    private readonly cluster: ClusterOptions,
    private readonly startBroker: BrokerLauncher,
  ) {
    this.log = new Logger(options.logLevel, { node: cluster.nodeName });
    this.nodeId = loadNodeId(options.dataDir);
    this.client = new EtcdClient({ endpoints: cluster.endpoints });
    this.coord = new Coordinator(this.client, cluster.clusterName);
    const adv = cluster.advertiseHost.includes(':') ? `[${cluster.advertiseHost}]` : cluster.advertiseHost;
    this.info = {
      id: this.nodeId,
      name: cluster.nodeName,
      amqp: `${adv}:${options.port}`,
      http: options.httpPort === null ? null : `${adv}:${options.httpPort}`,
      replication: `${adv}:${cluster.replicationPort}`,
    };
  }

  /**
   * Starts the node: HTTP front, client proxy, leader watch, then the election loop.
   * `startBroker` runs the broker whenever this node leads (the server layer's startBroker with
   * the node's settings; see broker-launcher.ts).
   */
  static async start(options: ClusterNodeSettings, cluster: ClusterOptions, startBroker: BrokerLauncher): Promise<ClusterNode> {
    const node = new ClusterNode(options, cluster, startBroker);
    await node.begin();
    return node;
  }

  private async begin(): Promise<void> {
    this.log.info('cluster_node_starting', { node_id: this.nodeId, cluster: this.cluster.clusterName, etcd: this.cluster.endpoints.join(',') });
    if (this.options.httpPort !== null) {
      this.http = await ClusterHttp.listen(this.options.httpPort, this.options.host, {
        leading: () => this.leading !== null,
        leader: () => (this.knownLeader ? { name: this.knownLeader.info.name, http: this.knownLeader.info.http } : null),
        localApi: () => (this.leading?.broker.httpPort ? { port: this.leading.broker.httpPort, users: this.leading.broker.users } : null),
        nodes: () => this.nodes(),
        forget: (name) => this.forget(name),
      });
    }
    await this.becomeFollower();
    this.leaderWatch = setInterval(() => void this.watchLeader(), 300);
    void this.watchLeader();
    this.loopDone = this.electionLoop();
  }

  /** The role of this node, the leader it knows, and its epoch (for status output). */
  status(): { role: Role; nodeId: string; leader: string | null; epoch: string | null } {
    return { role: this.role, nodeId: this.nodeId, leader: this.knownLeader?.info.name ?? null, epoch: this.leading?.key.rev ?? this.knownLeader?.key.rev ?? null };
  }

  /** Ports actually bound (the AMQP listener is the broker's or the proxy's). */
  get httpPort(): number | null {
    return this.http?.port ?? null;
  }

  private setRole(role: Role, epoch?: string): void {
    this.role = role;
    this.history.push({ at: Date.now(), role, epoch });
    this.log.info('cluster_role', { role, epoch });
  }

  // ---- election loop ---------------------------------------------------------------------------

  private async electionLoop(): Promise<void> {
    while (!this.stop.signal.aborted) {
      let lease: LeaseKeeper;
      try {
        lease = await LeaseKeeper.grant(this.client, this.cluster.leaseTtl);
      } catch (err) {
        this.log.warning('etcd_unavailable', { error: (err as Error).message });
        await sleep(1000, this.stop.signal);
        continue;
      }
      this.lease = lease;
      const lost = new AbortController();
      const onStop = () => lost.abort();
      this.stop.signal.addEventListener('abort', onStop, { once: true });
      lease.onLost((reason) => {
        if (reason !== 'released') this.log.warning('lease_lost', { reason, role: this.role });
        lost.abort();
      });
      try {
        await this.coord.register(this.info, lease.id);
        const key = await this.campaignWhenInSync(lease, lost.signal);
        if (key) await this.lead(key, lease, lost.signal);
      } catch (err) {
        if (!lost.signal.aborted) {
          this.log.warning('cluster_loop_error', { error: (err as Error).message });
          await sleep(500, lost.signal);
        }
      } finally {
        this.stop.signal.removeEventListener('abort', onStop);
        if (this.leading) await this.stepDown(this.stop.signal.aborted ? 'shutdown' : 'leadership lost');
        await lease.release(this.client);
        this.lease = null;
      }
    }
  }

  /**
   * Campaigns once this node may lead: the ISR does not exist yet (a new cluster) or lists it.
   * A node outside the ISR waits: its replica catches up and the leader adds it back. The ISR is
   * read again after winning, since the leader may have removed this node while it queued.
   */
  private async campaignWhenInSync(lease: LeaseKeeper, signal: AbortSignal): Promise<LeaderKey | null> {
    while (!signal.aborted) {
      const isr = await this.coord.readIsr();
      if (!eligible(isr, this.nodeId)) {
        await sleep(500, signal);
        continue;
      }
      const key = await this.coord.campaign(lease.id, this.info, signal);
      const now = await this.coord.readIsr();
      if (eligible(now, this.nodeId) && lease.valid()) return key;
      this.log.info('leadership_declined', { reason: 'not in the in-sync replica set' });
      await this.coord.resign(key).catch(() => undefined);
      await sleep(1000, signal);
    }
    return null;
  }

  // ---- leading -----------------------------------------------------------------------------------

  private async lead(key: LeaderKey, lease: LeaseKeeper, lost: AbortSignal): Promise<void> {
    const epoch = key.rev;
    this.log.info('elected', { epoch });
    // The replica must be closed before the broker opens the same files.
    await this.stopFollowing();
    // A new leader starts with itself as the only in-sync replica and re-admits followers as
    // they catch up with it: a follower of the old leader may hold bytes this one never had.
    if (!(await this.coord.writeIsr(key, [this.nodeId]))) throw new Error('fenced off before leading');
    const replication = await startReplicationLeader({
      dataDir: this.options.dataDir, host: this.options.host, port: this.cluster.replicationPort, epoch: Number(epoch), nodeId: this.nodeId, lagTimeout: LAG_TIMEOUT,
      fence: () => lease.valid(),
    });
    replication.setIsr([]);
    await this.proxy?.close();
    this.proxy = null;
    let broker: LeaderBroker;
    try {
      broker = await this.startBroker({ httpPort: this.options.httpPort === null ? null : 0, replication: replication.storeTap, clusterView: this.clusterView(replication) });
    } catch (err) {
      await replication.close();
      throw err;
    }
    this.leading = { key, broker, replication, isr: new Set([this.nodeId]), lease };
    this.knownLeader = { key, info: this.info };
    this.setRole('leader', epoch);
    replication.onLagging((nodeId) => void this.dropFromIsr(nodeId));
    // Grow the ISR as followers catch up, until leadership ends.
    while (!lost.aborted && lease.valid()) {
      await this.admitCaughtUp().catch((err) => this.log.warning('isr_update_failed', { error: (err as Error).message }));
      await sleep(250, lost);
    }
  }

  /**
   * Re-admits followers in two steps. First the confirm set: from then on (t0) every confirm waits
   * for the follower too. Then etcd, which makes it a node that may lead, once it holds every
   * confirmed message: when it has acknowledged everything, or when lagTimeout has passed since
   * t0 without it being reported lagging (replication reports an ISR follower whose oldest
   * unacknowledged data is older than lagTimeout, so everything sent before t0 was acknowledged).
   */
  private async admitCaughtUp(): Promise<void> {
    const l = this.leading;
    if (!l) return;
    const now = Date.now();
    for (const f of l.replication.followers()) {
      if (!f.connected || l.isr.has(f.nodeId)) continue;
      const since = this.pendingAdmit.get(f.nodeId);
      if (since === undefined) {
        if (!(await this.isMember(f.nodeId))) continue; // forgotten nodes stay out
        this.pendingAdmit.set(f.nodeId, now);
        this.updateConfirmSet(l);
        continue;
      }
      const quiet = now - since > LAG_TIMEOUT + 1000 && (this.laggedAt.get(f.nodeId) ?? 0) < since;
      if (f.lagBytes !== 0 && !quiet) continue;
      const members = [...l.isr, f.nodeId];
      if (!(await this.coord.writeIsr(l.key, members))) throw new Error('fenced off');
      l.isr.add(f.nodeId);
      this.pendingAdmit.delete(f.nodeId);
      this.log.info('isr_added', { node_id: f.nodeId, isr: members.join(',') });
    }
  }

  private async isMember(nodeId: string): Promise<boolean> {
    const members = await this.coord.members();
    for (const m of members) this.memberNames.set(m.id, m.name);
    return members.some((m) => m.id === nodeId);
  }

  /** Node names by id, as last read from the members in etcd (for metrics labels). */
  private readonly memberNames = new Map<string, string>();

  /** The leader's followers for /metrics: replication's view, in sync as etcd's ISR says. */
  private clusterView(replication: ReplicationLeaderHandle): ClusterView {
    return {
      clusterName: this.cluster.clusterName,
      followers: () => replication.followers().map((f) => ({
        name: this.memberNames.get(f.nodeId) ?? f.nodeId,
        connected: f.connected,
        inSync: this.leading?.isr.has(f.nodeId) ?? false,
        lagBytes: f.lagBytes,
      })),
    };
  }

  /** Followers being admitted, with when they joined the confirm set. */
  private readonly pendingAdmit = new Map<string, number>();
  /** When replication last reported each follower lagging. */
  private readonly laggedAt = new Map<string, number>();

  private updateConfirmSet(l: NonNullable<ClusterNode['leading']>): void {
    if (this.leading === l) l.replication.setIsr([...l.isr, ...this.pendingAdmit.keys()].filter((id) => id !== this.nodeId));
  }

  /** A follower stalled: etcd first (it may no longer lead), then the confirm set (confirms flow again). */
  private async dropFromIsr(nodeId: string): Promise<void> {
    this.laggedAt.set(nodeId, Date.now());
    const l = this.leading;
    if (!l) return;
    if (l.isr.has(nodeId)) {
      const members = [...l.isr].filter((m) => m !== nodeId);
      for (;;) {
        try {
          if (!(await this.coord.writeIsr(l.key, members))) return; // deposed: confirms stay blocked
          break;
        } catch {
          // etcd unreachable: confirms keep waiting (dropping it unrecorded is not safe); the lease decides.
          if (!l.lease.valid() || this.leading !== l) return;
          await sleep(200);
        }
      }
      l.isr.delete(nodeId);
      this.log.warning('isr_removed', { node_id: nodeId, reason: 'lagging', isr: members.join(',') });
    }
    this.pendingAdmit.delete(nodeId);
    this.updateConfirmSet(l);
  }

  /** Stops serving: clients are disconnected (320 CONNECTION_FORCED), replication drained and closed. */
  private async stepDown(reason: string): Promise<void> {
    const l = this.leading;
    if (!l) return;
    this.leading = null;
    this.pendingAdmit.clear();
    this.log.warning('stepping_down', { reason, epoch: l.key.rev });
    await l.broker.close().catch((err) => this.log.error('broker_close_failed', { error: String(err) }));
    await l.replication.close().catch((err) => this.log.error('replication_close_failed', { error: String(err) }));
    if (reason === 'shutdown' && l.lease.valid()) await this.coord.resign(l.key).catch(() => undefined);
    if (this.knownLeader?.key.key === l.key.key) this.knownLeader = null;
    if (!this.stop.signal.aborted) await this.becomeFollower();
  }

  // ---- following ---------------------------------------------------------------------------------

  private async becomeFollower(): Promise<void> {
    this.setRole('follower');
    this.proxy = await TcpProxy.listen(this.options.port, this.options.host);
    this.proxy.setTarget(this.knownLeader && this.knownLeader.info.id !== this.nodeId ? this.knownLeader.info.amqp : null);
  }

  /** Polls etcd for the leader; a follower re-points its proxy and its replica when it changes. */
  private async watchLeader(): Promise<void> {
    if (this.stop.signal.aborted) return;
    let current: { key: LeaderKey; info: NodeInfo } | null;
    try {
      current = await this.coord.leader();
    } catch {
      return; // etcd unreachable: keep what we know; the leader's lease decides for it
    }
    if (this.leading || this.stop.signal.aborted) return;
    if (current?.info.id === this.nodeId) current = null; // our own key from a past lease
    const changed = current?.key.key !== this.knownLeader?.key.key;
    this.knownLeader = current;
    if (!changed || this.role !== 'follower') return;
    this.log.info('leader_changed', { leader: current?.info.name ?? null, epoch: current?.key.rev ?? null });
    this.proxy?.setTarget(current?.info.amqp ?? null);
    this.followerChange = this.followerChange.then(() => this.follow(current));
  }

  private async follow(leader: { key: LeaderKey; info: NodeInfo } | null): Promise<void> {
    await this.closeReplica();
    if (!leader || this.leading || this.stop.signal.aborted) return;
    try {
      const handle = startReplicationFollower({
        dataDir: this.options.dataDir, nodeId: this.nodeId, leaderAddress: parseAddress(leader.info.replication), epoch: Number(leader.key.rev),
      });
      const f = { handle, epoch: leader.key.rev, caughtUp: false };
      this.follower = f;
      handle.caughtUp.then(() => {
        f.caughtUp = true;
        this.log.info('replica_caught_up', { epoch: f.epoch });
      }, () => undefined);
    } catch (err) {
      this.log.warning('replication_follow_failed', { error: (err as Error).message });
    }
  }

  /** Waits for a pending change of leader to settle, then closes the replica. */
  private async stopFollowing(): Promise<void> {
    await this.followerChange;
    await this.closeReplica();
  }

  private async closeReplica(): Promise<void> {
    const f = this.follower;
    this.follower = null;
    if (f) await f.handle.close().catch(() => undefined);
  }

  // ---- cluster view --------------------------------------------------------------------------------

  /** Every known node with its role, ISR membership and replication lag (answered by the leader). */
  async nodes(): Promise<ClusterNodeView[]> {
    const [members, live, isr, leader] = await Promise.all([this.coord.members(), this.coord.liveNodes(), this.coord.readIsr(), this.coord.leader()]);
    const followers = new Map((this.leading?.replication.followers() ?? []).map((f) => [f.nodeId, f]));
    const byId = new Map(live.map((n) => [n.id, n]));
    for (const m of members) if (!byId.has(m.id)) byId.set(m.id, { id: m.id, name: m.name, amqp: '', http: null, replication: '' });
    return [...byId.values()].map((n): ClusterNodeView => {
      const f = followers.get(n.id);
      const isLeader = leader?.info.id === n.id;
      const running = live.some((x) => x.id === n.id);
      return {
        name: n.name,
        node_id: n.id,
        type: 'disc',
        running,
        cluster_role: isLeader ? 'leader' : running ? 'follower' : 'unknown',
        in_sync: isr?.members.includes(n.id) ?? false,
        replication_lag_bytes: isLeader ? 0 : f && f.connected ? f.lagBytes : null,
        replication_connected: isLeader || (f?.connected ?? false),
        amqp_address: n.amqp || null,
        http_address: n.http,
        replication_address: n.replication || null,
      };
    }).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** forget_cluster_node: removes a stopped node from the members and the ISR. */
  async forget(name: string): Promise<void> {
    const members = await this.coord.members();
    const m = members.find((x) => x.name === name || x.id === name);
    if (!m) throw new Error(`node ${name} is not a cluster member`);
    if (m.id === this.nodeId) throw new Error('a node cannot forget itself');
    const l = this.leading;
    await this.coord.forget(m.id, l?.key ?? null);
    if (l) {
      l.isr.delete(m.id);
      this.pendingAdmit.delete(m.id);
      this.updateConfirmSet(l);
    }
  }

  // ---- shutdown ------------------------------------------------------------------------------------

  /**
   * Graceful shutdown. A leader closes its broker (clients get 320 CONNECTION_FORCED; every
   * confirm already sent was replicated to the ISR), drains and closes replication, then resigns
   * so the next ISR member takes over at once instead of after the lease TTL.
   */
  async close(): Promise<void> {
    if (this.stop.signal.aborted) return this.loopDone;
    this.stop.abort();
    if (this.leaderWatch) clearInterval(this.leaderWatch);
    await this.loopDone;
    await this.stopFollowing();
    await this.proxy?.close();
    this.proxy = null;
    await this.http?.close();
    this.setRole('stopped');
  }
}

function eligible(isr: Isr | null, nodeId: string): boolean {
  return isr === null || isr.members.includes(nodeId);
}
