import { hkdfSync, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ByteQueue } from './byte-queue';
import { CryptoError } from './crypto-error';
import { gcmOpen, gcmSeal, TAG_BYTES } from './gcm';

/*
 * Segmented AES-256-GCM streams ("STREAM" construction, as in Tink's streaming AEAD and age).
 *
 * GCM authenticates a message only when it ends, so a single GCM message over a 50 MB file would
 * force a reader either to buffer the whole file or to hand out plaintext it has not verified yet.
 * Instead the plaintext is cut into segments of `segmentSize` bytes (64 KiB by default); each
 * segment is its own GCM message with its own tag and is released only after its tag verified.
 * Memory stays bounded by about one segment per stream, and a reader never receives a byte that
 * has not been authenticated. The price is 16 bytes of tag per segment (0.02 % at 64 KiB).
 *
 * Layout (all integers big-endian):
 *
 *   header   magic "DCNT" (4) | version 0x01 (1) | segmentSize u32 (4) | keyIdLength u8 (1)
 *            | keyId (ASCII) | salt (16) | noncePrefix (7)
 *   segments ciphertext (segmentSize bytes; the last one 0..segmentSize) | tag (16)
 *
 * - The per-stream key is HKDF-SHA256(master key, salt, "docent/stream/v1"): every stream gets a
 *   fresh key, so (key, IV) pairs never repeat across files and the master key never encrypts a
 *   stream directly.
 * - Segment i uses IV = noncePrefix (7) | i as u32 (4) | final flag (1), and associated data
 *   header | final flag (1) | caller AAD. Swapping or reordering segments changes the IV,
 *   truncating at a segment boundary turns a non-final segment into the last one (flag mismatch),
 *   appending data turns the final segment into a non-final one: all fail authentication.
 * - The whole header is in every segment's associated data, so no header field can be altered,
 *   and the caller AAD (for storage: the storage key) binds a stream to its place.
 * - There is always at least one segment, the final one (an empty plaintext gives one empty
 *   segment), so an empty stream cannot be forged by dropping everything after the header.
 */

export const STREAM_MAGIC = Buffer.from('DCNT', 'ascii');
export const STREAM_VERSION = 1;
export const DEFAULT_SEGMENT_SIZE = 64 * 1024;
export const MIN_SEGMENT_SIZE = 64;
export const MAX_SEGMENT_SIZE = 1024 * 1024;

const SALT_BYTES = 16;
const NONCE_PREFIX_BYTES = 7;
const FIXED_HEADER_BYTES = STREAM_MAGIC.length + 1 + 4 + 1; // up to and including keyIdLength
const MAX_SEGMENTS = 0xffffffff + 1; // u32 counter
const KDF_INFO = Buffer.from('docent/stream/v1', 'ascii');
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** Looks up a master key by id; throws `crypto_unknown_key_id` when it is not configured. */
export type KeyResolver = (keyId: string) => Buffer;

export interface EncryptStreamOptions {
  /** Plaintext bytes per segment; 64 KiB by default. */
  segmentSize?: number;
}

interface StreamContext {
  header: Buffer;
  key: Buffer;
  noncePrefix: Buffer;
  segmentSize: number;
  aad: Buffer;
}

function deriveStreamKey(master: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', master, salt, KDF_INFO, 32));
}

function segmentIv(ctx: StreamContext, index: number, final: boolean): Buffer {
  const iv = Buffer.alloc(12);
  ctx.noncePrefix.copy(iv, 0);
  iv.writeUInt32BE(index, NONCE_PREFIX_BYTES);
  iv[11] = final ? 1 : 0;
  return iv;
}

function segmentAad(ctx: StreamContext, final: boolean): Buffer {
  return Buffer.concat([ctx.header, Buffer.from([final ? 1 : 0]), ctx.aad]);
}

function checkSegmentSize(size: number): void {
  if (!Number.isInteger(size) || size < MIN_SEGMENT_SIZE || size > MAX_SEGMENT_SIZE) {
    throw new RangeError(
      `segmentSize must be an integer between ${MIN_SEGMENT_SIZE} and ${MAX_SEGMENT_SIZE}`,
    );
  }
}

class SegmentEncryptor extends Transform {
  private readonly pending = new ByteQueue();
  private index = 0;
  private headerSent = false;

  constructor(private readonly ctx: StreamContext) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.sendHeader();
      this.pending.push(chunk);
      // a full segment is sealed as non-final only once a further byte proves more is coming
      while (this.pending.length > this.ctx.segmentSize) {
        this.push(this.seal(this.pending.take(this.ctx.segmentSize), false));
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.sendHeader();
      this.push(this.seal(this.pending.take(this.pending.length), true));
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private sendHeader(): void {
    if (this.headerSent) return;
    this.headerSent = true;
    this.push(this.ctx.header);
  }

  private seal(plaintext: Buffer, final: boolean): Buffer {
    if (this.index >= MAX_SEGMENTS) {
      throw new CryptoError('crypto_malformed', 'stream is too long for one encrypted stream');
    }
    const { ciphertext, tag } = gcmSeal(
      this.ctx.key,
      segmentIv(this.ctx, this.index, final),
      segmentAad(this.ctx, final),
      plaintext,
    );
    const out = Buffer.concat([ciphertext, tag]);
    this.index += 1;
    return out;
  }
}

class SegmentDecryptor extends Transform {
  private readonly pending = new ByteQueue();
  private ctx: StreamContext | undefined;
  private index = 0;

