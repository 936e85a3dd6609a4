import type { Socket } from 'node:net';
import { AmqpError, amqpError, truncateReplyText } from '../amqp/amqp-error.js';
import { Reader } from '../amqp/buffer-reader.js';
import { DecodeError } from '../amqp/decode-error.js';
import { FrameError, FrameParser } from '../amqp/frame-parser.js';
import { FrameWriter } from '../amqp/frame-writer.js';
import { ClassId, decodeMethod, FRAME_MIN_SIZE, FrameType, MethodId, methodName, ReplyCode, UnknownMethodError } from '../amqp/spec.js';
import { erlangBinary, frameSnippet } from '../amqp/octets.js';
import type { Method } from '../amqp/spec.js';
import type { User } from '../auth/user-store.js';
import type { VHost } from '../broker/vhost.js';
import type { Logger } from '../log.js';
import { Channel } from './channel.js';
import { isLoopbackAddress } from '../auth/authorization.js';
import { certificateIdentity } from './tls-listener.js';
import { parseSaslResponse, supportedMechanisms } from './sasl.js';
import { isOverLimit } from '../broker/limits.js';
import type { ServerContext } from './server-context.js';

const PROTOCOL_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]);

type State = 'header' | 'start-ok' | 'tune-ok' | 'open' | 'opened' | 'closing' | 'closed';

/** Bytes queued for a client beyond which deliveries to it pause until the socket drains. */
const MAX_WRITE_BACKLOG = 1024 * 1024;

/**
 * One client connection: protocol header, handshake (start/tune/open), channel multiplexing,
 * heartbeats and the close handshake. Errors are turned into channel.close (soft) or
 * connection.close (hard) here; nothing a client sends can throw past this class.
 */
export class Connection {
  state: State = 'header';
  readonly writer: FrameWriter;
  readonly channels = new Map<number, Channel>();
  readonly log: Logger;
  user: User | null = null;
  vhost: VHost | null = null;
  clientProperties: Record<string, unknown> = {};
  channelMax: number;
  frameMax: number;
  heartbeat = 0;
  readonly name: string;
  readonly connectedAt = Date.now();
  private headerBytes = Buffer.alloc(0);
  private readonly parser: FrameParser;
  private readonly reader = new Reader();
  private lastReceived = Date.now();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private handshakeTimer: NodeJS.Timeout | null;
  private closeTimer: NodeJS.Timeout | null = null;
  /** Deliveries paused because the socket's write buffer is full. */
  writeBlocked = false;
  /** We sent connection.blocked and owe the client a connection.unblocked. */
  private blockedNotified = false;
  /** Blocked by a resource alarm: neither the socket nor already-received frames are read. */
  private readPaused = false;
  /** Socket reads (RabbitMQ's recv_cnt). */
  recvCnt = 0;

