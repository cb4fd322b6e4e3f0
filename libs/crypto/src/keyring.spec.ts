import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { CryptoError } from './crypto-error';
import { Keyring } from './keyring';

const k1 = randomBytes(32);
const k2 = randomBytes(32);

function expectCryptoError(fn: () => unknown, code: string, message?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CryptoError);
  expect((caught as CryptoError).code).toBe(code);
  if (message) expect((caught as CryptoError).message).toMatch(message);
}

/** A keyring of these keys by id (`{ k1, k2 }`), sealing with `active`. */
function keyringOf(keys: Record<string, Buffer>, active: string): Keyring {
  return new Keyring(new Map(Object.entries(keys)), active);
}

function b64u(bytes: Buffer): string {
  return bytes.toString('base64url');
}

describe('Keyring construction', () => {
  it('accepts 32-byte keys and an active id among them', () => {
    const keyring = keyringOf({ k1, k2 }, 'k2');
    expect(keyring.activeKeyId).toBe('k2');
    expect(keyring.keyIds).toEqual(['k1', 'k2']);
    expect(keyring.has('k1')).toBe(true);
  });

  it.each([
    ['a 16-byte key', new Map([['k1', randomBytes(16)]]), 'k1'],
    ['a 33-byte key', new Map([['k1', randomBytes(33)]]), 'k1'],
    ['a key id with a dot', new Map([['k.1', k1]]), 'k.1'],
    ['an empty keyring', new Map<string, Buffer>(), 'k1'],
    ['a missing active key', new Map([['k1', k1]]), 'k2'],
  ])('refuses %s', (_name, keys, active) => {
    expectCryptoError(() => new Keyring(keys, active), 'crypto_invalid_keyring');
  });

  it('does not show key material when inspected or serialised', () => {
    const keyring = new Keyring(new Map([['k1', k1]]), 'k1');
    const shown = inspect(keyring, { depth: 5, showHidden: true }) + JSON.stringify(keyring);
    expect(shown).not.toContain(k1.toString('hex').slice(0, 16));
    expect(shown).not.toContain(k1.toString('base64').slice(0, 16));
  });

  it('copies the keys it is given', () => {
    const key = Buffer.from(k1);
    const keyring = new Keyring(new Map([['k1', key]]), 'k1');
    const token = keyring.seal('hello', 'aad');
    key.fill(0);
    expect(keyring.openText(token, 'aad')).toBe('hello');
  });
});

