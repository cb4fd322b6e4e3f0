import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import type { Argon2Settings, AuthSettings } from '@docent/config';
import { normalizePassword } from './password-policy';

/** Cost parameters as they appear in a PHC string (`m=…,t=…,p=…`). */
export interface Argon2Cost {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

interface ParsedPhc extends Argon2Cost {
  algorithm: string;
  version: number;
}

// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<digest>, salt and digest in unpadded base64.
const PHC =
  /^\$(argon2(?:id|i|d))\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;
const ARGON2_VERSION_13 = 19;

/**
 * argon2id password hashing with the configured cost (SPEC §3: OWASP parameters or stronger, hashes
 * upgraded on login when the parameters rise). The NFKC form of the password is what gets hashed,
 * so the same password typed with composed or decomposed characters verifies.
 *
 * `@node-rs/argon2`'s `Algorithm` enum is deliberately not used: it is a const enum, empty at run
 * time under isolatedModules; the library's default algorithm is argon2id and the PHC prefix is
 * checked as a string instead.
 */
@Injectable()
export class PasswordHasher {
  private readonly cost: Readonly<Argon2Cost>;
  private dummy?: Promise<string>;

  constructor(config: ConfigService) {
    const settings: Argon2Settings = config.getOrThrow<AuthSettings>('auth').argon2;
    this.cost = {
      memoryCost: settings.memoryKib,
      timeCost: settings.iterations,
      parallelism: settings.parallelism,
    };
  }

  /** A PHC string: `$argon2id$v=19$m=…,t=…,p=…$salt$digest` with a fresh random salt. */
  hash(password: string): Promise<string> {
    return argon2Hash(normalizePassword(password), { ...this.cost });
  }

  /**
   * Whether `password` matches `hash`. A stored value that is not a hash the library can read
   * (corrupt row, another scheme) is a failed login, not a 500: it returns false.
   */
  async verify(hash: string, password: string): Promise<boolean> {
    if (typeof hash !== 'string' || typeof password !== 'string' || !hash.startsWith('$argon2')) {
      return false;
    }
    try {
      return await argon2Verify(hash, normalizePassword(password));
    } catch {
      return false;
    }
  }

  /**
   * True when the hash is weaker than what is configured now (a lower m, t or p, an algorithm other
   * than argon2id, an older argon2 version) or cannot be read; call after a successful verify and
   * store a fresh hash. Stronger-than-configured hashes are kept: lowering the cost should not
   * weaken existing accounts.
   */
  needsRehash(hash: string): boolean {
    const parsed = parsePhc(hash);
    if (parsed === null) return true;
    return (
      parsed.algorithm !== 'argon2id' ||
      parsed.version !== ARGON2_VERSION_13 ||
      parsed.memoryCost < this.cost.memoryCost ||
      parsed.timeCost < this.cost.timeCost ||
      parsed.parallelism < this.cost.parallelism
    );
  }

  /**
   * Spends the time of one password verification and returns false. Call it when the e-mail is
   * unknown, so that the response time does not reveal whether an account exists (SPEC §3: the same
   * answer for an unknown e-mail).
   */
  async verifyDummy(password: string): Promise<false> {
    try {
      if (this.dummy === undefined) {
        // Creating the dummy hash is itself one argon2 run at the configured cost, so the first
        // unknown-e-mail login costs what later ones do instead of a hash plus a verify.
        await this.dummyHash();
      } else {
        await this.verify(await this.dummy, password);
      }
    } catch {
      // Only the dummy's creation can fail; the caller's answer is "no match" either way.
    }
    return false;
  }

  /**
   * The hash `verifyDummy` checks against, made once with the current parameters. Public so that
   * tests can check its parameters and start-up code can warm it.
   */
  dummyHash(): Promise<string> {
    if (this.dummy === undefined) {
      // A random password nobody knows: even a caller who guessed the dummy could not log in
      // (verifyDummy ignores the result anyway), and nothing secret sits in the source.
      const pending = this.hash(randomBytes(32).toString('base64url'));
      // A failed computation must not be cached: the next call tries again.
      pending.catch(() => {
        if (this.dummy === pending) this.dummy = undefined;
      });
      this.dummy = pending;
    }
    return this.dummy;
  }

  /** The parameters new hashes are made with. */
  get parameters(): Readonly<Argon2Cost> {
    return this.cost;
  }
}

/** Reads algorithm, version and cost from a PHC string; null when it is not an argon2 PHC string. */
export function parsePhc(hash: string): ParsedPhc | null {
  const match = typeof hash === 'string' ? PHC.exec(hash) : null;
  if (match === null) return null;
  return {
    algorithm: match[1],
    version: Number(match[2]),
    memoryCost: Number(match[3]),
    timeCost: Number(match[4]),
    parallelism: Number(match[5]),
  };
}
