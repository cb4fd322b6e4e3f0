import { createCipheriv, createDecipheriv } from 'node:crypto';
import { CryptoError } from './crypto-error';

/** GCM tag length of every sealed value and stream segment (the full 128 bits). */
export const TAG_BYTES = 16;

/** AES-256-GCM encryption of one message: the ciphertext (same length) and its tag. */
export function gcmSeal(
  key: Buffer,
  iv: Buffer,
  aad: Buffer,
  plaintext: Buffer,
): { ciphertext: Buffer; tag: Buffer } {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

/**
 * AES-256-GCM decryption of one message. GCM only authenticates at `final()`, after `update()`
 * has already produced the plaintext: on failure that plaintext is zeroed and `crypto_auth_failed`
 * (with `failure` as its message) thrown, so unauthenticated bytes never leave here.
 */
export function gcmOpen(
  key: Buffer,
  iv: Buffer,
  aad: Buffer,
  ciphertext: Buffer,
  tag: Buffer,
  failure: string,
): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const plaintext = decipher.update(ciphertext);
  try {
    decipher.final();
  } catch (cause) {
    plaintext.fill(0);
    throw new CryptoError('crypto_auth_failed', failure, { cause });
  }
  return plaintext;
}
