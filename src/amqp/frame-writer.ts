import type { Socket } from 'node:net';
import { Writer } from './buffer-writer.js';
import { encodeMethod, FrameType, FRAME_END } from './spec.js';
import type { Method } from './spec.js';
import { piecesLength } from './octets.js';

/** Bodies at least this large are written as their own chunk instead of being copied. */
const ZERO_COPY_BODY = 4096;

/**
 * Encodes outgoing frames into one buffer per event-loop turn and hands them to the socket in a
 * single corked write batch, so a burst of deliveries costs one syscall, not one per frame.
 */
export class FrameWriter {
  private readonly w = new Writer(64 * 1024);
  private readonly chunks: Buffer[] = [];
  private queuedBytes = 0;
  private scheduled = false;
  /** Set when something was sent since the last heartbeat check. */
  sentSinceCheck = false;
  private readonly flushBound = () => this.flush();
  /**
   * Called after each flush with whether the socket took everything without asking us to wait.
   * A writer that paused because its own buffer was full must resume here: when the kernel
   * accepts the batch at once the socket never emits 'drain'.
   */
  onFlushed: ((socketAcceptedAll: boolean) => void) | null = null;

  constructor(
    private readonly socket: Socket,
    public frameMax: number,
  ) {}

  /** Bytes accepted but not yet taken by the kernel, ours plus the socket's own buffer. */
  get backlog(): number {
    return this.queuedBytes + this.w.pos + this.socket.writableLength;
  }

  method(channel: number, m: Method): void {
    const w = this.w;
    const frameAt = w.pos;
    const start = this.frameStart(FrameType.Method, channel);
    try {
      encodeMethod(w, m);
    } catch (err) {
      w.pos = frameAt; // never leave half a frame in the stream
      throw err;
    }
    this.frameEnd(start);
  }

  /**
   * A content-bearing method (deliver, get-ok, return) followed by its header and body frames.
   * `properties` is the encoded property list (flags onward) as received from the publisher;
   * `body` is one buffer or the pieces of one (framed as if joined, without joining them).
   */
  content(channel: number, m: Method, classId: number, properties: Buffer, body: Buffer | readonly Buffer[]): void {
    this.method(channel, m);
    const w = this.w;
    const size = Buffer.isBuffer(body) ? body.length : piecesLength(body);
    const start = this.frameStart(FrameType.Header, channel);
    w.u16(classId);
    w.u16(0);
    w.u64(size);
    w.bytes(properties);
    this.frameEnd(start);
    const maxBody = this.frameMax - 8;
    if (Buffer.isBuffer(body)) {
      for (let off = 0; off < size; off += maxBody) {
        const piece = body.subarray(off, Math.min(off + maxBody, size));
        this.bodyFrameStart(channel, piece.length);
        this.bodyBytes(piece);
        this.bodyFrameEnd();
      }
      return;
    }
    // Pieces: each frame takes the next maxBody bytes, from one piece or across several.
    let i = 0;
    let at = 0;
    for (let off = 0; off < size; off += maxBody) {
      let left = Math.min(maxBody, size - off);
      this.bodyFrameStart(channel, left);
      while (left > 0) {
        const p = body[i];
        const n = Math.min(left, p.length - at);
        this.bodyBytes(at === 0 && n === p.length ? p : p.subarray(at, at + n));
        left -= n;
        at += n;
        if (at === p.length) {
          i++;
          at = 0;
        }
      }
      this.bodyFrameEnd();
    }
  }

  heartbeat(): void {
    const w = this.w;
    w.ensure(8);
    w.u8(FrameType.Heartbeat);
    w.u16(0);
    w.u32(0);
    w.u8(FRAME_END);
    this.schedule();
  }

  /** Raw bytes (the protocol header sent back to a client with the wrong version). */
  raw(bytes: Buffer): void {
    this.w.bytes(bytes);
    this.schedule();
  }

  private bodyFrameStart(channel: number, size: number): void {
    const w = this.w;
    w.ensure(7);
    w.u8(FrameType.Body);
    w.u16(channel);
    w.u32(size);
  }

  private bodyBytes(bytes: Buffer): void {
    if (bytes.length >= ZERO_COPY_BODY) {
      // Pass large bodies straight to the socket: no copy into the output buffer.
      this.pushChunk(this.w.take());
      this.pushChunk(bytes);
    } else {
      this.w.bytes(bytes);
    }
  }

  private bodyFrameEnd(): void {
    this.w.u8(FRAME_END);
    this.schedule();
  }

  private frameStart(type: number, channel: number): number {
    const w = this.w;
    w.ensure(7);
    w.u8(type);
    w.u16(channel);
    const at = w.pos;
    w.pos += 4;
    return at;
  }

  private frameEnd(sizeAt: number): void {
    const w = this.w;
    w.buf.writeUInt32BE(w.pos - sizeAt - 4, sizeAt);
    w.u8(FRAME_END);
    this.schedule();
  }

  private pushChunk(b: Buffer): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.queuedBytes += b.length;
  }

  private schedule(): void {
    this.sentSinceCheck = true;
    if (this.scheduled) return;
    this.scheduled = true;
    process.nextTick(this.flushBound);
  }

  /** Socket writes made (RabbitMQ's send_cnt: one per flush). */
  writes = 0;

  /** Writes everything encoded so far. Returns false when the socket asks us to wait for 'drain'. */
  flush(): boolean {
    this.scheduled = false;
    if (this.w.pos > 0) this.pushChunk(this.w.take());
    if (this.chunks.length === 0) return true;
    const socket = this.socket;
    if (socket.destroyed) {
      this.chunks.length = 0;
      this.queuedBytes = 0;
      return false;
    }
    let ok = true;
    this.writes++;
    if (this.chunks.length === 1) {
      ok = socket.write(this.chunks[0]);
    } else {
      socket.cork();
      for (const c of this.chunks) ok = socket.write(c);
      socket.uncork();
    }
    this.chunks.length = 0;
    this.queuedBytes = 0;
    this.onFlushed?.(ok);
    return ok;
  }
}
