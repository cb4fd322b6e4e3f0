import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CryptoError } from './crypto-error';
import { Keyring } from './keyring';
import { DEFAULT_SEGMENT_SIZE } from './segmented-stream';
import { generatedSource, hashingSink } from '../../../test/support/streams';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const keyring = new Keyring(new Map([['k1', k1]]), 'k1');
const SEG = DEFAULT_SEGMENT_SIZE;
const TAG = 16;
const HEADER = 4 + 1 + 4 + 1 + 'k1'.length + 16 + 7;

/** Feeds `data` in chunks of `chunkSize`, so parsing across chunk boundaries is exercised. */
function chunked(data: Buffer, chunkSize: number): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= data.length) return void this.push(null);
      this.push(data.subarray(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

async function encrypt(
  plaintext: Buffer,
  aad = 'file:a',
  ring = keyring,
  segmentSize?: number,
): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    chunked(plaintext, 10_000),
    ring.encryptStream(aad, { segmentSize }),
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out.push(chunk);
        callback();
      },
    }),
  );
  return Buffer.concat(out);
}

/** Decrypts and keeps whatever plaintext was emitted before an error, and the error. */
async function decrypt(
  ciphertext: Buffer,
  aad = 'file:a',
  ring = keyring,
  chunkSize = 7_777,
): Promise<{ plaintext: Buffer; error?: Error }> {
  const out: Buffer[] = [];
  try {
    await pipeline(
      chunked(ciphertext, chunkSize),
      ring.decryptStream(aad),
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          out.push(chunk);
          callback();
        },
      }),
    );
    return { plaintext: Buffer.concat(out) };
  } catch (error) {
    return { plaintext: Buffer.concat(out), error: error as Error };
  }
}

function expectCode(error: Error | undefined, code: string): void {
  expect(error).toBeInstanceOf(CryptoError);
  expect((error as CryptoError).code).toBe(code);
}

/** Byte offset of segment `i` in a stream made by `keyring` (key id "k1"). */
function segmentOffset(i: number): number {
  return HEADER + i * (SEG + TAG);
}

describe('encrypted streams: round trips', () => {
  it.each([
    ['empty', 0],
    ['1 byte', 1],
    ['exactly one segment', SEG],
    ['one segment and a byte', SEG + 1],
    ['many segments', 5 * SEG + 123],
    ['an exact multiple of the segment size', 3 * SEG],
  ])('%s', async (_name, size) => {
    const plaintext = randomBytes(size);
    const ciphertext = await encrypt(plaintext);
    const segments = Math.max(1, Math.ceil(size / SEG));
    expect(ciphertext).toHaveLength(HEADER + size + segments * TAG);
    for (const chunkSize of [1, 1000, 70_000]) {
      if (chunkSize === 1 && size > SEG + 1) continue; // byte-at-a-time only on small inputs
      const { plaintext: out, error } = await decrypt(ciphertext, 'file:a', keyring, chunkSize);
      expect(error).toBeUndefined();
      expect(out.equals(plaintext)).toBe(true);
    }
  });

  it('round-trips with a custom segment size recorded in the header', async () => {
    const plaintext = randomBytes(1000);
    const ciphertext = await encrypt(plaintext, 'file:a', keyring, 64);
    expect(ciphertext.readUInt32BE(5)).toBe(64);
    const { plaintext: out, error } = await decrypt(ciphertext);
    expect(error).toBeUndefined();
    expect(out.equals(plaintext)).toBe(true);
  });

  it('writes the header: magic, version, segment size, key id, salt, nonce prefix', async () => {
    const ciphertext = await encrypt(Buffer.from('x'));
    expect(ciphertext.subarray(0, 4).toString('ascii')).toBe('DCNT');
    expect(ciphertext[4]).toBe(1);
    expect(ciphertext.readUInt32BE(5)).toBe(SEG);
    expect(ciphertext[9]).toBe(2);
    expect(ciphertext.subarray(10, 12).toString('ascii')).toBe('k1');
  });

  it('never produces the same ciphertext twice', async () => {
    const plaintext = Buffer.alloc(100, 1);
    const a = await encrypt(plaintext);
    const b = await encrypt(plaintext);
    expect(a.subarray(HEADER).equals(b.subarray(HEADER))).toBe(false);
  });

  // Memory: the encryptor holds at most one segment plus the chunk being written, the decryptor
  // one segment plus a tag plus one chunk; pipeline() applies backpressure, so 50 MB flow through
  // without ever being held (the source generates bytes on demand and the sink only hashes them).
  it('streams 50 MB through encrypt and decrypt without holding it', async () => {
    const total = 50 * 1024 * 1024;
    const chunkSize = 64 * 1024 + 17; // not aligned with segments
    const sent = generatedSource(total, chunkSize);
    const arrived = hashingSink();
    await pipeline(
      sent.source,
      keyring.encryptStream('big'),
      keyring.decryptStream('big'),
      arrived.sink,
    );
    expect(arrived.received()).toBe(total);
    expect(arrived.sha256()).toBe(sent.sha256());
  });
});

