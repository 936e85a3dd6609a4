import type { Message } from '../broker/message.js';
import type { Queue } from '../broker/queue.js';

export type Settlement = 'ack' | 'drop' | 'requeue';

interface TxPublish {
  readonly message: Message;
  readonly queues: Set<Queue>;
  readonly mandatory: boolean;
}

/**
 * Work buffered by a channel in tx mode: publishes (already routed) and settlements of
 * deliveries, applied in order on tx.commit and discarded on tx.rollback.
 */
export class Transaction {
  readonly publishes: TxPublish[] = [];
  private readonly acks: [Settlement, [number, unknown][]][] = [];

  addPublish(message: Message, queues: Set<Queue>, mandatory: boolean): void {
    this.publishes.push({ message, queues, mandatory });
  }

  addAcks<T>(deliveries: [number, T][], how: Settlement): void {
    this.acks.push([how, deliveries]);
  }

  /** Settlements in the order they were made. */
  settlements<T>(): [Settlement, T[]][] {
    return this.acks.map(([how, list]) => [how, list.map(([, u]) => u as T)]);
  }

  /** Deliveries settled inside the transaction, with their delivery tags (for rollback). */
  ackedDeliveries(): [number, unknown][] {
    return this.acks.flatMap(([, list]) => list);
  }
}
