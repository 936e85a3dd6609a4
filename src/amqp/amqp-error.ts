import { hardErrorCodes, replyCodeNames } from './spec.js';

/**
 * An AMQP error to be reported to the peer: a channel.close for soft errors (403, 404, 405, 406)
 * or a connection.close for hard ones (5xx, 530, 320). `text` is the full reply text in RabbitMQ's
 * style, e.g. "NOT_FOUND - no queue 'x' in vhost '/'". The class and method ids of the method that
 * failed are filled in by the channel that catches it.
 */
export class AmqpError extends Error {
  classId = 0;
  methodId = 0;

  constructor(
    readonly code: number,
    readonly text: string,
  ) {
    super(text);
    this.name = 'AmqpError';
  }

  get isHard(): boolean {
    return hardErrorCodes.has(this.code);
  }

  /** Attaches the failing method's id (class id << 16 | method index) unless already set. */
  withMethod(id: number): this {
    if (this.classId === 0 && this.methodId === 0) {
      this.classId = id >>> 16;
      this.methodId = id & 0xffff;
    }
    return this;
  }
}

/** Builds an error whose text is prefixed with the reply code's name, as RabbitMQ writes it. */
export function amqpError(code: number, detail: string): AmqpError {
  return new AmqpError(code, `${replyCodeNames[code] ?? 'ERROR'} - ${detail}`);
}

/** reply-text is a shortstr: like RabbitMQ, cut longer texts to 252 bytes and mark with "...". */
export function truncateReplyText(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= 255) return text;
  return bytes.subarray(0, 252).toString('utf8').replace(/\uFFFD$/, '') + '...';
}
