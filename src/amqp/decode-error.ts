/**
 * Thrown by the decoders when bytes run out or a value is malformed. The connection turns it
 * into a hard error (502 SYNTAX_ERROR for method arguments, 501 FRAME_ERROR for frames);
 * it never escapes to the process.
 */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}
