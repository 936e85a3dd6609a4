import { randomBytes } from 'node:crypto';

export const REPLY_TO_QUEUE = 'amq.rabbitmq.reply-to';
export const REPLY_TO_PREFIX = 'amq.rabbitmq.reply-to.';

/** The channel side of a direct reply-to consumer. */
export interface ReplyReceiver {
  receiveReply(exchange: string, routingKey: string, properties: Buffer, body: Buffer): void;
}

/**
 * Direct reply-to (amq.rabbitmq.reply-to): replies skip queues entirely. A requester channel that
 * consumes the pseudo-queue gets a unique reply address; publishing to the default exchange with
 * that address as routing key hands the message straight to the requester's channel.
 */
export class DirectReplyRegistry {
  private readonly receivers = new Map<string, ReplyReceiver>();

  register(receiver: ReplyReceiver): string {
    const name = REPLY_TO_PREFIX + randomBytes(18).toString('base64url');
    this.receivers.set(name, receiver);
    return name;
  }

  unregister(name: string): void {
    this.receivers.delete(name);
  }

  lookup(name: string): ReplyReceiver | undefined {
    return this.receivers.get(name);
  }
}
