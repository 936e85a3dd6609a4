import type { EtcdClient, LeaderKey } from './etcd-client.js';

/** What a node tells the others about itself (the election value and its registration). */
export interface NodeInfo {
  id: string;
  name: string;
  /** host:port where clients reach this node's AMQP listener. */
  amqp: string;
  /** host:port of this node's HTTP API, null when it has none. */
  http: string | null;
  /** host:port of this node's replication listener (used while it leads). */
  replication: string;
}

/** The in-sync replica set as stored in etcd. */
export interface Isr {
  /** The leader epoch that wrote it. */
  epoch: string;
  members: string[];
}

/**
 * Warren's keys in etcd, all under /warren/<cluster>/:
 *   election/<lease>   the leader election (etcd's v3election); value: the leader's NodeInfo
 *   isr                the in-sync replica set, written only by the leader, fenced by its election key
 *   nodes/<id>         each live node's NodeInfo, under its lease (gone when the node is)
 *   members/<id>       every node that ever joined (until forgotten), no lease
 */
export class Coordinator {
  readonly prefix: string;
  readonly electionName: string;
  readonly isrKey: string;

  constructor(
    readonly client: EtcdClient,
    readonly cluster: string,
  ) {
    this.prefix = `/warren/${cluster}/`;
    this.electionName = this.prefix + 'election';
    this.isrKey = this.prefix + 'isr';
  }

  /** Announces this node under its lease, and records it as a member. */
  async register(info: NodeInfo, lease: string): Promise<void> {
    await this.client.txn([], [
      { put: { key: this.prefix + 'nodes/' + info.id, value: JSON.stringify(info), lease } },
      { put: { key: this.prefix + 'members/' + info.id, value: JSON.stringify({ id: info.id, name: info.name }) } },
    ]);
  }

  /** Live nodes (registered under a live lease). */
  async liveNodes(): Promise<NodeInfo[]> {
    return (await this.client.getPrefix(this.prefix + 'nodes/')).map((kv) => JSON.parse(kv.value) as NodeInfo);
  }

  /** Every node that joined and has not been forgotten, live or not. */
  async members(): Promise<{ id: string; name: string }[]> {
    return (await this.client.getPrefix(this.prefix + 'members/')).map((kv) => JSON.parse(kv.value) as { id: string; name: string });
  }

  /** The ISR, or null before the first leader wrote one (a new cluster). */
  async readIsr(): Promise<Isr | null> {
    const kv = await this.client.get(this.isrKey);
    return kv ? (JSON.parse(kv.value) as Isr) : null;
  }

  /**
   * Writes the ISR in a transaction that succeeds only while `leader` is still the election key
   * with the same create revision: a deposed leader (lease expired, key deleted, a newer leader
   * elected) can no longer change it. Returns false when fenced off.
   */
  async writeIsr(leader: LeaderKey, members: string[]): Promise<boolean> {
    const isr: Isr = { epoch: leader.rev, members: [...new Set(members)].sort() };
    const r = await this.client.txn(
      [{ key: leader.key, target: 'CREATE', createRevision: leader.rev }],
      [{ put: { key: this.isrKey, value: JSON.stringify(isr) } }],
    );
    return r.succeeded;
  }

  /** Blocks until this lease leads (see EtcdClient.campaign). */
  campaign(lease: string, info: NodeInfo, signal: AbortSignal): Promise<LeaderKey> {
    return this.client.campaign(this.electionName, lease, JSON.stringify(info), signal);
  }

  async leader(): Promise<{ key: LeaderKey; info: NodeInfo } | null> {
    const l = await this.client.leader(this.electionName);
    return l ? { key: l.key, info: JSON.parse(l.value) as NodeInfo } : null;
  }

  async resign(leader: LeaderKey): Promise<void> {
    await this.client.resign(leader);
  }

  /**
   * Removes a departed node: its membership record, and (fenced, as the leader) its ISR entry.
   * Refuses a node that is still live.
   */
  async forget(nodeId: string, leader: LeaderKey | null): Promise<void> {
    const live = await this.liveNodes();
    if (live.some((n) => n.id === nodeId)) throw new Error(`node ${nodeId} is running; stop it first`);
    const isr = await this.readIsr();
    if (isr && isr.members.includes(nodeId)) {
      if (!leader) throw new Error('no leader to update the in-sync replica set');
      if (!(await this.writeIsr(leader, isr.members.filter((m) => m !== nodeId)))) throw new Error('leadership lost');
    }
    await this.client.delete(this.prefix + 'members/' + nodeId);
  }
}
