import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** RabbitMQ's hashing algorithms, by the names definitions files use. */
export type HashingAlgorithm = 'rabbit_password_hashing_sha256' | 'rabbit_password_hashing_sha512' | 'rabbit_password_hashing_md5';

const digestOf: Record<HashingAlgorithm, string> = {
  rabbit_password_hashing_sha256: 'sha256',
  rabbit_password_hashing_sha512: 'sha512',
  rabbit_password_hashing_md5: 'md5',
};

/**
 * RabbitMQ's salted hash: base64(salt ‖ H(salt ‖ password)) with a 4-byte random salt. Using the
 * same format means password_hash values from a RabbitMQ definitions export work unchanged.
 */
export function hashPassword(password: string, algorithm: HashingAlgorithm = 'rabbit_password_hashing_sha256'): string {
  const salt = randomBytes(4);
  return saltedHash(salt, password, algorithm).toString('base64');
}

export function checkPassword(password: string, passwordHash: string, algorithm: HashingAlgorithm = 'rabbit_password_hashing_sha256'): boolean {
  if (passwordHash === '') return false; // passwordless users cannot log in with a password
  const stored = Buffer.from(passwordHash, 'base64');
  if (stored.length < 5) return false;
  const computed = saltedHash(stored.subarray(0, 4), password, algorithm);
  return computed.length === stored.length && timingSafeEqual(computed, stored);
}

function saltedHash(salt: Buffer, password: string, algorithm: HashingAlgorithm): Buffer {
  const digest = createHash(digestOf[algorithm]).update(salt).update(password, 'utf8').digest();
  return Buffer.concat([salt, digest]);
}
