import { Reader } from '../amqp/buffer-reader.js';

export interface Credentials {
  username: string;
  password: string;
}

export const supportedMechanisms = ['PLAIN', 'AMQPLAIN'];

/**
 * Extracts credentials from a SASL response. PLAIN is "authzid\0user\0password"; AMQPLAIN is
 * the body of a field table (no length prefix) with LOGIN and PASSWORD. Undefined if malformed.
 */
export function parseSaslResponse(mechanism: string, response: Buffer): Credentials | undefined {
  if (mechanism === 'PLAIN') {
    const parts = response.toString('utf8').split('\u0000');
    if (parts.length !== 3) return undefined;
    return { username: parts[1], password: parts[2] };
  }
  if (mechanism === 'AMQPLAIN') {
    const framed = Buffer.allocUnsafe(4 + response.length);
    framed.writeUInt32BE(response.length, 0);
    response.copy(framed, 4);
    try {
      const table = new Reader(framed).table();
      const login = table['LOGIN'];
      const password = table['PASSWORD'];
      if (login === undefined || password === undefined) return undefined;
      return { username: String(login), password: String(password) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}
