import { AppError, type AppErrorOptions } from '@docent/common';

/**
 * Stable codes for everything the keyring refuses. Every one of them means "stored data or
 * configuration is wrong", never "the caller sent something wrong", so the kind is `internal`.
 */
export type CryptoErrorCode =
  /** A configured key is not 32 bytes, its id is not valid, or the active key is missing. */
  | 'crypto_invalid_keyring'
  /** The value names a key id that is not (or no longer) configured. */
  | 'crypto_unknown_key_id'
  /** The token or stream is not in a format this version understands (incl. truncation). */
  | 'crypto_malformed'
  /** GCM authentication failed: tampered data, wrong key or wrong associated data. */
  | 'crypto_auth_failed';

export class CryptoError extends AppError {
  constructor(
    override readonly code: CryptoErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super('internal', code, message, options);
    this.name = 'CryptoError';
  }
}
