import { hkdfSync, randomBytes } from 'node:crypto';
import type { Transform } from 'node:stream';
import { CryptoError } from './crypto-error';
import { gcmOpen, gcmSeal, TAG_BYTES } from './gcm';
import {
  createDecryptStream,
  createEncryptStream,
  type EncryptStreamOptions,
} from './segmented-stream';

export const KEY_BYTES = 32;
export const IV_BYTES = 12;
export { TAG_BYTES };
export const TOKEN_VERSION = 'v1';

/** Same rule as DATA_ENCRYPTION_KEYS in libs/config: ids never contain the token separator. */
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]*$/;
const SEAL_KDF_INFO = Buffer.from('docent/seal/v1', 'ascii');

function toBuffer(value: Buffer | string): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

function malformed(detail: string): CryptoError {
  return new CryptoError('crypto_malformed', `malformed encrypted value: ${detail}`);
}

/** Strict base64url: only the URL-safe alphabet, no padding, canonical trailing bits. */
function decodeBase64url(text: string, what: string): Buffer {
  if (!BASE64URL_PATTERN.test(text)) throw malformed(`${what} is not base64url`);
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) throw malformed(`${what} is not canonical base64url`);
  return bytes;
}

/** Associated data of a sealed value: the token prefix (version and key id) and the caller's. */
function sealAad(keyId: string, aad: Buffer | string): Buffer {
  return Buffer.concat([Buffer.from(`${TOKEN_VERSION}.${keyId}.`, 'ascii'), toBuffer(aad)]);
}

/**
 * AES-256-GCM with named keys, shared by file storage (streams) and chat history (values).
 *
 * Every ciphertext names the key that made it, so rotating is: add the new key, make it active
 * (new data uses it), and keep the old one configured until nothing encrypted with it remains.
 * Removing a key makes its data fail with `crypto_unknown_key_id`.
 *
 * Values: `seal` returns `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts, random 12-byte IV,
 * 16-byte tag); the key is HKDF-SHA256(master, "docent/seal/v1") so values and streams never share
 * a key. Streams: see segmented-stream.ts (64 KiB segments, each authenticated before release).
 *
 * Keys live in private fields: they do not show in `util.inspect`, logs or JSON.
 */
export class Keyring {
  readonly #masters = new Map<string, Buffer>();
  readonly #sealKeys = new Map<string, Buffer>();
  readonly #activeKeyId: string;

