import { FRAME_END, FrameType } from './spec.js';
import { frameSnippet } from './octets.js';

/**
 * Receives each complete frame as `payload[start, end)`. The parser never writes into a buffer it
 * has handed on (views of pushed chunks, or a buffer of its own per assembled frame), so a
 * receiver may keep views of it as long as whoever pushes the chunks does not reuse them: a
 * socket's 'data' chunks are never reused.
 */
export type FrameSink = (type: number, channel: number, payload: Buffer, start: number, end: number) => void;

/**
 * Receives a body frame that straddles socket reads, piece by piece, as views of each chunk:
 * `last` is true on the piece that ends the frame (its frame-end octet has been checked). Views
 * may be kept, as with FrameSink.
 */
export type BodyPieceSink = (channel: number, payload: Buffer, start: number, end: number, last: boolean) => void;

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
/** Payload octets a frame error can show: 16, plus one to tell "first octets" from "all octets". */
const SNIPPET_OCTETS = 17;

/**
 * Splits a TCP byte stream into AMQP frames. Frames that arrive whole inside one chunk are handed
 * on as a view into that chunk (no copy). A body frame that straddles chunks is handed to the
 * BodyPieceSink, when there is one, as a view of each chunk it spans, so the bytes of a large
 * message are copied once, by the channel into the message body. Any other frame that straddles
 * chunks is assembled, into a buffer of exactly its size, so a partial read never copies more than
 * the one frame it belongs to.
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
  private readonly bodyPieces: BodyPieceSink | null;
  /** A body frame being handed on in pieces: its channel, payload bytes still to come, -1 if none. */
  private pieceChannel = 0;
  private pieceRemaining = -1;
  /** The first payload octets of that frame (up to 17), for the bad frame-end error's text. */
  private readonly pieceHead = Buffer.alloc(SNIPPET_OCTETS);
  private pieceHeadLength = 0;

  constructor(maxPayload: number, sink: FrameSink, bodyPieces: BodyPieceSink | null = null) {
    this.maxPayload = maxPayload;
    this.sink = sink;
    this.bodyPieces = bodyPieces;
  }

  /** Stops delivering frames (e.g. once the connection is closing); later input is ignored. */
  stop(): void {
    this.stopped = true;
    this.partial = null;
    this.partialFilled = 0;
    this.held = null;
    this.pieceRemaining = -1;
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
    if (this.pieceRemaining >= 0) {
      pos = this.continuePieces(chunk);
      if (pos < 0) return;
    } else if (this.partial !== null || this.partialFilled > 0) {
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
    if (this.startPieces(chunk[pos], chunk.readUInt16BE(pos + 1), size, chunk, pos + HEADER_SIZE)) return;
    this.partial = Buffer.allocUnsafe(HEADER_SIZE + size + 1);
    this.partialFilled = chunk.copy(this.partial, 0, pos);
  }

  /**
   * Starts handing on a straddling body frame in pieces, from `chunk[at]` on, if there is a
   * BodyPieceSink and the chunk holds enough of the payload (up to 17 octets) for the first piece
   * to name the frame in an error as RabbitMQ does; otherwise the frame is assembled. Returns
   * whether it did; the chunk is then consumed.
   */
  private startPieces(type: number, channel: number, size: number, chunk: Buffer, at: number): boolean {
    if (type !== FrameType.Body || this.bodyPieces === null) return false;
    const available = Math.min(chunk.length - at, size);
    if (available < Math.min(size, SNIPPET_OCTETS)) return false;
    this.pieceChannel = channel;
    this.pieceRemaining = size - available;
    this.pieceHeadLength = chunk.copy(this.pieceHead, 0, at, at + Math.min(size, SNIPPET_OCTETS));
    this.bodyPieces(channel, chunk, at, at + available, false);
    return true;
  }

  /** Feeds bytes into a body frame being handed on in pieces; returns where the rest starts, or -1. */
  private continuePieces(chunk: Buffer): number {
    const n = Math.min(this.pieceRemaining, chunk.length);
    this.pieceRemaining -= n;
    if (n === chunk.length) {
      // The frame-end octet is not here yet: this cannot be the last piece.
      if (n > 0) this.bodyPieces!(this.pieceChannel, chunk, 0, n, false);
      return -1;
    }
    const endOctet = chunk[n];
    if (endOctet !== FRAME_END) {
      this.pieceRemaining = -1;
      throw badEnd(FrameType.Body, this.pieceHead.subarray(0, this.pieceHeadLength), endOctet);
    }
    const channel = this.pieceChannel;
    this.pieceRemaining = -1;
    this.bodyPieces!(channel, chunk, 0, n, true);
    return this.stopped ? -1 : n + 1;
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
      this.partialFilled = 0;
      if (chunk.length - pos < size + 1 && this.startPieces(this.headerBuf[0], this.headerBuf.readUInt16BE(1), size, chunk, pos)) return -1;
      this.partialFilled = HEADER_SIZE;
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
