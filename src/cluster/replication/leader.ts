import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { join } from 'node:path';
import type { StoreTap } from '../../store/store-tap.js';
import { Frame, FrameReader, actionFrame, jsonFrame, syncDoneFrame } from './frames.js';
import type { FileAction, Hello, Refuse, Welcome } from './frames.js';
import { chunkCrc, listReplicated } from './manifest.js';
import type { Manifest } from './manifest.js';

export interface ReplicationLeaderOptions {
  /** The data directory the broker's store writes (the same one passed to startBroker). */
  dataDir: string;
  /** Listen address and port for followers (port 0 picks one). */
  host: string;
  port: number;
  /** The leadership epoch (e.g. the etcd election key's create revision); followers must match. */
  epoch: number;
  /** This node's id (told to followers). */
  nodeId?: string;
  /** An in-sync follower that has not acknowledged data for this long is reported lagging (ms, 2000). */
  lagTimeout?: number;
  /** A follower whose unsent backlog exceeds this many bytes is disconnected (it resyncs later). */
  maxBacklog?: number;
  /**
   * True while this node may still confirm as the leader: its lease is certainly valid on its own
   * clock (LeaseKeeper.valid). Checked at the moment each confirm would be released; once false,
   * waiting and new confirms fail (publishers get basic.nack) instead of going out. Without it, a
   * leader whose lease ran out would keep confirming until it noticed and stepped down.
   */
  fence?: () => boolean;
}

export interface FollowerStatus {
  nodeId: string;
  /** Connected and streaming live (its catch-up transfer is done). */
  connected: boolean;
  /** 'syncing' while the catch-up transfer runs, 'streaming' after, 'disconnected' otherwise. */
  state: 'syncing' | 'streaming' | 'disconnected';
  /** Stream bytes not yet acknowledged. */
  lagBytes: number;
  /** When it last acknowledged (ms since the epoch), 0 never. */
  lastAckAt: number;
  inIsr: boolean;
  /** File bytes sent by its last catch-up transfer (only what differed). */
  syncBytes: number;
}

/** The error confirms fail with once the leader's lease is no longer certainly valid. */
const FENCED = new Error('leadership lease no longer valid');

type Action = FileAction extends infer A ? (A extends FileAction ? Omit<A, 'pos'> : never) : never;

/** One connected follower. */
class FollowerLink {
  nodeId = '';
  state: 'hello' | 'syncing' | 'streaming' | 'closed' = 'hello';
  /** Highest position acknowledged in this session; -1 until the catch-up is acknowledged. */
  acked = -1;
  /** The stream position the catch-up transfer brings it to. */
  syncPos = 0;
  lastAckAt = 0;
  syncBytes = 0;
  /** Live frames held back while the catch-up transfer runs. */
  held: Buffer[] = [];
  heldBytes = 0;
  /** Positions sent and not yet acknowledged, with when they were sent (lag detection). */
  readonly sentPos: number[] = [];
  readonly sentAt: number[] = [];
  sentHead = 0;

  constructor(readonly socket: Socket) {}

  noteSent(pos: number, now: number): void {
    this.sentPos.push(pos);
    this.sentAt.push(now);
  }

  /** When the oldest unacknowledged data was sent, 0 if none. */
  oldestUnacked(): number {
    return this.sentHead < this.sentAt.length ? this.sentAt[this.sentHead] : 0;
  }

  onAck(pos: number): void {
    this.acked = pos;
    this.lastAckAt = Date.now();
    while (this.sentHead < this.sentPos.length && this.sentPos[this.sentHead] <= pos) this.sentHead++;
    if (this.sentHead > 1024 && this.sentHead * 2 > this.sentPos.length) {
      this.sentPos.splice(0, this.sentHead);
      this.sentAt.splice(0, this.sentHead);
      this.sentHead = 0;
    }
  }
}

/**
 * The leader's side of replication: a StoreTap that turns every change of the store's files into
 * a frame for each follower, a listener followers connect to, the catch-up transfer of what a
 * (re)connecting follower lacks, and the in-sync replica (ISR) gate: `whenReplicated` callbacks
 * (publisher confirms) run only once every ISR member has acknowledged the position they wait for.
 */