  constructor(keys: ReadonlyMap<string, Buffer>, activeKeyId: string) {
    if (keys.size === 0) {
      throw new CryptoError('crypto_invalid_keyring', 'the keyring needs at least one key');
    }
    for (const [keyId, key] of keys) {
      if (!KEY_ID_PATTERN.test(keyId)) {
        throw new CryptoError(
          'crypto_invalid_keyring',
          `key id "${keyId}" must be 1-32 letters, digits, _ or -`,
        );
      }
      if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
        throw new CryptoError(
          'crypto_invalid_keyring',
          `key "${keyId}" must be ${KEY_BYTES} bytes (AES-256)`,
        );
      }
      const master = Buffer.from(key); // a copy: later changes to the caller's buffer do not leak in
      this.#masters.set(keyId, master);
      this.#sealKeys.set(
        keyId,
        Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), SEAL_KDF_INFO, KEY_BYTES)),
      );
    }
    if (!this.#masters.has(activeKeyId)) {
      throw new CryptoError(
        'crypto_invalid_keyring',
        `active key id "${activeKeyId}" is not one of the configured keys`,
      );
    }
    this.#activeKeyId = activeKeyId;
  }

  /** The key new values and streams are encrypted with. */
  get activeKeyId(): string {
    return this.#activeKeyId;
  }

  /** Ids of every configured key (those that can still decrypt). */
  get keyIds(): string[] {
    return [...this.#masters.keys()];
  }

  has(keyId: string): boolean {
    return this.#masters.has(keyId);
  }

  /**
   * Encrypts one value with the active key. `aad` (associated data) is authenticated but not
   * stored: pass what the value belongs to (e.g. `chat:<sessionId>`) so it cannot be moved.
   */
  seal(plaintext: Buffer | string, aad: Buffer | string): string {
    const keyId = this.#activeKeyId;
    const iv = randomBytes(IV_BYTES);
    const { ciphertext, tag } = gcmSeal(
      this.#sealKey(keyId),
      iv,
      sealAad(keyId, aad),
      toBuffer(plaintext),
    );
    return [
      TOKEN_VERSION,
      keyId,
      iv.toString('base64url'),
      ciphertext.toString('base64url'),
      tag.toString('base64url'),
    ].join('.');
  }

  /**
   * Decrypts a value made by `seal` with the key named in it. Throws `crypto_malformed`,
   * `crypto_unknown_key_id` or `crypto_auth_failed`; never returns unauthenticated plaintext.
   */
  open(token: string, aad: Buffer | string): Buffer {
    const { keyId, iv, ciphertext, tag } = this.#parseToken(token);
    return gcmOpen(
      this.#sealKey(keyId),
      iv,
      sealAad(keyId, aad),
      ciphertext,
      tag,
      'encrypted value failed authentication (tampered, or wrong key or associated data)',
    );
  }

  /** `open` as UTF-8 text. */
  openText(token: string, aad: Buffer | string): string {
    return this.open(token, aad).toString('utf8');
  }

  /** The key id a sealed value names (e.g. to re-seal values still on an old key). */
  keyIdOf(token: string): string {
    return this.#parseToken(token).keyId;
  }

  /**
   * A transform that encrypts whatever is written to it with the active key: header first, then
   * authenticated segments. Memory use is about one segment whatever the stream's length.
   */
  encryptStream(aad: Buffer | string, options: EncryptStreamOptions = {}): Transform {
    const keyId = this.#activeKeyId;
    return createEncryptStream(keyId, this.#master(keyId), Buffer.from(toBuffer(aad)), options);
  }

  /**
   * A transform that decrypts a stream made by `encryptStream` with the key its header names. It
   * emits a segment's plaintext only after that segment authenticated; on any failure it errors
   * (a `CryptoError`) and emits nothing more.
   */
  decryptStream(aad: Buffer | string): Transform {
    return createDecryptStream((keyId) => this.#master(keyId), Buffer.from(toBuffer(aad)));
  }

  #master(keyId: string): Buffer {
    const key = this.#masters.get(keyId);
    if (!key) throw this.#unknownKey(keyId);
    return key;
  }

  #sealKey(keyId: string): Buffer {
    const key = this.#sealKeys.get(keyId);
    if (!key) throw this.#unknownKey(keyId);
    return key;
  }

  #unknownKey(keyId: string): CryptoError {
    return new CryptoError(
      'crypto_unknown_key_id',
      `unknown key id "${keyId}": the data was encrypted with a key that is not configured`,
    );
  }

  #parseToken(token: string): { keyId: string; iv: Buffer; ciphertext: Buffer; tag: Buffer } {
    if (typeof token !== 'string') throw malformed('not a string');
    const parts = token.split('.');
    if (parts.length !== 5) throw malformed('expected 5 dot-separated parts');
    const [version, keyId, ivText, ciphertextText, tagText] = parts;
    if (version !== TOKEN_VERSION) throw malformed(`unsupported version "${version.slice(0, 8)}"`);
    if (!KEY_ID_PATTERN.test(keyId)) throw malformed('bad key id');
    const iv = decodeBase64url(ivText, 'IV');
    if (iv.length !== IV_BYTES) throw malformed(`IV must be ${IV_BYTES} bytes`);
    const tag = decodeBase64url(tagText, 'tag');
    if (tag.length !== TAG_BYTES) {
      throw malformed(`authentication tag must be exactly ${TAG_BYTES} bytes (got ${tag.length})`);
    }
    const ciphertext = decodeBase64url(ciphertextText, 'ciphertext');
    return { keyId, iv, ciphertext, tag };
  }
}
