// Message rates and history for the management API, as RabbitMQ's management plugin keeps them:
// every collect_statistics_interval (5 s) one timer samples the counters and lengths of every
// object into a small ring per object. Rates come from the last two samples; the charts'
// `samples` arrays (lengths_age/msg_rates_age/...) from the ring.
import type { Exchange } from '../../broker/exchange.js';
import type { MessageCounters } from '../../broker/message-stats.js';
import type { Queue } from '../../broker/queue.js';
import type { VHost } from '../../broker/vhost.js';
import type { ChannelView, ConnectionView, ManagementContext } from '../context.js';

/** The message_stats counters in ring order (deliver_get is derived from four of them). */
export const COUNTERS = ['publish', 'confirm', 'returnUnroutable', 'dropUnroutable', 'deliver', 'deliverNoAck', 'get', 'getNoAck', 'getEmpty', 'redeliver', 'ack'] as const;
export type CounterName = (typeof COUNTERS)[number];

/** Ring layouts: which figure sits at which index of an object's sample. */
export const LENGTHS = ['messages', 'ready', 'unacked'] as const;
export const queueLayout = [...LENGTHS, ...COUNTERS] as const;
export const vhostLayout = [...LENGTHS, ...COUNTERS, 'recvOct', 'sendOct'] as const;
export const channelLayout = COUNTERS;
export const exchangeLayout = ['publishIn', 'publishOut'] as const;
export const connectionLayout = ['recvOct', 'sendOct'] as const;
export const churnLayout = ['connectionsOpened', 'connectionsClosed', 'channelsOpened', 'channelsClosed', 'queuesCreated', 'queuesDeclared', 'queuesDeleted'] as const;

/** Sampling history: an hour for vhosts and the node (overview charts), a minute for the rest. */
const LONG_MS = 3_600_000;
const SHORT_MS = 60_000;
/** Bounds on ring sizes whatever the interval (tests sample every few ms). */
const MAX_LONG = 4000;
const MAX_SHORT = 300;

/** A fixed ring of samples of `width` figures, indexed by the sampler's tick number. */
export class Ring {
  readonly values: Float64Array;

  constructor(readonly capacity: number, readonly width: number, readonly firstTick: number) {
    this.values = new Float64Array(capacity * width);
  }
}

/** A requested history: `age` back from now in steps of `incr` (RabbitMQ's *_age/*_incr, in s). */
export interface Range {
  readonly ageMs: number;
  readonly incrMs: number;
}

export class StatsSampler {
  /** Timestamps of the ticks, by tick % longCapacity. */
  private readonly times: Float64Array;
  private tick = -1;
  private readonly longCapacity: number;
  private readonly shortCapacity: number;
  private timer: NodeJS.Timeout | null = null;
  private queues = new WeakMap<Queue, Ring>();
  private exchanges = new WeakMap<Exchange, Ring>();
  private vhosts = new WeakMap<VHost, Ring>();
  private channels = new WeakMap<ChannelView, Ring>();
  private connections = new WeakMap<ConnectionView, Ring>();
  /** Counters as they were at the last reset, by counted object (see since()). */
  private baselines = new WeakMap<object, Record<string, number>>();
  readonly churn: Ring;

  constructor(private readonly ctx: Omit<ManagementContext, 'stats'>, readonly intervalMs: number) {
    this.longCapacity = Math.min(MAX_LONG, Math.ceil(LONG_MS / intervalMs) + 1);
    this.shortCapacity = Math.min(MAX_SHORT, Math.ceil(SHORT_MS / intervalMs) + 1);
    this.times = new Float64Array(this.longCapacity);
    this.churn = new Ring(this.longCapacity, churnLayout.length, 0);
  }

