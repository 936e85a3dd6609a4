/**
 * The replication connection's frames: `length u32 (of what follows) | type u8 | body`.
 *
 * Leader → follower: file actions (append, truncate, rename, remove), each with the stream
 * position it brings the follower to (0 for the catch-up transfer, which has no position of its
 * own), and SyncDone once the catch-up transfer is complete. Follower → leader: Hello, the
 * Manifest of its files, and Ack of the highest position it has written and fdatasync'ed.
 * Handshake frames carry JSON; the hot ones are binary.
 */
export const Frame = {
  Append: 1,
  Truncate: 2,
  Rename: 3,
  Remove: 4,
  SyncDone: 5,
  Hello: 10,
  Welcome: 11,
  Refuse: 12,
  Manifest: 13,
  Ack: 14,
} as const;

/** What the follower says first. */
export interface Hello { nodeId: string; epoch: number }
/** The leader's answer when it accepts a follower. */
export interface Welcome { epoch: number; nodeId: string }
export interface Refuse { epoch: number; reason: string }

/** A decoded file action. */
export type FileAction =
  | { type: typeof Frame.Append; pos: number; path: string; offset: number; data: Buffer }
  | { type: typeof Frame.Truncate; pos: number; path: string; size: number }
  | { type: typeof Frame.Rename; pos: number; path: string; to: string }
  | { type: typeof Frame.Remove; pos: number; path: string };

const HEAD = 5;

function frame(type: number, bodyLength: number): { buf: Buffer; at: number } {
  const buf = Buffer.allocUnsafe(HEAD + bodyLength);
  buf.writeUInt32BE(1 + bodyLength, 0);
  buf[4] = type;
  return { buf, at: HEAD };
}

export function jsonFrame(type: number, value: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(value));
  const { buf, at } = frame(type, json.length);
  json.copy(buf, at);
  return buf;
}

export function ackFrame(pos: number): Buffer {
  const { buf, at } = frame(Frame.Ack, 8);
  buf.writeDoubleBE(pos, at);
  return buf;
}

export function syncDoneFrame(pos: number): Buffer {
  const { buf, at } = frame(Frame.SyncDone, 8);
  buf.writeDoubleBE(pos, at);
  return buf;
}

/** One frame holding the action; `data` is copied (the store reuses its buffers). */
export function actionFrame(a: FileAction): Buffer {
  const path = Buffer.from(a.path);
  const extra = a.type === Frame.Append ? 8 + a.data.length : a.type === Frame.Truncate ? 8 : a.type === Frame.Rename ? Buffer.byteLength(a.to) : 0;
  const { buf, at } = frame(a.type, 8 + 2 + path.length + extra);
  let p = buf.writeDoubleBE(a.pos, at);
  p = buf.writeUInt16BE(path.length, p);
  p += path.copy(buf, p);
  if (a.type === Frame.Append) {
    p = buf.writeDoubleBE(a.offset, p);
    a.data.copy(buf, p);
  } else if (a.type === Frame.Truncate) buf.writeDoubleBE(a.size, p);
  else if (a.type === Frame.Rename) buf.write(a.to, p);
  return buf;
}

export function decodeAction(type: number, body: Buffer): FileAction {
  const pos = body.readDoubleBE(0);
  const pathLength = body.readUInt16BE(8);
  const path = body.toString('utf8', 10, 10 + pathLength);
  const rest = 10 + pathLength;
  switch (type) {
    case Frame.Append:
      return { type, pos, path, offset: body.readDoubleBE(rest), data: body.subarray(rest + 8) };
    case Frame.Truncate:
      return { type, pos, path, size: body.readDoubleBE(rest) };
    case Frame.Rename:
      return { type, pos, path, to: body.toString('utf8', rest) };
    case Frame.Remove:
      return { type, pos, path };
    default:
      throw new Error(`not a file action: ${type}`);
  }
}

/** Cuts a byte stream into frames; `onFrame` gets the type and body (a view, valid during the call). */
export class FrameReader {
  /** Received bytes not yet cut into frames; joined only once a whole frame is there. */
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need = 4;

  constructor(
    private readonly onFrame: (type: number, body: Buffer) => void,
    /** Refuses frames larger than this (a corrupt or hostile stream). */
    private readonly maxFrame = 256 * 1024 * 1024,
  ) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered < this.need) return;
    const data = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
    this.chunks = [];
    this.buffered = 0;
    this.need = 4;
    let at = 0;
    while (data.length - at >= 4) {
      const length = data.readUInt32BE(at);
      if (length < 1 || length > this.maxFrame) throw new Error(`bad replication frame length ${length}`);
      if (data.length - at - 4 < length) {
        this.need = 4 + length;
        break;
      }
      this.onFrame(data[at + 4], data.subarray(at + HEAD, at + 4 + length));
      at += 4 + length;
    }
    if (at < data.length) {
      this.chunks.push(data.subarray(at));
      this.buffered = data.length - at;
    }
  }
}
