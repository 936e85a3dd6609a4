// Counting a publish on the objects it touched: the exchange, the queues, the vhost and the node.
// A channel adds its own per-channel tallies on top (server/channel-stats.ts); the broker's internal
// publishers (the management API's publish, shovels) count just this, as RabbitMQ's count theirs
// through the channels they use.
import type { Exchange } from './exchange.js';
import type { Queue } from './queue.js';
import type { VHost } from './vhost.js';

/** A publish into `exchange`, routed or not. */
export function countReceived(v: VHost, exchange: Exchange, confirming: boolean): void {
  exchange.stats.publishIn++;
  v.stats.publish++;
  v.counters.received++;
  if (confirming) v.counters.receivedConfirm++;
}

/** Where a counted publish went: to `queues`, or, with none, back to a mandatory publisher or dropped. */
export function countRouted(v: VHost, exchange: Exchange, queues: ReadonlySet<Queue>, mandatory: boolean): void {
  if (queues.size === 0) {
    if (mandatory) {
      v.stats.returnUnroutable++;
      v.counters.unroutableReturned++;
    } else {
      v.stats.dropUnroutable++;
      v.counters.unroutableDropped++;
    }
    return;
  }
  v.counters.routed++;
  exchange.stats.publishOut += queues.size;
  for (const q of queues) q.stats.publish++;
}

/** A publish confirmed to its publisher. */
export function countConfirmed(v: VHost): void {
  v.stats.confirm++;
  v.counters.confirmed++;
}