  /** Samples now and then every interval (the timer does not keep the process alive). */
  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Takes one sample of every object. */
  sample(now = Date.now()): void {
    const t = ++this.tick;
    this.times[t % this.longCapacity] = now;
    const c = this.ctx.broker.counters;
    this.write(this.churn, t, [c.connectionsOpened, c.connectionsClosed, c.channelsOpened, c.channelsClosed, c.queuesCreated, c.queuesDeclared, c.queuesDeleted]);
    for (const v of this.ctx.broker.vhosts.values()) {
      let ready = 0;
      let unacked = 0;
      for (const q of v.queues.values()) {
        ready += q.messageCount;
        unacked += q.unackedCount;
        // No ring for a queue that has only ever been idle: its history is all zeros, which is
        // what a missing ring reads as. Thousands of idle queues would otherwise hold 1.5 KB each.
        let r = this.queues.get(q);
        if (r === undefined) {
          if (q.messageCount === 0 && q.unackedCount === 0 && allZero(this.since(q, q.stats))) continue;
          // The previous sample was all zeros too: start the ring there so the first rate is right.
          this.queues.set(q, (r = new Ring(this.shortCapacity, queueLayout.length, Math.max(0, t - 1))));
        }
        const base = (t % r.capacity) * r.width;
        r.values[base] = q.messageCount + q.unackedCount;
        r.values[base + 1] = q.messageCount;
        r.values[base + 2] = q.unackedCount;
        writeCounters(r.values, base + 3, this.since(q, q.stats));
      }
      for (const e of v.exchanges.values()) {
        const s = this.since(e, e.stats);
        if (s.publishIn === 0 && !this.exchanges.has(e)) continue; // no traffic yet: nothing to chart
        this.write(this.ring(this.exchanges, e, this.shortCapacity, exchangeLayout.length), t, [s.publishIn, s.publishOut]);
      }
      const r = this.ring(this.vhosts, v, this.longCapacity, vhostLayout.length);
      const base = (t % r.capacity) * r.width;
      r.values[base] = ready + unacked;
      r.values[base + 1] = ready;
      r.values[base + 2] = unacked;
      writeCounters(r.values, base + 3, this.since(v, v.stats));
      const traffic = this.vhostTraffic(v);
      r.values[base + 3 + COUNTERS.length] = traffic.recvOct;
      r.values[base + 4 + COUNTERS.length] = traffic.sendOct;
    }
    for (const conn of this.ctx.connections) {
      if (conn.user === null) continue;
      this.write(this.ring(this.connections, conn, this.shortCapacity, connectionLayout.length), t, [conn.socket.bytesRead, conn.socket.bytesWritten]);
      for (const ch of conn.channels.values()) {
        const r = this.ring(this.channels, ch, this.shortCapacity, channelLayout.length);
        writeCounters(r.values, (t % r.capacity) * r.width, this.since(ch, ch.stats.totals()));
      }
    }
  }

  /**
   * DELETE /api/reset: the management statistics start again from zero, as RabbitMQ's reset of
   * its management database: message_stats count from now and the rate histories are dropped.
   * The objects' own counters (which /metrics reports, as RabbitMQ's core metrics) are untouched.
   */
  reset(): void {
    this.baselines = new WeakMap();
    for (const v of this.ctx.broker.vhosts.values()) {
      this.baselines.set(v, { ...v.stats });
      for (const q of v.queues.values()) this.baselines.set(q, { ...q.stats });
      for (const e of v.exchanges.values()) this.baselines.set(e, { ...e.stats });
    }
    for (const c of this.ctx.connections) for (const ch of c.channels.values()) this.baselines.set(ch, { ...ch.stats.totals() });
    this.queues = new WeakMap();
    this.exchanges = new WeakMap();
    this.vhosts = new WeakMap();
    this.channels = new WeakMap();
    this.connections = new WeakMap();
  }

  /** `owner`'s `counters` counted from the last reset (the counters themselves if never reset). */
  since<T extends object>(owner: object, counters: T): T {
    const base = this.baselines.get(owner);
    if (base === undefined) return counters;
    const out = Object.create(Object.getPrototypeOf(counters)) as Record<string, unknown>;
    for (const [k, value] of Object.entries(counters)) out[k] = typeof value === 'number' ? value - (base[k] ?? 0) : value;
    return out as T;
  }

  /** Bytes from and to a vhost's connections, the closed ones included. */
  vhostTraffic(v: VHost): { recvOct: number; sendOct: number } {
    let recvOct = v.closedTraffic.recvOct;
    let sendOct = v.closedTraffic.sendOct;
    for (const c of this.ctx.connections) {
      if (c.vhost !== v) continue;
      recvOct += c.socket.bytesRead;
      sendOct += c.socket.bytesWritten;
    }
    return { recvOct, sendOct };
  }

