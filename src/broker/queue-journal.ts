import type { Message } from './message.js';

/**
 * What a durable queue reports to durable storage about stored messages (those with a storeId).
 * The model stays free of files: the store implements this per queue.
 */
export interface QueueJournal {
  /** The message left the queue for good: acked, rejected without requeue, expired, dropped. */
  removed(m: Message): void;
  /** The message was handed to a consumer that must acknowledge it. */
  delivered(m: Message): void;
  /** All these messages were removed at once (purge, queue deletion). */
  purged(messages: Message[]): void;
}
