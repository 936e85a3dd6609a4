import { FRAME_END } from './spec.js';
import { frameSnippet } from './octets.js';

/** Receives each complete frame. `payload[start, end)` is only valid during the call. */
export type FrameSink = (type: number, channel: number, payload: Buffer, start: number, end: number) => void;

/**
 * A framing violation (bad frame-end octet, frame larger than frame_max). Maps to 501 with
 * RabbitMQ's text: "type T, all octets = <<payload>>: reason".
 */
export class FrameError extends Error {
  constructor(
    readonly frameType: number,
    readonly payload: Buffer,
    readonly reason: string,
  ) {
    super(`${frameSnippet(frameType, payload)}: ${reason}`);
    this.name = 'FrameError';
  }
}

const HEADER_SIZE = 7;

/**
 * Splits a TCP byte stream into AMQP frames. Frames that arrive whole inside one chunk are handed
 * on as a view into that chunk (no copy). Only a frame that straddles chunks is assembled, into a
 * buffer of exactly its size, so a partial read never copies more than the one frame it belongs to.
 */
export class FrameParser {
  /** Largest accepted frame payload (negotiated frame_max minus the 8 bytes of framing). */
  maxPayload: number;
  private readonly sink: FrameSink;
  private partial: Buffer | null = null;
  private partialFilled = 0;
  private readonly headerBuf = Buffer.alloc(HEADER_SIZE);
  private stopped = false;
  private paused = false;
  /** Input received while paused (the unread rest of a chunk), handed on by resume(). */
  private held: Buffer | null = null;

  constructor(maxPayload: number, sink: FrameSink) {
    this.maxPayload = maxPayload;
    this.sink = sink;
  }

  /** Stops delivering frames (e.g. once the connection is closing); later input is ignored. */
  stop(): void {
    this.stopped = true;
    this.partial = null;
    this.partialFilled = 0;
    this.held = null;
  }

  /**
   * Stops handing on frames after the current one (a connection blocked by a resource alarm
   * processes nothing more, not even what it has already received, as RabbitMQ's reader).
   */
  pause(): void {
    this.paused = true;
  }

  /** Hands on what arrived while paused, then carries on. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const held = this.held;
    this.held = null;
    if (held !== null) this.push(held);
  }

  push(chunk: Buffer): void {
    if (this.stopped) return;
    if (this.paused) {
      this.held = this.held === null ? chunk : Buffer.concat([this.held, chunk]);
      return;
    }
    let pos = 0;
    if (this.partial !== null || this.partialFilled > 0) {
      pos = this.continuePartial(chunk);
      if (pos < 0) return;
    }
    const len = chunk.length;
    while (!this.stopped && len - pos >= HEADER_SIZE) {
      if (this.paused) {
        this.held = chunk.subarray(pos);
        return;
      }
      const size = chunk.readUInt32BE(pos + 3);
      this.checkSize(chunk[pos], size);
      const total = HEADER_SIZE + size + 1;
      if (len - pos < total) break;
      const endOctet = chunk[pos + total - 1];
      if (endOctet !== FRAME_END) throw badEnd(chunk[pos], chunk.subarray(pos + HEADER_SIZE, pos + HEADER_SIZE + size), endOctet);
      this.sink(chunk[pos], chunk.readUInt16BE(pos + 1), chunk, pos + HEADER_SIZE, pos + HEADER_SIZE + size);
      pos += total;
    }
    if (this.stopped || pos >= len) return;
    if (this.paused) this.held = chunk.subarray(pos);
    else this.startPartial(chunk, pos);
  }

  private checkSize(type: number, size: number): void {
    if (size > this.maxPayload) {
      throw new FrameError(type, Buffer.alloc(0), `{frame_too_large,${size},${this.limitShown ?? this.maxPayload}}`);
    }
  }

  /** The limit named in frame_too_large errors, when it differs from the one enforced. */
  limitShown: number | undefined;

  /** Keeps the unfinished tail of a chunk: just the header bytes, or a frame-sized buffer. */
  private startPartial(chunk: Buffer, pos: number): void {
    const rest = chunk.length - pos;
    if (rest < HEADER_SIZE) {
      chunk.copy(this.headerBuf, 0, pos);
      this.partialFilled = rest;
      this.partial = null;
      return;
    }
    const size = chunk.readUInt32BE(pos + 3);
    this.checkSize(chunk[pos], size);
    this.partial = Buffer.allocUnsafe(HEADER_SIZE + size + 1);
    this.partialFilled = chunk.copy(this.partial, 0, pos);
  }

  /** Feeds bytes into the pending frame; returns where the chunk's unread bytes start, or -1. */
  private continuePartial(chunk: Buffer): number {
    let pos = 0;
    if (this.partial === null) {
      // Only part of a frame header so far: complete the header first.
      const need = HEADER_SIZE - this.partialFilled;
      const n = Math.min(need, chunk.length);
      chunk.copy(this.headerBuf, this.partialFilled, 0, n);
      this.partialFilled += n;
      pos = n;
      if (this.partialFilled < HEADER_SIZE) return -1;
      const size = this.headerBuf.readUInt32BE(3);
      this.checkSize(this.headerBuf[0], size);
      this.partial = Buffer.allocUnsafe(HEADER_SIZE + size + 1);
      this.headerBuf.copy(this.partial, 0);
    }
    const frame = this.partial;
    const n = Math.min(frame.length - this.partialFilled, chunk.length - pos);
    chunk.copy(frame, this.partialFilled, pos, pos + n);
    this.partialFilled += n;
    pos += n;
    if (this.partialFilled < frame.length) return -1;
    this.partial = null;
    this.partialFilled = 0;
    if (frame[frame.length - 1] !== FRAME_END) throw badEnd(frame[0], frame.subarray(HEADER_SIZE, frame.length - 1), frame[frame.length - 1]);
    this.sink(frame[0], frame.readUInt16BE(1), frame, HEADER_SIZE, frame.length - 1);
    return this.stopped ? -1 : pos;
  }
}

function badEnd(type: number, payload: Buffer, octet: number): FrameError {
  return new FrameError(type, Buffer.from(payload), `{invalid_frame_end_marker,${octet}}`);
}