  constructor(
    private readonly resolveKey: KeyResolver,
    private readonly aad: Buffer,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.pending.push(chunk);
      const ctx = this.ctx ?? this.readHeader();
      if (ctx) {
        const full = ctx.segmentSize + TAG_BYTES;
        // a full-size segment is non-final only if more bytes follow it
        while (this.pending.length > full) {
          this.push(this.open(ctx, this.pending.take(full), false));
        }
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      const ctx = this.ctx ?? this.readHeader();
      if (!ctx) {
        throw new CryptoError('crypto_malformed', 'encrypted stream ends inside its header');
      }
      if (this.pending.length < TAG_BYTES) {
        throw new CryptoError('crypto_malformed', 'encrypted stream is truncated');
      }
      this.push(this.open(ctx, this.pending.take(this.pending.length), true));
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  /** Parses the header once enough bytes arrived; undefined while more are needed. */
  private readHeader(): StreamContext | undefined {
    const available = this.pending.length;
    if (available >= STREAM_MAGIC.length) {
      if (!this.pending.peek(STREAM_MAGIC.length).equals(STREAM_MAGIC)) {
        throw new CryptoError('crypto_malformed', 'not an encrypted stream (bad magic)');
      }
    }
    if (available < FIXED_HEADER_BYTES) return undefined;
    const fixed = this.pending.peek(FIXED_HEADER_BYTES);
    const version = fixed[4];
    if (version !== STREAM_VERSION) {
      throw new CryptoError('crypto_malformed', `unsupported encrypted stream version ${version}`);
    }
    const segmentSize = fixed.readUInt32BE(5);
    if (segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE) {
      throw new CryptoError('crypto_malformed', 'encrypted stream header has a bad segment size');
    }
    const keyIdLength = fixed[9];
    const headerLength = FIXED_HEADER_BYTES + keyIdLength + SALT_BYTES + NONCE_PREFIX_BYTES;
    if (available < headerLength) return undefined;
    const header = this.pending.take(headerLength);
    const keyId = header.subarray(FIXED_HEADER_BYTES, FIXED_HEADER_BYTES + keyIdLength);
    const keyIdText = keyId.toString('latin1');
    if (!KEY_ID_PATTERN.test(keyIdText)) {
      throw new CryptoError('crypto_malformed', 'encrypted stream header has a bad key id');
    }
    const saltStart = FIXED_HEADER_BYTES + keyIdLength;
    const salt = header.subarray(saltStart, saltStart + SALT_BYTES);
    const noncePrefix = Buffer.from(header.subarray(saltStart + SALT_BYTES));
    const key = deriveStreamKey(this.resolveKey(keyIdText), salt);
    this.ctx = { header, key, noncePrefix, segmentSize, aad: this.aad };
    return this.ctx;
  }

  private open(ctx: StreamContext, segment: Buffer, final: boolean): Buffer {
    if (this.index >= MAX_SEGMENTS) {
      throw new CryptoError('crypto_malformed', 'encrypted stream has too many segments');
    }
    const ciphertext = segment.subarray(0, segment.length - TAG_BYTES);
    const tag = segment.subarray(segment.length - TAG_BYTES);
    const plaintext = gcmOpen(
      ctx.key,
      segmentIv(ctx, this.index, final),
      segmentAad(ctx, final),
      ciphertext,
      tag,
      `encrypted stream segment ${this.index} failed authentication ` +
        '(tampered, truncated, reordered, or wrong key or associated data)',
    );
    this.index += 1;
    return plaintext;
  }
}

export function createEncryptStream(
  keyId: string,
  master: Buffer,
  aad: Buffer,
  options: EncryptStreamOptions = {},
): Transform {
  const segmentSize = options.segmentSize ?? DEFAULT_SEGMENT_SIZE;
  checkSegmentSize(segmentSize);
  const keyIdBytes = Buffer.from(keyId, 'latin1');
  const salt = randomBytes(SALT_BYTES);
  const noncePrefix = randomBytes(NONCE_PREFIX_BYTES);
  const fixed = Buffer.alloc(FIXED_HEADER_BYTES);
  STREAM_MAGIC.copy(fixed, 0);
  fixed[4] = STREAM_VERSION;
  fixed.writeUInt32BE(segmentSize, 5);
  fixed[9] = keyIdBytes.length;
  const header = Buffer.concat([fixed, keyIdBytes, salt, noncePrefix]);
  return new SegmentEncryptor({
    header,
    key: deriveStreamKey(master, salt),
    noncePrefix,
    segmentSize,
    aad,
  });
}

export function createDecryptStream(resolveKey: KeyResolver, aad: Buffer): Transform {
  return new SegmentDecryptor(resolveKey, aad);
}
