import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { Frame, FrameReader, ackFrame, decodeAction, jsonFrame } from './frames.js';
import type { Hello, Refuse, Welcome } from './frames.js';
import { buildManifest } from './manifest.js';
import { ReplicaFiles } from './replica-files.js';

export interface ReplicationFollowerOptions {
  /** This node's data directory: it becomes a byte-identical copy of the leader's. */
  dataDir: string;
  nodeId: string;
  leaderAddress: { host: string; port: number };
  /** The current leadership epoch (from the coordinator): streams of any other epoch are refused. */
  epoch: number;
  /** Checksum granularity of the catch-up comparison (bytes, 1 MiB). */
  chunkSize?: number;
  /** Wait before reconnecting after the connection is lost or refused (ms, 500). */
  retryDelay?: number;
}

export interface FollowerState {
  /** Connected to the leader and past the handshake. */
  connected: boolean;
  /** Caught up in the current connection (live streaming). */
  caughtUp: boolean;
  /** Highest stream position written and synced (acknowledged to the leader). */
  ackedPosition: number;
  /** File bytes received by catch-up transfers so far. */
  syncBytes: number;
  /** Why the last connection was refused or lost, if it was. */
  lastError: string | null;
}

/**
 * The follower's side of replication: connects to the leader, proves its epoch, sends the
 * checksums of its files, applies the catch-up transfer and then the live stream to its data
 * directory, and acknowledges each position once it is fdatasync'ed (group commit). It reconnects
 * (and catches up again) until closed.
 */
export class ReplicationFollower {
  private readonly files: ReplicaFiles;
  private socket: Socket | null = null;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly caughtUpCallbacks: (() => void)[] = [];
  readonly state: FollowerState = { connected: false, caughtUp: false, ackedPosition: 0, syncBytes: 0, lastError: null };

  constructor(private readonly opts: ReplicationFollowerOptions) {
    this.files = new ReplicaFiles(opts.dataDir);
  }

  onCaughtUp(cb: () => void): void {
    this.caughtUpCallbacks.push(cb);
  }

  start(): void {
    if (this.closed) return;
    const socket = connect(this.opts.leaderAddress.port, this.opts.leaderAddress.host);
    this.socket = socket;
    socket.setNoDelay(true);
    const session: Session = { welcomed: false, syncDone: -1, lastPos: 0, acked: -1, ackScheduled: false };
    const reader = new FrameReader((type, body) => this.onFrame(socket, session, type, body));
    socket.on('connect', () => socket.write(jsonFrame(Frame.Hello, { nodeId: this.opts.nodeId, epoch: this.opts.epoch } satisfies Hello)));
    socket.on('data', (chunk) => {
      try {
        reader.push(chunk);
      } catch (err) {
        this.state.lastError = (err as Error).message;
        socket.destroy();
        return;
      }
      if (!session.welcomed) return;
      const pos = session.lastPos;
      // Acknowledge once what this chunk brought is on disk; one sync round covers many chunks.
      this.files.commit((err) => {
        if (err) {
          this.state.lastError = err.message;
          return void socket.destroy();
        }
        this.synced(socket, session, pos);
      });
    });
    socket.on('error', (err) => (this.state.lastError = err.message));
    socket.on('close', () => {
      if (this.socket === socket) this.socket = null;
      this.state.connected = false;
      this.state.caughtUp = false;
      if (!this.closed) this.retryTimer = setTimeout(() => this.start(), this.opts.retryDelay ?? 500);
    });
  }

  private onFrame(socket: Socket, session: Session, type: number, body: Buffer): void {
    switch (type) {
      case Frame.Welcome: {
        const welcome = JSON.parse(body.toString()) as Welcome;
        // A leader of an older epoch has been deposed: never take its data.
        if (welcome.epoch !== this.opts.epoch) throw new Error(`refusing a stream of epoch ${welcome.epoch}; the current epoch is ${this.opts.epoch}`);
        session.welcomed = true;
        this.state.connected = true;
        this.state.lastError = null;
        socket.write(jsonFrame(Frame.Manifest, buildManifest(this.opts.dataDir, this.opts.chunkSize ?? 1024 * 1024)));
        return;
      }
      case Frame.Refuse: {
        const refuse = JSON.parse(body.toString()) as Refuse;
        throw new Error(`leader refused: ${refuse.reason}`);
      }
      case Frame.SyncDone:
        session.syncDone = body.readDoubleBE(0);
        session.lastPos = Math.max(session.lastPos, session.syncDone);
        return;
      case Frame.Append:
      case Frame.Truncate:
      case Frame.Rename:
      case Frame.Remove: {
        if (!session.welcomed) throw new Error('file action before the handshake');
        const action = decodeAction(type, body);
        this.files.apply(action);
        if (action.pos === 0) this.state.syncBytes += action.type === Frame.Append ? action.data.length : 0;
        else session.lastPos = Math.max(session.lastPos, action.pos);
        return;
      }
      default:
        throw new Error(`unexpected frame ${type}`);
    }
  }

  private synced(socket: Socket, session: Session, pos: number): void {
    if (socket !== this.socket || pos <= session.acked || session.syncDone < 0) return;
    session.acked = pos;
    this.state.ackedPosition = pos;
    if (!session.ackScheduled) {
      session.ackScheduled = true;
      // Several sync rounds may finish in one turn: one ack, for the highest position.
      process.nextTick(() => {
        session.ackScheduled = false;
        if (!socket.destroyed) socket.write(ackFrame(session.acked));
      });
    }
    if (!this.state.caughtUp) {
      this.state.caughtUp = true;
      for (const cb of this.caughtUpCallbacks) cb();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket?.destroy();
    await this.files.close();
  }
}

interface Session {
  welcomed: boolean;
  /** Position of the catch-up's end (SyncDone); -1 while the catch-up runs. */
  syncDone: number;
  /** Highest position applied. */
  lastPos: number;
  /** Highest position acknowledged. */
  acked: number;
  ackScheduled: boolean;
}
