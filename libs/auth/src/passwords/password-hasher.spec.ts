import type { ConfigService } from '@nestjs/config';
import type { Argon2Settings, AuthSettings } from '@docent/config';
import { PasswordHasher, parsePhc } from './password-hasher';

const DEFAULTS: Argon2Settings = { memoryKib: 19456, iterations: 2, parallelism: 1 };

// Configuration handed over the way Nest would, not a mocked collaborator.
function hasherWith(argon2: Argon2Settings): PasswordHasher {
  const config = { getOrThrow: () => ({ argon2 }) as Partial<AuthSettings> };
  return new PasswordHasher(config as unknown as ConfigService);
}

describe('PasswordHasher', () => {
  const hasher = hasherWith(DEFAULTS);
  const password = 'lanterns drift over quiet harbours';
  let stored: string;

  beforeAll(async () => {
    stored = await hasher.hash(password);
  });

  it('produces an argon2id PHC string with the configured cost', () => {
    expect(stored.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
  });

  it('salts every hash', async () => {
    expect(await hasher.hash(password)).not.toBe(stored);
  });

  it('verifies the right password and rejects a wrong one', async () => {
    expect(await hasher.verify(stored, password)).toBe(true);
    expect(await hasher.verify(stored, password + ' ')).toBe(false);
    expect(await hasher.verify(stored, password.toUpperCase())).toBe(false);
  });

  it('treats composed and decomposed characters as the same password (NFKC)', async () => {
    const composed = 'caf\u00e9 au lait sur la terrasse';
    const decomposed = 'cafe\u0301 au lait sur la terrasse';
    expect(composed).not.toBe(decomposed);
    const h = await hasher.hash(composed);
    expect(await hasher.verify(h, decomposed)).toBe(true);
    expect(await hasher.verify(await hasher.hash(decomposed), composed)).toBe(true);
  });

  it('returns false for malformed hashes instead of throwing', async () => {
    for (const bad of [
      '',
      'not a hash',
      '$2b$10$abcdefghijklmnopqrstuv',
      '$argon2id$v=19$m=19456,t=2,p=1$AAAA$BBBB',
      '$argon2id$v=19$m=19456,t=2,p=1$',
      stored.slice(0, 40),
    ]) {
      await expect(hasher.verify(bad, password)).resolves.toBe(false);
    }
  });

  it('rejects a tampered hash', async () => {
    const parts = stored.split('$'); // ['', 'argon2id', 'v=19', 'm=…', salt, digest]
    const flip = (s: string, at: number): string =>
      s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
    // middle characters, so the change is in the decoded bytes and not in base64 padding bits
    const digestTampered = [...parts.slice(0, 5), flip(parts[5], 10)].join('$');
    const saltTampered = [...parts.slice(0, 4), flip(parts[4], 5), parts[5]].join('$');
    const costTampered = stored.replace('t=2', 't=3');
    expect(await hasher.verify(digestTampered, password)).toBe(false);
    expect(await hasher.verify(saltTampered, password)).toBe(false);
    expect(await hasher.verify(costTampered, password)).toBe(false);
  });

  describe('needsRehash', () => {
    it('is false for a hash made with the configured parameters', () => {
      expect(hasher.needsRehash(stored)).toBe(false);
    });

    it('is true when m, t or p is lower than configured', async () => {
      const weaker = hasherWith({ memoryKib: 8192, iterations: 1, parallelism: 1 });
      expect(hasher.needsRehash(await weaker.hash(password))).toBe(true);

      const stronger = hasherWith({ memoryKib: 19456, iterations: 3, parallelism: 2 });
      expect(stronger.needsRehash(stored)).toBe(true); // t and p below its configuration
      const moreMemory = hasherWith({ memoryKib: 32768, iterations: 2, parallelism: 1 });
      expect(moreMemory.needsRehash(stored)).toBe(true);
    });

    it('is false for a hash stronger than configured (lowering the cost keeps strong hashes)', async () => {
      const stronger = hasherWith({ memoryKib: 19456, iterations: 3, parallelism: 1 });
      expect(hasher.needsRehash(await stronger.hash(password))).toBe(false);
    });

    it('is true for another argon2 variant or version, and for anything unreadable', () => {
      const rest = stored.slice('$argon2id'.length);
      expect(hasher.needsRehash('$argon2i' + rest)).toBe(true);
      expect(hasher.needsRehash('$argon2d' + rest)).toBe(true);
      expect(hasher.needsRehash(stored.replace('v=19', 'v=16'))).toBe(true);
      expect(hasher.needsRehash('')).toBe(true);
      expect(hasher.needsRehash('$2b$10$abcdefghijklmnopqrstuv')).toBe(true);
    });
  });

  describe('verifyDummy', () => {
    it('always answers false, even for the password behind the dummy hash', async () => {
      const fresh = hasherWith(DEFAULTS);
      expect(await fresh.verifyDummy(password)).toBe(false); // creates the dummy
      expect(await fresh.verifyDummy(password)).toBe(false); // verifies against it
    });

    it('runs argon2 against a dummy made once with the configured parameters', async () => {
      const custom = hasherWith({ memoryKib: 20480, iterations: 3, parallelism: 1 });
      await custom.verifyDummy('anything at all');
      const dummy = await custom.dummyHash();
      expect(parsePhc(dummy)).toEqual({
        algorithm: 'argon2id',
        version: 19,
        memoryCost: 20480,
        timeCost: 3,
        parallelism: 1,
      });
      expect(custom.needsRehash(dummy)).toBe(false);
      await custom.verifyDummy('anything else');
      expect(await custom.dummyHash()).toBe(dummy); // made once, reused
    });
  });
});

describe('parsePhc', () => {
  it('reads algorithm, version and cost', () => {
    expect(parsePhc('$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$ZGlnZXN0ZGlnZXN0')).toEqual({
      algorithm: 'argon2id',
      version: 19,
      memoryCost: 65536,
      timeCost: 3,
      parallelism: 4,
    });
  });

  it('returns null for anything else', () => {
    expect(parsePhc('$scrypt$ln=16,r=8,p=1$c2FsdA$ZGlnZXN0')).toBeNull();
    expect(parsePhc('$argon2id$v=19$m=1,t=1$c2FsdA$ZGlnZXN0')).toBeNull();
  });
});
