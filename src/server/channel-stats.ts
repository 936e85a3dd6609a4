import type { Exchange } from '../broker/exchange.js';
import { MessageCounters, queueTypeIndex } from '../broker/message-stats.js';
import { countConfirmed, countReceived, countRouted } from '../broker/publish-stats.js';
import type { Queue } from '../broker/queue.js';
import type { VHost } from '../broker/vhost.js';

/** A channel's publishes into one exchange (RabbitMQ's channel_exchange_metrics). */
export class ExchangeFlow {
  publish = 0;
  confirm = 0;
  returnUnroutable = 0;
  dropUnroutable = 0;
  /** Copies routed to each queue (channel_queue_exchange_metrics); entries made on first routing. */
  readonly routed = new Map<Queue, { n: number }>();
  private pruneAt = 16;

  constructor(readonly exchange: Exchange) {}

  countRouted(q: Queue): void {
    const n = this.routed.get(q);
    if (n !== undefined) {
      n.n++;
      return;
    }
    if (this.routed.size >= this.pruneAt) {
      for (const gone of this.routed.keys()) if (gone.deleted) this.routed.delete(gone);
      this.pruneAt = Math.max(16, this.routed.size * 2);
    }
    this.routed.set(q, { n: 1 });
  }
}

/**
 * Message counters of one channel, broken down by exchange (publishes) and by queue (deliveries,
 * gets, acks) as RabbitMQ keeps them for /metrics/per-object. Every event also counts on the
 * queue, the exchange, the vhost and the node, so the management API and /metrics read plain
 * fields. Per message this costs a map lookup and a few increments; entries are made once per
 * exchange or queue the channel uses, and entries of deleted ones are folded away as the maps grow
 * (an RPC client publishing to a new reply queue per call must not grow its channel forever).
 */
export class ChannelStats {
  readonly exchanges = new Map<Exchange, ExchangeFlow>();
  readonly queues = new Map<Queue, MessageCounters>();
  /** Counts of entries folded away (their exchange or queue is gone). */
  private readonly folded = new MessageCounters();
  private pruneExchangesAt = 16;
  private pruneQueuesAt = 16;

  constructor(private readonly vhost: VHost) {}

  /** A publish into `exchange` (routed or not); returns its per-exchange entry. */
  received(exchange: Exchange, confirming: boolean): ExchangeFlow {
    let flow = this.exchanges.get(exchange);
    if (flow === undefined) flow = this.newFlow(exchange);
    flow.publish++;
    countReceived(this.vhost, exchange, confirming);
    return flow;
  }

  /** A publish routed to `queues` (none: returned when mandatory, else dropped). */
  routed(exchange: Exchange, queues: ReadonlySet<Queue>, mandatory: boolean, confirming: boolean): ExchangeFlow {
    const flow = this.received(exchange, confirming);
    countRouted(this.vhost, exchange, queues, mandatory);
    if (queues.size === 0) {
      if (mandatory) flow.returnUnroutable++;
      else flow.dropUnroutable++;
      return flow;
    }
    for (const q of queues) flow.countRouted(q);
    return flow;
  }

  /** A publish confirmed to the client with basic.ack. */
  confirmed(flow: ExchangeFlow): void {
    flow.confirm++;
    countConfirmed(this.vhost);
  }

  /** A delivery to a consumer of `q`. */
  delivered(q: Queue, noAck: boolean, redelivered: boolean): void {
    const c = this.queueCounters(q);
    const t = queueTypeIndex[q.type];
    const g = this.vhost.counters;
    if (noAck) {
      c.deliverNoAck++;
      q.stats.deliverNoAck++;
      this.vhost.stats.deliverNoAck++;
      g.deliveredConsumeAutoAck[t]++;
    } else {
      c.deliver++;
      q.stats.deliver++;
      this.vhost.stats.deliver++;
      g.deliveredConsumeManualAck[t]++;
    }
    if (redelivered) this.redelivered(c, q, t);
  }

  /** A message fetched from `q` with basic.get. */
  got(q: Queue, noAck: boolean, redelivered: boolean): void {
    const c = this.queueCounters(q);
    const t = queueTypeIndex[q.type];
    const g = this.vhost.counters;
    if (noAck) {
      c.getNoAck++;
      q.stats.getNoAck++;
      this.vhost.stats.getNoAck++;
      g.deliveredGetAutoAck[t]++;
    } else {
      c.get++;
      q.stats.get++;
      this.vhost.stats.get++;
      g.deliveredGetManualAck[t]++;
    }
    if (redelivered) this.redelivered(c, q, t);
  }

  /** basic.get found `q` empty. */
  gotEmpty(q: Queue): void {
    this.queueCounters(q).getEmpty++;
    q.stats.getEmpty++;
    this.vhost.stats.getEmpty++;
    this.vhost.counters.getEmpty[queueTypeIndex[q.type]]++;
  }

  /** A delivery from `q` acknowledged. */
  acked(q: Queue): void {
    this.queueCounters(q).ack++;
    q.stats.ack++;
    this.vhost.stats.ack++;
    this.vhost.counters.acknowledged[queueTypeIndex[q.type]]++;
  }

  /** The channel's own message_stats: the sum over its exchanges and queues. */
  totals(): MessageCounters {
    const t = new MessageCounters().add(this.folded);
    for (const f of this.exchanges.values()) addFlow(t, f);
    for (const c of this.queues.values()) t.add(c);
    return t;
  }

  private redelivered(c: MessageCounters, q: Queue, t: number): void {
    c.redeliver++;
    q.stats.redeliver++;
    this.vhost.stats.redeliver++;
    this.vhost.counters.redelivered[t]++;
  }

  private queueCounters(q: Queue): MessageCounters {
    let c = this.queues.get(q);
    if (c === undefined) {
      if (this.queues.size >= this.pruneQueuesAt) {
        for (const [gone, counts] of this.queues) {
          if (!gone.deleted) continue;
          this.folded.add(counts);
          this.queues.delete(gone);
        }
        this.pruneQueuesAt = Math.max(16, this.queues.size * 2);
      }
      this.queues.set(q, (c = new MessageCounters()));
    }
    return c;
  }

  private newFlow(exchange: Exchange): ExchangeFlow {
    if (this.exchanges.size >= this.pruneExchangesAt) {
      for (const [e, f] of this.exchanges) {
        if (this.vhost.exchanges.get(e.name) === e) continue;
        addFlow(this.folded, f);
        this.exchanges.delete(e);
      }
      this.pruneExchangesAt = Math.max(16, this.exchanges.size * 2);
    }
    const flow = new ExchangeFlow(exchange);
    this.exchanges.set(exchange, flow);
    return flow;
  }
}

function addFlow(t: MessageCounters, f: ExchangeFlow): void {
  t.publish += f.publish;
  t.confirm += f.confirm;
  t.returnUnroutable += f.returnUnroutable;
  t.dropUnroutable += f.dropUnroutable;
}