describe('encrypted streams: tampering', () => {
  const plaintext = randomBytes(4 * SEG + 500); // segments 0-3 full, segment 4 final (500 bytes)
  let ciphertext: Buffer;

  beforeAll(async () => {
    ciphertext = await encrypt(plaintext);
  });

  function flip(offset: number): Buffer {
    const copy = Buffer.from(ciphertext);
    copy[offset] ^= 0x01;
    return copy;
  }

  it.each([
    ['the version', 4, 'crypto_malformed'],
    ['the segment size (out of range)', 5, 'crypto_malformed'],
    ['the segment size (in range: header is authenticated)', 7, 'crypto_auth_failed'],
    ['the key id', 10, 'crypto_unknown_key_id'],
    ['the salt', 13, 'crypto_auth_failed'],
    ['the nonce prefix', HEADER - 1, 'crypto_auth_failed'],
  ])('a flipped bit in %s fails before any plaintext', async (_name, offset, code) => {
    const { plaintext: out, error } = await decrypt(flip(offset));
    expectCode(error, code);
    expect(out).toHaveLength(0);
  });

  it('bad magic fails at once', async () => {
    const { plaintext: out, error } = await decrypt(flip(0));
    expectCode(error, 'crypto_malformed');
    expect(error?.message).toMatch(/bad magic/);
    expect(out).toHaveLength(0);
  });

  it('a flipped ciphertext bit in segment 2 emits segments 0-1 only, then fails', async () => {
    const { plaintext: out, error } = await decrypt(flip(segmentOffset(2) + 100));
    expectCode(error, 'crypto_auth_failed');
    expect(out.equals(plaintext.subarray(0, 2 * SEG))).toBe(true);
  });

  it('a flipped tag bit in segment 1 emits segment 0 only, then fails', async () => {
    const { plaintext: out, error } = await decrypt(flip(segmentOffset(1) + SEG + 3));
    expectCode(error, 'crypto_auth_failed');
    expect(out.equals(plaintext.subarray(0, SEG))).toBe(true);
  });

  it('a flipped bit in the final segment emits every earlier segment, then fails', async () => {
    const { plaintext: out, error } = await decrypt(flip(ciphertext.length - 1));
    expectCode(error, 'crypto_auth_failed');
    expect(out.equals(plaintext.subarray(0, 4 * SEG))).toBe(true);
  });

  it('swapped segments fail', async () => {
    const size = SEG + TAG;
    const swapped = Buffer.concat([
      ciphertext.subarray(0, segmentOffset(1)),
      ciphertext.subarray(segmentOffset(2), segmentOffset(2) + size),
      ciphertext.subarray(segmentOffset(1), segmentOffset(1) + size),
      ciphertext.subarray(segmentOffset(3)),
    ]);
    const { plaintext: out, error } = await decrypt(swapped);
    expectCode(error, 'crypto_auth_failed');
    expect(out.equals(plaintext.subarray(0, SEG))).toBe(true);
  });

  it('dropping the last segment (truncation at a segment boundary) fails', async () => {
    const { plaintext: out, error } = await decrypt(ciphertext.subarray(0, segmentOffset(4)));
    expectCode(error, 'crypto_auth_failed');
    expect(out.equals(plaintext.subarray(0, 3 * SEG))).toBe(true);
  });

  it('cutting bytes off the end fails', async () => {
    const { error } = await decrypt(ciphertext.subarray(0, ciphertext.length - 5));
    expectCode(error, 'crypto_auth_failed');
  });

  it('a stream cut inside the header or before a whole tag fails as malformed', async () => {
    expectCode((await decrypt(ciphertext.subarray(0, 0))).error, 'crypto_malformed');
    expectCode((await decrypt(ciphertext.subarray(0, HEADER - 1))).error, 'crypto_malformed');
    expectCode((await decrypt(ciphertext.subarray(0, HEADER + 15))).error, 'crypto_malformed');
  });

  it('appended data fails', async () => {
    const { plaintext: out, error } = await decrypt(
      Buffer.concat([ciphertext, Buffer.from('extra')]),
    );
    expectCode(error, 'crypto_auth_failed');
    expect(out.equals(plaintext.subarray(0, 4 * SEG))).toBe(true);
  });

  it('appending a segment from another stream fails', async () => {
    const other = await encrypt(randomBytes(10));
    const { error } = await decrypt(Buffer.concat([ciphertext, other.subarray(HEADER)]));
    expectCode(error, 'crypto_auth_failed');
  });

  it('the wrong associated data fails on the first segment', async () => {
    const { plaintext: out, error } = await decrypt(ciphertext, 'file:b');
    expectCode(error, 'crypto_auth_failed');
    expect(out).toHaveLength(0);
  });
});

describe('encrypted streams: key rotation', () => {
  it('decrypts with the key named in the header, and refuses removed keys clearly', async () => {
    const plaintext = randomBytes(3000);
    const ciphertext = await encrypt(plaintext);

    const rotated = new Keyring(
      new Map([
        ['k1', k1],
        ['k2', k2],
      ]),
      'k2',
    );
    const fresh = await encrypt(plaintext, 'file:a', rotated);
    expect(fresh.subarray(10, 12).toString('ascii')).toBe('k2');
    expect((await decrypt(ciphertext, 'file:a', rotated)).plaintext.equals(plaintext)).toBe(true);

    const retired = new Keyring(new Map([['k2', k2]]), 'k2');
    expect((await decrypt(fresh, 'file:a', retired)).plaintext.equals(plaintext)).toBe(true);
    const { plaintext: out, error } = await decrypt(ciphertext, 'file:a', retired);
    expectCode(error, 'crypto_unknown_key_id');
    expect(error?.message).toMatch(/unknown key id "k1"/);
    expect(out).toHaveLength(0);
  });
});

describe('encrypted streams: options', () => {
  it.each([0, 63, 1024 * 1024 + 1, 1.5])('refuses segment size %p', (segmentSize) => {
    expect(() => keyring.encryptStream('x', { segmentSize })).toThrow(RangeError);
  });
});
