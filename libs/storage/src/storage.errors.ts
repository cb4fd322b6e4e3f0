import { AppError, dependencyUnavailable, isDependencyOutage } from '@docent/common';

/**
 * The storage library's error catalogue. Callers test with `instanceof` (or the exported codes),
 * never by matching a code string of their own.
 */
export const STORAGE_TOO_LARGE = 'storage_too_large';
export const STORAGE_NOT_FOUND = 'storage_not_found';
export const STORAGE_INVALID_KEY = 'storage_invalid_key';
export const STORAGE_CORRUPT = 'storage_corrupt';
export const STORAGE_READ_FAILED = 'storage_read_failed';

/** A `put` source was longer than its `maxBytes`; nothing was kept. */
export class StorageTooLargeError extends AppError {
  constructor(readonly maxBytes: number) {
    super('too_large', STORAGE_TOO_LARGE, `The file is larger than ${maxBytes} bytes.`);
  }
}

/** No file is stored under the key. */
export class StorageNotFoundError extends AppError {
  constructor(readonly key: string) {
    super('not_found', STORAGE_NOT_FOUND, `No stored file under "${key}".`);
  }
}

/** The key is not one storage accepts (its form, or it would leave the storage root). */
export class StorageInvalidKeyError extends AppError {
  constructor(message = 'The storage key is not valid.') {
    super('bad_request', STORAGE_INVALID_KEY, message);
  }
}

export function storageCorrupt(key: string, cause: unknown): AppError {
  return new AppError(
    'internal',
    STORAGE_CORRUPT,
    `The stored file "${key}" cannot be decrypted: it is damaged, was tampered with, or its key is no longer configured.`,
    { cause },
  );
}

export function storageReadFailed(key: string, cause: unknown): AppError {
  // a failing disk (EIO, a stale network-filesystem handle) is an outage: 503, retry later
  if (isDependencyOutage(cause)) return dependencyUnavailable(cause);
  return new AppError('internal', STORAGE_READ_FAILED, `The stored file "${key}" cannot be read.`, {
    cause,
  });
}