describe('Keyring.seal / open', () => {
  const keyring = new Keyring(new Map([['k1', k1]]), 'k1');

  it.each([
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.from([0x42])],
    ['text', Buffer.from('Readability counts. ✓', 'utf8')],
    ['64 KiB', randomBytes(64 * 1024)],
  ])('round-trips %s', (_name, plaintext) => {
    const token = keyring.seal(plaintext, 'chat:s1');
    expect(keyring.open(token, 'chat:s1').equals(plaintext)).toBe(true);
  });

  it('accepts strings for plaintext and associated data', () => {
    const token = keyring.seal('héllo', Buffer.from('aad'));
    expect(keyring.openText(token, 'aad')).toBe('héllo');
  });

  it('produces v1.<keyId>.<iv>.<ciphertext>.<tag> with a 12-byte IV and a 16-byte tag', () => {
    const token = keyring.seal('abc', 'x');
    const parts = token.split('.');
    expect(parts).toHaveLength(5);
    expect(parts[0]).toBe('v1');
    expect(parts[1]).toBe('k1');
    expect(Buffer.from(parts[2], 'base64url')).toHaveLength(12);
    expect(Buffer.from(parts[3], 'base64url')).toHaveLength(3);
    expect(Buffer.from(parts[4], 'base64url')).toHaveLength(16);
    expect(keyring.keyIdOf(token)).toBe('k1');
  });

  it('uses a fresh IV for every value', () => {
    const a = keyring.seal('same', 'x');
    const b = keyring.seal('same', 'x');
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
  });

  it('refuses the wrong associated data', () => {
    const token = keyring.seal('secret', 'chat:s1');
    expectCryptoError(() => keyring.open(token, 'chat:s2'), 'crypto_auth_failed');
  });

  it('refuses a flipped bit in the IV, ciphertext or tag', () => {
    const token = keyring.seal('secret message', 'aad');
    for (const index of [2, 3, 4]) {
      const parts = token.split('.');
      const bytes = Buffer.from(parts[index], 'base64url');
      bytes[0] ^= 0x01;
      parts[index] = b64u(bytes);
      expectCryptoError(() => keyring.open(parts.join('.'), 'aad'), 'crypto_auth_failed');
    }
  });

  it('refuses a token whose key id was changed to another configured key', () => {
    const both = keyringOf({ k1, k2 }, 'k1');
    const parts = both.seal('secret', 'aad').split('.');
    parts[1] = 'k2';
    expectCryptoError(() => both.open(parts.join('.'), 'aad'), 'crypto_auth_failed');
  });

  it('refuses a token with a 12-byte tag (truncated tags are never accepted)', () => {
    const parts = keyring.seal('secret', 'aad').split('.');
    parts[4] = b64u(Buffer.from(parts[4], 'base64url').subarray(0, 12));
    expectCryptoError(
      () => keyring.open(parts.join('.'), 'aad'),
      'crypto_malformed',
      /tag must be exactly 16 bytes/,
    );
  });

  it('refuses a token with a 17-byte tag', () => {
    const parts = keyring.seal('secret', 'aad').split('.');
    parts[4] = b64u(Buffer.concat([Buffer.from(parts[4], 'base64url'), Buffer.from([0])]));
    expectCryptoError(() => keyring.open(parts.join('.'), 'aad'), 'crypto_malformed');
  });

  it.each([
    ['an empty string', ''],
    ['too few parts', 'v1.k1.AAAA.AAAA'],
    ['too many parts', 'v1.k1.a.b.c.d'],
    ['an unknown version', 'v2.k1.AAAAAAAAAAAAAAAA..AAAAAAAAAAAAAAAAAAAAAA'],
    ['a bad key id', 'v1.k!.AAAAAAAAAAAAAAAA..AAAAAAAAAAAAAAAAAAAAAA'],
    ['a short IV', 'v1.k1.AAAA..AAAAAAAAAAAAAAAAAAAAAA'],
    ['standard base64', 'v1.k1.AAAAAAAAAAAAAAAA.ab+/.AAAAAAAAAAAAAAAAAAAAAA'],
    ['padding', 'v1.k1.AAAAAAAAAAAAAAAA.AA==.AAAAAAAAAAAAAAAAAAAAAA'],
  ])('refuses a malformed token: %s', (_name, token) => {
    expectCryptoError(() => keyring.open(token, 'aad'), 'crypto_malformed');
  });

  it('refuses a non-string token', () => {
    expectCryptoError(() => keyring.open(42 as unknown as string, 'aad'), 'crypto_malformed');
  });
});

describe('key rotation', () => {
  it('opens values sealed with a rotated-out key while it stays configured', () => {
    const before = new Keyring(new Map([['k1', k1]]), 'k1');
    const token = before.seal('old message', 'aad');

    const rotated = keyringOf({ k1, k2 }, 'k2');
    expect(rotated.openText(token, 'aad')).toBe('old message');
    const fresh = rotated.seal('new message', 'aad');
    expect(rotated.keyIdOf(fresh)).toBe('k2');

    const retired = new Keyring(new Map([['k2', k2]]), 'k2');
    expect(retired.openText(fresh, 'aad')).toBe('new message');
    expectCryptoError(
      () => retired.open(token, 'aad'),
      'crypto_unknown_key_id',
      /unknown key id "k1"/,
    );
  });

  it('does not open with a different key under the same id', () => {
    const token = new Keyring(new Map([['k1', k1]]), 'k1').seal('x', 'aad');
    const impostor = new Keyring(new Map([['k1', k2]]), 'k1');
    expectCryptoError(() => impostor.open(token, 'aad'), 'crypto_auth_failed');
  });
});
