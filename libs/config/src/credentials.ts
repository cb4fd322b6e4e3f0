import type { DatabaseSettings } from './config.types';
import { EnvError, looksLikePlaceholder, parseKeyring } from './env-parsers';
import type { EnvReader } from './env-reader';

/**
 * The variables that carry credentials: each has a development default or none, and in
 * production each is checked for placeholder values (`EnvReader.secret`).
 */

const MIN_JWT_SECRET_BYTES = 32;

/** The least-privileged role the apps connect as (DATABASE_APP_ROLE / _PASSWORD). */
export function readDatabaseAppRole(r: EnvReader): DatabaseSettings['appRole'] {
  const name = r.optional('DATABASE_APP_ROLE', (v) => {
    // a plain identifier: it is quoted anyway, but an odd name is a typo, not a wish
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(v)) {
      throw new EnvError('must be a lower-case PostgreSQL role name (letters, digits, "_")');
    }
    return v;
  });
  const password = r.optional('DATABASE_APP_PASSWORD', (v) => v);
  if (password !== undefined && name === undefined) {
    r.problem('DATABASE_APP_PASSWORD is set but DATABASE_APP_ROLE is not');
  }
  r.secret('DATABASE_APP_PASSWORD', password);
  return name === undefined ? undefined : { name, password };
}

export function readJwtAccessSecret(r: EnvReader): string {
  const secret = r.read(
    'JWT_ACCESS_SECRET',
    (v) => {
      if (Buffer.byteLength(v, 'utf8') < MIN_JWT_SECRET_BYTES) {
        throw new EnvError(
          `must be at least ${MIN_JWT_SECRET_BYTES} bytes (256 bits) of random data; generate one with: openssl rand -base64 48`,
        );
      }
      return v;
    },
    r.production ? undefined : 'dev-only-insecure-jwt-secret-change-me-0123456789abcdef',
  );
  r.secret('JWT_ACCESS_SECRET', secret);
  return secret;
}

/** The administrator created on first start (ADMIN_EMAIL and ADMIN_PASSWORD, both or neither). */
export function readFirstAdmin(r: EnvReader): { adminEmail?: string; adminPassword?: string } {
  const adminEmail = r.optional('ADMIN_EMAIL', (v) => {
    if (!/^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/.test(v.trim()))
      throw new EnvError('must be an e-mail address');
    return v.trim().toLowerCase();
  });
  const adminPassword = r.optional('ADMIN_PASSWORD', (v) => v);
  r.secret('ADMIN_PASSWORD', adminPassword);
  if ((adminEmail === undefined) !== (adminPassword === undefined)) {
    r.problem('ADMIN_EMAIL and ADMIN_PASSWORD must be set together (or neither)');
  }
  return { adminEmail, adminPassword };
}

/** The keyring files are encrypted with, and the key new files use. */
export function readKeyring(r: EnvReader): {
  encryptionKeys: Map<string, Buffer>;
  activeKeyId: string;
} {
  const encryptionKeysRaw = r.raw('DATA_ENCRYPTION_KEYS');
  const encryptionKeys = r.read(
    'DATA_ENCRYPTION_KEYS',
    parseKeyring,
    r.production ? undefined : 'dev:ZGV2LW9ubHktaW5zZWN1cmUta2V5LWNoYW5nZS1tZSE=',
  );
  r.secret('DATA_ENCRYPTION_KEYS', encryptionKeysRaw);
  if (r.production && encryptionKeys) {
    for (const [id, key] of encryptionKeys) {
      if (looksLikePlaceholder(key.toString('latin1'))) {
        r.problem(
          `DATA_ENCRYPTION_KEYS key "${id}" is a placeholder; generate one with: openssl rand -base64 32`,
        );
      }
    }
  }
  // without a valid keyring the active key cannot be checked; the keyring problem is reported
  const activeKeyId = encryptionKeys
    ? r.read('DATA_ENCRYPTION_ACTIVE_KEY', (v) => v.trim(), [...encryptionKeys.keys()][0])
    : (r.optional('DATA_ENCRYPTION_ACTIVE_KEY', (v) => v.trim()) as string);
  if (encryptionKeys && activeKeyId && !encryptionKeys.has(activeKeyId)) {
    r.problem(`DATA_ENCRYPTION_ACTIVE_KEY "${activeKeyId}" is not one of DATA_ENCRYPTION_KEYS`);
  }
  return { encryptionKeys, activeKeyId };
}
