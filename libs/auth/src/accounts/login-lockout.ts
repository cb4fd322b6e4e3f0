import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import type { AuthSettings } from '@docent/config';
import { REDIS_CLIENT } from '@docent/redis';
import { sha256Hex } from '../tokens/token-hash';

/**
 * Counts a failure; at the threshold locks the account for base × 2^(level-1) (capped) and
 * starts counting again. KEYS share one hash tag so the script also runs on Redis Cluster.
 * KEYS: failures, level, lock. ARGV: threshold, baseMs, maxMs, failureWindowMs, levelMemoryMs.
 * Returns the lock duration in ms, or 0 when not locked by this failure.
 */
const REGISTER_FAILURE = `
local failures = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if failures < tonumber(ARGV[1]) then return 0 end
local level = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
local duration = math.min(tonumber(ARGV[2]) * math.pow(2, level - 1), tonumber(ARGV[3]))
redis.call('SET', KEYS[3], '1', 'PX', math.floor(duration))
redis.call('DEL', KEYS[1])
return math.floor(duration)
`;

interface LockoutRedis extends Redis {
  docentLoginFailure(
    failures: string,
    level: string,
    lock: string,
    threshold: number,
    baseMs: number,
    maxMs: number,
    windowMs: number,
    levelMemoryMs: number,
  ): Promise<number>;
}

/**
 * Per-account lockout after repeated failed logins, in Redis so it holds across api instances.
 * Keyed by a hash of the e-mail, existing account or not, so lockout reveals nothing either.
 */
@Injectable()
export class LoginLockout implements OnModuleInit {
  private readonly settings: AuthSettings;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    config: ConfigService,
  ) {
    this.settings = config.getOrThrow<AuthSettings>('auth');
  }

  onModuleInit(): void {
    if (!('docentLoginFailure' in this.redis)) {
      this.redis.defineCommand('docentLoginFailure', { numberOfKeys: 3, lua: REGISTER_FAILURE });
    }
  }

  private keys(email: string) {
    const tag = `{${sha256Hex(email.trim().toLowerCase()).slice(0, 32)}}`;
    return {
      failures: `auth:login-failures:${tag}`,
      level: `auth:login-lock-level:${tag}`,
      lock: `auth:login-lock:${tag}`,
    };
  }

  /** Seconds until the lock lifts, or 0 when the account is not locked. */
  async lockedFor(email: string): Promise<number> {
    const ms = await this.redis.pttl(this.keys(email).lock);
    return ms > 0 ? Math.ceil(ms / 1000) : 0;
  }

  /** Returns the new lock's length in seconds when this failure locked the account, else 0. */
  async registerFailure(email: string): Promise<number> {
    const keys = this.keys(email);
    const { lockoutThreshold, lockoutBaseMs, lockoutMaxMs } = this.settings;
    const ms = await (this.redis as LockoutRedis).docentLoginFailure(
      keys.failures,
      keys.level,
      keys.lock,
      lockoutThreshold,
      lockoutBaseMs,
      lockoutMaxMs,
      Math.max(lockoutMaxMs, 15 * 60_000),
      24 * 3_600_000,
    );
    return ms > 0 ? Math.ceil(ms / 1000) : 0;
  }

  async registerSuccess(email: string): Promise<void> {
    const keys = this.keys(email);
    await this.redis.del(keys.failures, keys.level);
  }

  /** Lifts a lock (admin unlock, completed password reset). */
  async unlock(email: string): Promise<void> {
    const keys = this.keys(email);
    await this.redis.del(keys.failures, keys.level, keys.lock);
  }
}