  queueRing(q: Queue): Ring | undefined { return this.queues.get(q); }
  exchangeRing(e: Exchange): Ring | undefined { return this.exchanges.get(e); }
  vhostRing(v: VHost): Ring | undefined { return this.vhosts.get(v); }
  channelRing(ch: ChannelView): Ring | undefined { return this.channels.get(ch); }
  connectionRing(c: ConnectionView): Ring | undefined { return this.connections.get(c); }

  /**
   * Per second change of the sum of `fields` over the last two samples of the rings (several
   * rings: a sum over objects, e.g. the overview over vhosts); 0 until there are two samples.
   */
  rate(rings: readonly Ring[], fields: readonly number[]): number {
    const t = this.tick;
    if (t < 1) return 0;
    const seconds = (this.times[t % this.longCapacity] - this.times[(t - 1) % this.longCapacity]) / 1000;
    if (!(seconds > 0)) return 0;
    let delta = 0;
    for (const r of rings) {
      if (r.firstTick > t - 1) continue;
      delta += this.valueAt(r, t, fields) - this.valueAt(r, t - 1, fields);
    }
    return round(delta / seconds);
  }

  /**
   * RabbitMQ's history for a chart: age/incr + 1 samples, newest first, at timestamps aligned to
   * incr; each the value last sampled at or before its timestamp (0 before the object existed).
   */
  history(rings: readonly Ring[], fields: readonly number[], range: Range, now = Date.now()): { avg: number; avg_rate: number; samples: { sample: number; timestamp: number }[] } {
    const newest = Math.floor(now / range.incrMs) * range.incrMs;
    const count = Math.floor(range.ageMs / range.incrMs) + 1;
    const oldestKept = Math.max(0, this.tick - this.longCapacity + 1);
    const samples: { sample: number; timestamp: number }[] = [];
    let k = this.tick;
    let total = 0;
    for (let i = 0; i < count; i++) {
      const ts = newest - i * range.incrMs;
      while (k >= oldestKept && this.times[k % this.longCapacity] > ts) k--;
      let value = 0;
      if (k >= oldestKept) for (const r of rings) value += this.valueOrOldest(r, k, fields);
      samples.push({ sample: value, timestamp: ts });
      total += value;
    }
    const span = (count - 1) * range.incrMs;
    const avgRate = span > 0 ? (samples[0].sample - samples[count - 1].sample) / (span / 1000) : 0;
    return { avg: total / count, avg_rate: avgRate, samples };
  }

  /** The ring's value at tick k; its oldest retained value when k fell off; 0 before it existed. */
  private valueOrOldest(r: Ring, k: number, fields: readonly number[]): number {
    if (k < r.firstTick) return 0;
    const oldest = Math.max(r.firstTick, this.tick - r.capacity + 1);
    return this.valueAt(r, Math.max(k, oldest), fields);
  }

  private valueAt(r: Ring, k: number, fields: readonly number[]): number {
    const base = (k % r.capacity) * r.width;
    let v = 0;
    for (const f of fields) v += r.values[base + f];
    return v;
  }

  private ring<K extends object>(map: WeakMap<K, Ring>, key: K, capacity: number, width: number): Ring {
    let r = map.get(key);
    if (r === undefined) map.set(key, (r = new Ring(capacity, width, this.tick)));
    return r;
  }

  private write(r: Ring, t: number, values: readonly number[]): void {
    const base = (t % r.capacity) * r.width;
    for (let i = 0; i < values.length; i++) r.values[base + i] = values[i];
  }
}

function allZero(c: MessageCounters): boolean {
  for (const name of COUNTERS) if (c[name] !== 0) return false;
  return true;
}

function writeCounters(out: Float64Array, at: number, c: MessageCounters): void {
  for (let i = 0; i < COUNTERS.length; i++) out[at + i] = c[COUNTERS[i]];
}

/** Rates as RabbitMQ shows them: a few decimals, not float noise. */
function round(v: number): number {
  return Math.round(v * 100) / 100;
}