export class ReplicationLeader implements StoreTap {
  /** Stream position: grows with every action (its data bytes, plus one). */
  position = 0;
  private readonly links = new Map<string, FollowerLink>();
  private readonly handshaking = new Set<FollowerLink>();
  private isr = new Set<string>();
  private readonly waitPos: number[] = [];
  private readonly waitDone: ((err?: Error) => void)[] = [];
  private waitHead = 0;
  private readonly laggingCallbacks: ((nodeId: string) => void)[] = [];
  private readonly lastReported = new Map<string, number>();
  private readonly lagTimeout: number;
  private readonly maxBacklog: number;
  private readonly timer: NodeJS.Timeout;
  private server!: Server;
  private closed = false;

  constructor(private readonly opts: ReplicationLeaderOptions) {
    this.lagTimeout = opts.lagTimeout ?? 2000;
    this.maxBacklog = opts.maxBacklog ?? 512 * 1024 * 1024;
    this.timer = setInterval(() => this.checkLag(), Math.max(50, Math.min(500, this.lagTimeout / 4)));
    this.timer.unref();
  }

  async listen(): Promise<number> {
    this.server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  // --- StoreTap ------------------------------------------------------------------------------

  append(path: string, offset: number, data: Buffer): void {
    if (this.removed.size > 0) this.removed.delete(path);
    this.emit({ type: Frame.Append, path, offset, data }, data.length + 1);
  }

  truncate(path: string, size: number): void {
    if (this.removed.size > 0) this.removed.delete(path);
    this.emit({ type: Frame.Truncate, path, size }, 1);
  }

  rename(from: string, to: string): void {
    if (this.removed.size > 0) this.removed.delete(to);
    this.emit({ type: Frame.Rename, path: from, to }, 1);
  }

  remove(path: string): void {
    // The store unlinks in the thread pool: until that is done the file is still listed, and a
    // catch-up must not hand it out again (an old segment coming back would revive acked messages).
    this.removed.add(path);
    this.emit({ type: Frame.Remove, path }, 1);
  }
  private readonly removed = new Set<string>();

  whenReplicated(done: (err?: Error) => void): void {
    if (this.closed) return done(new Error('replication stopped'));
    if (!this.fenceHolds()) return done(FENCED);
    if (this.isr.size === 0 || this.isrAcked() >= this.position) return done();
    this.waitPos.push(this.position);
    this.waitDone.push(done);
  }

  private emit(action: Action, cost: number): void {
    const pos = (this.position += cost);
    if (this.links.size === 0) return; // nobody to send to: a follower that connects later catches up from the files
    const frame = actionFrame({ ...action, pos } as FileAction);
    const now = Date.now();
    for (const link of this.links.values()) {
      if (link.state === 'streaming') {
        link.socket.write(frame);
        link.noteSent(pos, now);
        if (link.socket.writableLength > this.maxBacklog) this.drop(link, 'backlog too large');
      } else if (link.state === 'syncing') {
        link.held.push(frame);
        link.heldBytes += frame.length;
        link.noteSent(pos, now);
        if (link.heldBytes > this.maxBacklog) this.drop(link, 'backlog too large during catch-up');
      }
    }
  }

  // --- ISR ----------------------------------------------------------------------------------

  setIsr(nodeIds: string[]): void {
    this.isr = new Set(nodeIds);
    this.release();
  }

  onLagging(cb: (nodeId: string) => void): void {
    this.laggingCallbacks.push(cb);
  }

  /** `cb` runs when a follower has acknowledged its catch-up (it may now join the ISR). */
  onFollowerCaughtUp(cb: (nodeId: string) => void): void {
    this.caughtUpCallbacks.push(cb);
  }
  private readonly caughtUpCallbacks: ((nodeId: string) => void)[] = [];

  /** The lowest position every ISR member has acknowledged (-1 when one is not caught up). */
  private isrAcked(): number {
    let min = Infinity;
    for (const id of this.isr) {
      const link = this.links.get(id);
      const acked = link && link.state === 'streaming' ? link.acked : -1;
      if (acked < min) min = acked;
    }
    return min;
  }

  private fenceHolds(): boolean {
    return this.opts.fence === undefined || this.opts.fence();
  }

  /** Fails every waiting confirm: never confirm what another leader may not have. */
  private failWaiters(err: Error): void {
    const waiters = this.waitDone.slice(this.waitHead);
    this.waitPos.length = this.waitDone.length = this.waitHead = 0;
    for (const done of waiters) done(err);
  }

  private release(): void {
    if (!this.fenceHolds()) return this.failWaiters(FENCED);
    const upTo = this.isr.size === 0 ? Infinity : this.isrAcked();
    const ready: ((err?: Error) => void)[] = [];
    while (this.waitHead < this.waitPos.length && this.waitPos[this.waitHead] <= upTo) ready.push(this.waitDone[this.waitHead++]);
    if (this.waitHead > 0 && this.waitHead === this.waitPos.length) {
      this.waitPos.length = this.waitDone.length = this.waitHead = 0;
    } else if (this.waitHead > 4096) {
      this.waitPos.splice(0, this.waitHead);
      this.waitDone.splice(0, this.waitHead);
      this.waitHead = 0;
    }
    for (const done of ready) done();
  }

  private checkLag(): void {
    if (this.waitHead < this.waitPos.length && !this.fenceHolds()) this.failWaiters(FENCED);
    const now = Date.now();
    for (const id of this.isr) {
      const link = this.links.get(id);
      const oldest = link?.oldestUnacked() ?? 0;
      const lagging = !link || link.state !== 'streaming' || (oldest > 0 && now - oldest > this.lagTimeout);
      if (lagging) this.reportLagging(id, now);
    }
  }

  private reportLagging(nodeId: string, now: number): void {
    // Reported again every lagTimeout while it stays in the ISR (the coordinator may have failed).
    if (now - (this.lastReported.get(nodeId) ?? 0) < this.lagTimeout) return;
    this.lastReported.set(nodeId, now);
    for (const cb of this.laggingCallbacks) cb(nodeId);
  }

  followers(): FollowerStatus[] {
    const ids = new Set([...this.links.keys(), ...this.isr]);
    return [...ids].sort().map((nodeId) => {
      const link = this.links.get(nodeId);
      const streaming = link?.state === 'streaming';
      return {
        nodeId,
        connected: streaming,
        state: streaming ? 'streaming' : link?.state === 'syncing' ? 'syncing' : 'disconnected',
        lagBytes: this.position - Math.max(0, link?.acked ?? 0),
        lastAckAt: link?.lastAckAt ?? 0,
        inIsr: this.isr.has(nodeId),
        syncBytes: link?.syncBytes ?? 0,
      };
    });
  }

  // --- connections --------------------------------------------------------------------------

  private accept(socket: Socket): void {
    if (this.closed) return void socket.destroy();
    socket.setNoDelay(true);
    const link = new FollowerLink(socket);
    this.handshaking.add(link);
    const reader = new FrameReader((type, body) => this.onFrame(link, type, body));
    socket.on('data', (chunk) => {
      try {
        reader.push(chunk);
      } catch (err) {
        this.drop(link, (err as Error).message);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => this.forget(link));
  }

  private onFrame(link: FollowerLink, type: number, body: Buffer): void {
    switch (type) {
      case Frame.Hello: {
        const hello = JSON.parse(body.toString()) as Hello;
        if (hello.epoch !== this.opts.epoch) {
          link.socket.end(jsonFrame(Frame.Refuse, { epoch: this.opts.epoch, reason: `epoch ${hello.epoch} does not match the leader's epoch ${this.opts.epoch}` } satisfies Refuse));
          return;
        }
        link.nodeId = hello.nodeId;
        link.socket.write(jsonFrame(Frame.Welcome, { epoch: this.opts.epoch, nodeId: this.opts.nodeId ?? '' } satisfies Welcome));
        return;
      }
      case Frame.Manifest: {
        if (link.state !== 'hello' || link.nodeId === '') return this.drop(link, 'manifest out of turn');
        this.startCatchUp(link, JSON.parse(body.toString()) as Manifest);
        return;
      }
      case Frame.Ack: {
        const pos = body.readDoubleBE(0);
        if (link.state === 'closed' || pos < link.syncPos || pos <= link.acked) return;
        const first = link.acked < 0;
        link.onAck(pos);
        if (first) for (const cb of this.caughtUpCallbacks) cb(link.nodeId);
        if (this.isr.has(link.nodeId)) this.release();
        return;
      }
      default:
        this.drop(link, `unexpected frame ${type}`);
    }
  }

  /**
   * Takes the follower into the stream. In this very turn (no store change can come in between)
   * it lists the files and opens them, and from now on every action is held for the follower;
   * then, asynchronously, it sends what differs in those files (read through the fds opened now,
   * so later renames and deletes do not disturb the transfer), SyncDone, and the held actions.
   * Replaying the held actions over the transferred content yields the leader's files exactly:
   * appends carry their offsets, truncates their sizes, renames and removes are idempotent.
   */
  private startCatchUp(link: FollowerLink, manifest: Manifest): void {
    const previous = this.links.get(link.nodeId);
    if (previous) this.drop(previous, 'replaced by a new connection');
    this.handshaking.delete(link);
    this.links.set(link.nodeId, link);
    link.state = 'syncing';
    link.syncPos = this.position;
    const files = this.openFiles();
    this.transfer(link, manifest, files)
      .catch((err: Error) => this.drop(link, `catch-up failed: ${err.message}`))
      .finally(() => {
        for (const f of files) closeSync(f.fd);
      });
  }

  /** Opens every replicated file that exists and has not been removed by the store. */
  private openFiles(): { path: string; size: number; fd: number }[] {
    const listed = new Set<string>();
    const files: { path: string; size: number; fd: number }[] = [];
    for (const f of listReplicated(this.opts.dataDir)) {
      listed.add(f.path);
      if (this.removed.has(f.path)) continue;
      try {
        files.push({ ...f, fd: openSync(join(this.opts.dataDir, f.path), 'r') });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          for (const o of files) closeSync(o.fd);
          throw err;
        }
      }
    }
    for (const path of this.removed) if (!listed.has(path)) this.removed.delete(path); // unlinked by now
    return files;
  }

  private async transfer(link: FollowerLink, manifest: Manifest, files: { path: string; size: number; fd: number }[]): Promise<void> {
    const theirs = new Map(manifest.files.map((f) => [f.path, f]));
    const ours = new Set(files.map((f) => f.path));
    const chunkSize = Math.max(4096, Math.min(manifest.chunkSize, 16 * 1024 * 1024));
    const scratch = Buffer.allocUnsafe(chunkSize);
    for (const f of manifest.files) if (!ours.has(f.path)) await this.send(link, actionFrame({ type: Frame.Remove, pos: 0, path: f.path }));
    for (const f of files) {
      const their = theirs.get(f.path);
      // Bytes the follower has beyond ours were never confirmed: cut them (and create a missing file).
      if (!their || their.size !== f.size) await this.send(link, actionFrame({ type: Frame.Truncate, pos: 0, path: f.path, size: f.size }));
      for (let i = 0, at = 0; at < f.size; i++, at += chunkSize) {
        const length = Math.min(chunkSize, f.size - at);
        const { crc, bytes } = chunkCrc(f.fd, at, length, scratch);
        const theirLength = their ? Math.min(chunkSize, their.size - at) : 0;
        if (their && theirLength === length && their.crcs[i] === crc) continue;
        link.syncBytes += bytes.length;
        await this.send(link, actionFrame({ type: Frame.Append, pos: 0, path: f.path, offset: at, data: bytes }));
      }
    }
    if (link.state !== 'syncing') return;
    link.socket.write(syncDoneFrame(link.syncPos));
    for (const frame of link.held) link.socket.write(frame);
    link.held = [];
    link.heldBytes = 0;
    link.state = 'streaming';
  }

  /** Writes one catch-up frame, waiting for the socket to drain when it is full. */
  private async send(link: FollowerLink, frame: Buffer): Promise<void> {
    if (link.state !== 'syncing') throw new Error('follower gone');
    if (!link.socket.write(frame)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          link.socket.off('drain', done);
          link.socket.off('close', done);
          resolve();
        };
        link.socket.on('drain', done);
        link.socket.on('close', done);
      });
    }
  }

  private drop(link: FollowerLink, _reason: string): void {
    link.socket.destroy();
    this.forget(link);
  }

  private forget(link: FollowerLink): void {
    this.handshaking.delete(link);
    if (link.state === 'closed') return;
    link.state = 'closed';
    link.held = [];
    if (this.links.get(link.nodeId) === link) {
      this.links.delete(link.nodeId);
      // An in-sync follower that is gone holds every confirm back: say so at once.
      if (this.isr.has(link.nodeId) && !this.closed) this.reportLagging(link.nodeId, Date.now());
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const link of [...this.links.values(), ...this.handshaking]) this.drop(link, 'leader closing');
    // Never confirm what the replicas may not have: the confirms fail (nack) instead.
    this.failWaiters(new Error('replication stopped'));
    await serverClosed;
  }
}
