/**
 * Room keys and the access key are kept and compared as SHA-256 digests: equal-length buffers
 * for `timingSafeEqual`, whatever length a client sends, and no plaintext key in memory.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** The SHA-256 digest of a secret's UTF-8 bytes. */
export function digestOf(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Whether `secret` hashes to `digest`, in time independent of where they differ. */
export function matchesDigest(secret: string, digest: Buffer): boolean {
  return timingSafeEqual(digestOf(secret), digest);
}