  constructor(
    readonly socket: Socket,
    readonly ctx: ServerContext,
    private readonly onGone: (c: Connection) => void,
  ) {
    this.name = `${socket.remoteAddress}:${socket.remotePort} -> ${socket.localAddress}:${socket.localPort}`;
    this.log = ctx.log.child({ conn: this.name });
    this.channelMax = ctx.options.channelMax;
    this.frameMax = ctx.options.frameMax;
    this.writer = new FrameWriter(socket, this.frameMax);
    // RabbitMQ accepts payloads up to frame_max itself (8 bytes of slack over the spec) and
    // names frame_max - 8 when refusing one; clients rely on the former, tests on the latter.
    this.parser = new FrameParser(
      this.frameMax,
      (t, ch, buf, s, e) => this.onFrame(t, ch, buf, s, e),
      (ch, buf, s, e, last) => this.onBodyPiece(ch, buf, s, e, last),
    );
    this.parser.limitShown = this.frameMax - 8;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.log.debug('socket_error', { error: err.message }));
    socket.on('close', () => this.onSocketClosed());
    socket.on('drain', () => this.onDrain());
    this.writer.onFlushed = (acceptedAll) => {
      if (acceptedAll) this.onDrain();
    };
    this.handshakeTimer = setTimeout(() => {
      this.log.warning('handshake_timeout', { seconds: ctx.options.handshakeTimeout });
      this.destroy();
    }, ctx.options.handshakeTimeout * 1000);
    this.log.debug('connection_accepted');
  }

  /** Socket writes (RabbitMQ's send_cnt). */
  get sendCnt(): number {
    return this.writer.writes;
  }

  get isOpen(): boolean {
    return this.state === 'opened';
  }

  /** Whether deliveries may be written now (socket not backed up). */
  get canWrite(): boolean {
    if (this.writeBlocked) return false;
    if (this.writer.backlog > MAX_WRITE_BACKLOG) {
      this.writeBlocked = true;
      return false;
    }
    return true;
  }

  // --- input ----------------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    this.lastReceived = Date.now();
    this.recvCnt++;
    try {
      if (this.state === 'header') {
        chunk = this.readProtocolHeader(chunk);
        if (this.state === 'header' || chunk.length === 0) return;
      }
      if (this.state === 'closed') return;
      this.parser.push(chunk);
    } catch (err) {
      this.handleError(err, 0, 0);
    }
  }

  private readProtocolHeader(chunk: Buffer): Buffer {
    const have = Buffer.concat([this.headerBytes, chunk]);
    if (have.length < 8) {
      // Fail fast on a header that can never become valid (e.g. an HTTP request).
      if (!PROTOCOL_HEADER.subarray(0, have.length).equals(have)) this.rejectProtocol();
      else this.headerBytes = have;
      return Buffer.alloc(0);
    }
    if (!have.subarray(0, 8).equals(PROTOCOL_HEADER)) {
      this.rejectProtocol();
      return Buffer.alloc(0);
    }
    this.headerBytes = Buffer.alloc(0);
    this.state = 'start-ok';
    this.writer.method(0, {
      id: MethodId.ConnectionStart,
      versionMajor: 0,
      versionMinor: 9,
      serverProperties: this.ctx.serverProperties as never,
      mechanisms: this.mechanisms().join(' '),
      locales: 'en_US',
    });
    return have.subarray(8);
  }

  /** SASL EXTERNAL is offered only over TLS with a verified client certificate. */
  private mechanisms(): string[] {
    const id = certificateIdentity(this.socket, this.ctx.options);
    return id === undefined ? supportedMechanisms : [...supportedMechanisms, 'EXTERNAL'];
  }

  /** Wrong protocol header: answer with the one we speak and close, as the spec says. */
  private rejectProtocol(): void {
    this.log.info('protocol_header_mismatch');
    this.state = 'closed';
    this.writer.raw(PROTOCOL_HEADER);
    this.writer.flush();
    this.socket.end();
  }

  private onFrame(type: number, channelId: number, buf: Buffer, start: number, end: number): void {
    if (this.state === 'closed') return;
    if (this.state === 'start-ok' || this.state === 'tune-ok') return this.onHandshakeFrame(type, channelId, buf, start, end);
    switch (type) {
      case FrameType.Method: {
        if (end - start < 4) throw new FrameError(type, Buffer.from(buf.subarray(start, end)), 'unknown_frame');
        const m = this.decode(buf, start, end);
        if (channelId === 0) return this.onConnectionMethod(m);
        if ((m.id >>> 16) === ClassId.Connection) throw amqpError(ReplyCode.CommandInvalid, 'unimplemented method').withMethod(m.id);
        return this.onChannelFrame(channelId, type, buf, start, end, (ch) => ch.onMethod(m));
      }
      case FrameType.Header:
        if (channelId === 0) throw unexpectedFrame(type, buf, start, end);
        this.onChannelFrame(channelId, type, buf, start, end, (ch) => ch.onHeader(buf, start, end));
        // Content while an alarm is in effect blocks the connection, after this frame (RabbitMQ).
        if (this.ctx.alarms.active) this.block();
        return;
      case FrameType.Body:
        return this.onBodyPiece(channelId, buf, start, end, true);
      case FrameType.Heartbeat:
        if (end > start) throw new FrameError(type, Buffer.from(buf.subarray(start, end)), 'unknown_frame');
        if (channelId !== 0) throw unexpectedFrame(type, buf, start, end);
        return;
      default:
        throw new FrameError(type, Buffer.from(buf.subarray(start, end)), 'unknown_frame');
    }
  }

  /**
   * A body frame, or a piece of one that straddles socket reads (`last` ends the frame). The
   * checks the first piece fails are the whole frame's; later pieces of a failed frame find the
   * connection closing and are ignored.
   */
  private onBodyPiece(channelId: number, buf: Buffer, start: number, end: number, last: boolean): void {
    if (this.state === 'closed') return;
    if (this.state === 'start-ok' || this.state === 'tune-ok') return this.onHandshakeFrame(FrameType.Body, channelId, buf, start, end);
    if (channelId === 0) throw unexpectedFrame(FrameType.Body, buf, start, end);
    this.onChannelFrame(channelId, FrameType.Body, buf, start, end, (ch) => ch.onBody(buf, start, end, last));
    // Content while an alarm is in effect blocks the connection, after this frame (RabbitMQ).
    if (last && this.ctx.alarms.active) this.block();
  }

  /** Decodes a method; malformed arguments are a 501 naming the method, as RabbitMQ does. */
  private decode(buf: Buffer, start: number, end: number): Method {
    const r = this.reader.reset(buf, start, end);
    let m: Method;
    try {
      m = decodeMethod(r);
      if (r.pos === end) return m;
    } catch (err) {
      if (!(err instanceof DecodeError) || err.kind === 'utf8') throw err;
    }
    throw amqpError(ReplyCode.FrameError, `cannot decode ${erlangBinary(buf.subarray(start + 4, end))}`).withMethod(buf.readUInt32BE(start));
  }

  /**
   * Before connection.open only the handshake methods on channel 0 are acceptable; anything else
   * ends the connection without a reply, as RabbitMQ does (the client is not authenticated yet).
   */
  private onHandshakeFrame(type: number, channelId: number, buf: Buffer, start: number, end: number): void {
    if (type === FrameType.Heartbeat && channelId === 0) return;
    if (type !== FrameType.Method || channelId !== 0 || end - start < 4) return this.abortHandshake('unexpected frame during handshake');
    let m: Method;
    try {
      m = this.decode(buf, start, end);
    } catch {
      return this.abortHandshake('malformed handshake method');
    }
    if (this.state === 'start-ok' && m.id === MethodId.ConnectionStartOk) {
      return this.onStartOk(m.mechanism, m.response, m.clientProperties as Record<string, unknown>);
    }
    if (this.state === 'tune-ok' && m.id === MethodId.ConnectionTuneOk) return this.onTuneOk(m.channelMax, m.frameMax, m.heartbeat);
    this.abortHandshake(`unexpected ${methodName(m.id)} during handshake`);
  }

  /** Drops a connection that failed its handshake: no frame, just close the socket. */
  private abortHandshake(reason: string): void {
    this.log.warning('handshake_failed', { reason });
    this.destroy();
  }

  private onChannelFrame(channelId: number, type: number, buf: Buffer, start: number, end: number, handle: (ch: Channel) => void): void {
    if (this.state === 'closing') return;
    // Frames on channels before connection.open-ok: RabbitMQ answers 505 naming the frame.
    if (this.state !== 'opened') throw unexpectedFrame(type, buf, start, end);
    const ch = this.channels.get(channelId);
    if (ch) return handle(ch);
    // A frame on a channel that is not open: only channel.open may create it.
    if (type !== FrameType.Method) throw amqpError(ReplyCode.UnexpectedFrame, 'expected method frame, got non method frame instead');
    if (channelId > this.channelMax) throw amqpError(ReplyCode.ChannelError, `channel id ${channelId} exceeds channel_max ${this.channelMax}`);
    const opening = new Channel(this, channelId);
    handle(opening); // throws unless the frame is channel.open, which registers the channel
  }

  // --- connection class -----------------------------------------------------------------------

  private onConnectionMethod(m: Method): void {
    if (this.state === 'closing') {
      if (m.id === MethodId.ConnectionCloseOk) return this.destroy();
      if (m.id === MethodId.ConnectionClose) {
        this.writer.method(0, { id: MethodId.ConnectionCloseOk });
        return this.destroy();
      }
      return; // everything else is ignored while we wait for close-ok
    }
    switch (m.id) {
      case MethodId.ConnectionOpen:
        if (this.state !== 'open') break;
        try {
          return this.onOpen(m.virtualHost);
        } catch (err) {
          throw err instanceof AmqpError ? err.withMethod(m.id) : err;
        }
      case MethodId.ConnectionClose:
        this.log.info('connection_closed_by_client', { code: m.replyCode, text: m.replyText });
        this.writer.method(0, { id: MethodId.ConnectionCloseOk });
        this.writer.flush();
        return this.destroy(true);
      case MethodId.ConnectionUpdateSecret:
        if (this.state !== 'opened') break;
        this.writer.method(0, { id: MethodId.ConnectionUpdateSecretOk });
        return;
      case MethodId.ConnectionBlocked:
      case MethodId.ConnectionUnblocked:
        return; // a client telling us it is blocked changes nothing here
    }
    throw amqpError(ReplyCode.ChannelError, 'unexpected method in connection state running').withMethod(m.id);
  }

  private onStartOk(mechanism: string, response: Buffer, clientProperties: Record<string, unknown>): void {
    this.clientProperties = clientProperties;
    if (!this.mechanisms().includes(mechanism)) return this.abortHandshake(`unknown authentication mechanism '${mechanism}'`);
    // EXTERNAL: the certificate names the user, who must exist (no password is checked).
    const external = mechanism === 'EXTERNAL' ? certificateIdentity(this.socket, this.ctx.options)! : undefined;
    const creds = external !== undefined ? { username: external, password: '' } : parseSaslResponse(mechanism, response);
    if (!creds) return this.abortHandshake(`malformed ${mechanism} response`);
    const user = external !== undefined ? this.ctx.users.users.get(external) : this.ctx.users.authenticate(creds.username, creds.password);
    // loopback_users: refused exactly like a wrong password (RabbitMQ only logs the reason).
    const remoteOnly = user !== undefined && this.ctx.options.loopbackUsers.includes(user.name) && !isLoopbackAddress(this.socket.remoteAddress);
    this.ctx.users.attempts.record('amqp091', user !== undefined && !remoteOnly);
    if (!user || remoteOnly) {
      this.log.warning('authentication_failed', { user: creds.username, mechanism, ...(remoteOnly ? { reason: `user '${creds.username}' can only connect via localhost` } : {}) });
      return this.refuseLogin(mechanism, clientProperties);
    }
    this.user = user;
    this.state = 'tune-ok';
    this.writer.method(0, {
      id: MethodId.ConnectionTune,
      channelMax: this.ctx.options.channelMax,
      frameMax: this.ctx.options.frameMax,
      heartbeat: this.ctx.options.heartbeat,
    });
  }

  private onTuneOk(channelMax: number, frameMax: number, heartbeat: number): void {
    const o = this.ctx.options;
    // Out-of-range tuning ends the handshake without a reply (RabbitMQ 3.10 behaviour).
    if (frameMax < FRAME_MIN_SIZE) return this.abortHandshake(`frame_max=${frameMax} < ${FRAME_MIN_SIZE}`);
    if (frameMax > o.frameMax) return this.abortHandshake(`frame_max=${frameMax} > ${o.frameMax}`);
    if (channelMax > o.channelMax || (channelMax === 0 && o.channelMax !== 0)) {
      return this.abortHandshake(`channel_max=${channelMax} exceeds ${o.channelMax}`);
    }
    this.channelMax = channelMax;
    this.frameMax = frameMax;
    this.writer.frameMax = this.frameMax;
    this.parser.maxPayload = this.frameMax;
    this.parser.limitShown = this.frameMax - 8;
    this.heartbeat = heartbeat;
    this.state = 'open';
    this.startHeartbeats();
  }

  private onOpen(vhostName: string): void {
    const vhost = this.ctx.broker.vhost(vhostName);
    if (!vhost) throw amqpError(ReplyCode.NotAllowed, `vhost ${vhostName} not found`);
    const user = this.user!;
    // Limits are checked before access, as RabbitMQ does (a refused user learns of the limit).
    const vhostMax = vhost.limits['max-connections'];
    if (isOverLimit(vhostMax, this.ctx.tracker.vhostConnections(vhostName))) {
      throw amqpError(ReplyCode.NotAllowed, `access to vhost '${vhostName}' refused for user '${user.name}': connection limit (${vhostMax}) is reached`);
    }
    const userMax = this.ctx.users.users.get(user.name)?.limits?.['max-connections'];
    if (isOverLimit(userMax, this.ctx.tracker.userConnections(user.name))) {
      throw amqpError(ReplyCode.NotAllowed, `connection refused for user '${user.name}': user connection limit (${userMax}) is reached`);
    }
    if (!this.ctx.users.permission(user.name, vhostName)) {
      throw amqpError(ReplyCode.NotAllowed, `access to vhost '${vhostName}' refused for user '${user.name}'`);
    }
    this.vhost = vhost;
    this.state = 'opened';
    this.ctx.broker.counters.connectionsOpened++;
    this.ctx.tracker.add(this, vhostName, user.name);
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    this.writer.method(0, { id: MethodId.ConnectionOpenOk });
    this.log.info('connection_opened', {
      user: user.name,
      vhost: vhostName,
      client: String((this.clientProperties['product'] as string | undefined) ?? ''),
      name: (this.clientProperties['connection_name'] as string | undefined) ?? undefined,
    });
  }

  // --- resource alarms ------------------------------------------------------------------------

  /**
   * A publisher sent content while an alarm is in effect: tell it (connection.blocked, once, if it
   * announced the capability) and stop reading from it. As in RabbitMQ 3.10.8, connections that do
   * not publish during the alarm are neither told nor stopped, so consumers keep draining.
   */
  private block(): void {
    if (this.readPaused || this.state !== 'opened') return;
    const caps = this.clientProperties['capabilities'] as Record<string, unknown> | undefined;
    if (caps?.['connection.blocked'] === true) {
      this.blockedNotified = true;
      this.writer.method(0, { id: MethodId.ConnectionBlocked, reason: this.ctx.alarms.reason });
    }
    this.readPaused = true;
    this.parser.pause();
    this.socket.pause();
    this.log.info('connection_blocked', { reason: this.ctx.alarms.reason });
  }

  /** An alarm cleared: once none is left, a blocked connection is unblocked and read again. */
  onAlarmCleared(): void {
    if (!this.readPaused || this.ctx.alarms.active || this.state === 'closed') return;
    if (this.blockedNotified) this.writer.method(0, { id: MethodId.ConnectionUnblocked });
    this.blockedNotified = false;
    this.readPaused = false;
    this.lastReceived = Date.now();
    this.log.info('connection_unblocked');
    this.socket.resume();
    try {
      this.parser.resume();
    } catch (err) {
      this.handleError(err, 0, 0);
    }
  }

  // --- heartbeats -----------------------------------------------------------------------------

  private startHeartbeats(): void {
    if (this.heartbeat === 0) return;
    const intervalMs = (this.heartbeat * 1000) / 2;
    this.heartbeatTimer = setInterval(() => {
      // A connection we stopped reading cannot be judged by what we received.
      if (!this.readPaused && Date.now() - this.lastReceived > this.heartbeat * 2000) {
        this.log.warning('missed_heartbeats', { timeout_s: this.heartbeat });
        return this.destroy();
      }
      if (!this.writer.sentSinceCheck) this.writer.heartbeat();
      this.writer.sentSinceCheck = false;
    }, intervalMs);
    this.heartbeatTimer.unref();
  }

  // --- errors and closing ---------------------------------------------------------------------

  /** Turns anything thrown while handling input into the right close; never rethrows. */
  handleError(err: unknown, classId: number, methodId: number): void {
    if (this.state === 'start-ok' || this.state === 'tune-ok') return this.abortHandshake(String(err));
    let e: AmqpError;
    if (err instanceof AmqpError) e = err;
    else if (err instanceof FrameError) e = amqpError(ReplyCode.FrameError, err.message);
    else if (err instanceof DecodeError) e = amqpError(ReplyCode.FrameError, err.message);
    else if (err instanceof UnknownMethodError) {
      e = amqpError(ReplyCode.NotImplemented, `unknown method ${err.classId}.${err.methodId}`);
      e.classId = err.classId;
      e.methodId = err.methodId;
    } else {
      this.log.error('internal_error', { error: err instanceof Error ? err.stack ?? err.message : String(err) });
      e = amqpError(ReplyCode.InternalError, 'internal error');
    }
    if (e.classId === 0 && e.methodId === 0) {
      e.classId = classId;
      e.methodId = methodId;
    }
    this.closeWithError(e);
  }

  /**
   * A refused login is answered after options.authFailureDelay, with nothing read from the socket
   * meanwhile, so each guess costs the guesser that long. Only clients that announce
   * authentication_failure_close get a reason; others see EOF (as RabbitMQ).
   */
  private refuseLogin(mechanism: string, clientProperties: Record<string, unknown>): void {
    this.parser.pause();
    this.socket.pause();
    const caps = clientProperties['capabilities'] as Record<string, unknown> | undefined;
    const refuse = () => {
      if (this.state !== 'start-ok') return; // the peer left, or the broker closed it meanwhile
      if (caps?.['authentication_failure_close'] !== true) return this.destroy();
      this.close(ReplyCode.AccessRefused, `ACCESS_REFUSED - Login was refused using authentication mechanism ${mechanism}. For details see the broker logfile.`);
    };
    const delay = this.ctx.options.authFailureDelay;
    if (delay <= 0) return refuse();
    setTimeout(refuse, delay).unref();
  }

  /** Sends connection.close for a hard error and waits (briefly) for close-ok. */
  closeWithError(e: AmqpError): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.log.warning('connection_error', { code: e.code, text: e.text });
    this.close(e.code, e.text, e.classId, e.methodId);
  }

  /** Server-initiated close (errors, operator close with 320, shutdown). */
  close(code: number, text: string, classId = 0, methodId = 0): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    const beforeHandshake = this.state === 'header';
    this.state = 'closing';
    this.releaseChannels();
    if (beforeHandshake) return this.destroy();
    this.writer.method(0, { id: MethodId.ConnectionClose, replyCode: code, replyText: truncateReplyText(text), classId, methodId });
    this.writer.flush();
    this.closeTimer = setTimeout(() => this.destroy(), 1000);
    this.closeTimer.unref();
  }

  private releaseChannels(): void {
    this.ctx.tracker.remove(this);
    for (const ch of this.channels.values()) ch.release();
    this.channels.clear();
    this.vhost?.releaseOwner(this);
  }

  /** Ends the socket (after flushing what is queued) and releases everything. */
  destroy(graceful = false): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.parser.stop();
    this.releaseChannels();
    this.clearTimers();
    this.writer.flush();
    if (graceful) this.socket.end();
    else this.socket.end(() => this.socket.destroy());
    // A peer that never reads must not keep the socket alive forever.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  private clearTimers(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.heartbeatTimer = this.handshakeTimer = this.closeTimer = null;
  }

  private onSocketClosed(): void {
    if (this.state !== 'closed') {
      this.log.info('connection_lost');
      this.state = 'closed';
      this.parser.stop();
      this.releaseChannels();
      this.clearTimers();
    } else {
      this.log.debug('connection_closed');
    }
    if (this.vhost !== null) {
      this.ctx.broker.counters.connectionsClosed++;
      this.vhost.closedTraffic.recvOct += this.socket.bytesRead;
      this.vhost.closedTraffic.sendOct += this.socket.bytesWritten;
    }
    this.onGone(this);
  }

  private onDrain(): void {
    if (!this.writeBlocked) return;
    this.writeBlocked = false;
    for (const ch of this.channels.values()) ch.resumeDeliveries();
  }
}

/** 505 for a frame that is not allowed where it arrived, with RabbitMQ's frame snippet. */
function unexpectedFrame(type: number, buf: Buffer, start: number, end: number): AmqpError {
  return amqpError(ReplyCode.UnexpectedFrame, frameSnippet(type, buf.subarray(start, end)));
}
