/**
 * Thrown by the decoders when bytes run out or a value is malformed. The connection turns it
 * into a hard error (502 SYNTAX_ERROR for method arguments, 501 FRAME_ERROR for frames);
 * it never escapes to the process.
 */
export class DecodeError extends Error {
  constructor(
    message: string,
    /** 'utf8' for malformed UTF-8 in a shortstr, which RabbitMQ reports on its own terms. */
    readonly kind: 'truncated' | 'utf8' | 'invalid' = 'truncated',
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}
