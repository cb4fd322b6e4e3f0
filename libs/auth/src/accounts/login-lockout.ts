import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import type { AuthSettings } from '@docent/config';
import { REDIS_CLIENT, type RedisClient } from '@docent/redis';
import { sha256Hex } from '../tokens/token-hash';

/**
 * Reserves one password check before it runs, atomically with the lock check: refused while the
 * account is locked, or while the failures already counted plus the checks still running reach
 * the threshold. So however many requests arrive at once, at most `threshold` checks run before
 * the lock is set. A reservation is a member of a sorted set scored by its lease's end: a request
 * that dies without settling frees its place when the lease runs out.
 * KEYS: failures, lock, inflight. ARGV: threshold, leaseMs, attemptId.
 * Returns {0, 0} reserved, {1, lockMs} locked, {2, 0} too many checks running.
 */
const BEGIN_ATTEMPT = `
local lock = redis.call('PTTL', KEYS[2])
if lock > 0 or lock == -1 then return {1, lock} end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
if failures + redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[1]) then return {2, 0} end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), ARGV[3])
-- the set lives as long as its longest lease
if redis.call('PTTL', KEYS[3]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[3], ARGV[2]) end
return {0, 0}
`;

/**
 * Settles a reservation as a failure; at the threshold locks the account for
 * base × 2^(level-1) (capped) and starts counting again.
 * KEYS: failures, level, lock, inflight.
 * ARGV: threshold, baseMs, maxMs, failureWindowMs, levelMemoryMs, attemptId.
 * Returns the lock duration in ms, or 0 when not locked by this failure.
 */
const FAIL_ATTEMPT = `
redis.call('ZREM', KEYS[4], ARGV[6])
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

/** Settles a reservation as a success: the failures and the lock level are forgotten. */
const SUCCEED_ATTEMPT = `
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[1], KEYS[2])
return 0
`;

/**
 * How long a reservation holds its place when its request never settles it (the process died).
 * Far above one argon2 verification plus a user lookup, so a live check never loses its place.
 */
export const LOGIN_ATTEMPT_LEASE_MS = 30_000;

interface LockoutCommands {
  docentBeginLoginAttempt(
    failures: string,
    lock: string,
    inflight: string,
    threshold: number,
    leaseMs: number,
    attemptId: string,
  ): Promise<[number, number]>;
  docentFailLoginAttempt(
    failures: string,
    level: string,
    lock: string,
    inflight: string,
    threshold: number,
    baseMs: number,
    maxMs: number,
    windowMs: number,
    levelMemoryMs: number,
    attemptId: string,
  ): Promise<number>;
  docentSucceedLoginAttempt(
    failures: string,
    level: string,
    inflight: string,
    attemptId: string,
  ): Promise<number>;
}

type LockoutRedis = RedisClient & LockoutCommands;

/** One reserved password check; the first settlement counts, later ones do nothing. */
export interface LoginAttempt {
  /** The password was wrong: counts a failure. Seconds of the lock it caused, else 0. */
  failed(): Promise<number>;
  /** The password was right: failures and lock level reset. */
  succeeded(): Promise<void>;
  /** Neither (the check could not run, or the account is disabled): only frees the place. */
  abandon(): Promise<void>;
}

export type LoginAttemptResult =
  | { reserved: true; attempt: LoginAttempt }
  | {
      reserved: false;
      /** `locked`: the account is locked; `busy`: the threshold's worth of checks is running. */
      reason: 'locked' | 'busy';
      retryAfterSeconds: number;
    };

/**
 * Per-account lockout after repeated failed password checks (login, change-password), in Redis so
 * it holds across api instances. Keyed by a hash of the e-mail, existing account or not, so lockout
 * reveals nothing either. Count and check are one script: a burst of parallel guesses cannot all
 * be evaluated before the first failure is counted.
 */
@Injectable()
export class LoginLockout implements OnModuleInit {
  private readonly settings: AuthSettings;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    config: ConfigService,
  ) {
    this.settings = config.getOrThrow<AuthSettings>('auth');
  }

  onModuleInit(): void {
    const commands: [string, number, string][] = [
      ['docentBeginLoginAttempt', 3, BEGIN_ATTEMPT],
      ['docentFailLoginAttempt', 4, FAIL_ATTEMPT],
      ['docentSucceedLoginAttempt', 3, SUCCEED_ATTEMPT],
    ];
    for (const [name, numberOfKeys, lua] of commands) {
      if (!(name in this.redis)) this.redis.defineCommand(name, { numberOfKeys, lua });
    }
  }

  private get commands(): LockoutRedis {
    return this.redis as LockoutRedis;
  }

  /** KEYS share one hash tag so the scripts also run on Redis Cluster. */
  private keys(email: string) {
    const tag = `{${sha256Hex(email.trim().toLowerCase()).slice(0, 32)}}`;
    return {
      failures: `auth:login-failures:${tag}`,
      level: `auth:login-lock-level:${tag}`,
      lock: `auth:login-lock:${tag}`,
      inflight: `auth:login-inflight:${tag}`,
    };
  }

  /** Seconds until the lock lifts, or 0 when the account is not locked. */
  async lockedFor(email: string): Promise<number> {
    const ms = await this.redis.pttl(this.keys(email).lock);
    return ms > 0 ? Math.ceil(ms / 1000) : 0;
  }

  /**
   * Reserves a password check, or says why not. Settle the attempt once the check is done; one
   * left unsettled frees its place after `leaseMs`.
   */
  async begin(email: string, leaseMs = LOGIN_ATTEMPT_LEASE_MS): Promise<LoginAttemptResult> {
    const keys = this.keys(email);
    const id = randomUUID();
    const [outcome, lockMs] = await this.commands.docentBeginLoginAttempt(
      keys.failures,
      keys.lock,
      keys.inflight,
      this.settings.lockoutThreshold,
      leaseMs,
      id,
    );
    if (outcome === 1) {
      return {
        reserved: false,
        reason: 'locked',
        retryAfterSeconds: lockMs > 0 ? Math.ceil(lockMs / 1000) : 1,
      };
    }
    // the running checks settle within about a second: either one succeeds or the lock is set
    if (outcome === 2) return { reserved: false, reason: 'busy', retryAfterSeconds: 1 };
    return { reserved: true, attempt: this.attempt(keys, id) };
  }

  private attempt(keys: ReturnType<LoginLockout['keys']>, id: string): LoginAttempt {
    // settling twice is a no-op, so an error path may always abandon
    let settled = false;
    const first = (): boolean => {
      if (settled) return false;
      settled = true;
      return true;
    };
    const { lockoutThreshold, lockoutBaseMs, lockoutMaxMs } = this.settings;
    return {
      failed: async () => {
        if (!first()) return 0;
        const ms = await this.commands.docentFailLoginAttempt(
          keys.failures,
          keys.level,
          keys.lock,
          keys.inflight,
          lockoutThreshold,
          lockoutBaseMs,
          lockoutMaxMs,
          Math.max(lockoutMaxMs, 15 * 60_000),
          24 * 3_600_000,
          id,
        );
        return ms > 0 ? Math.ceil(ms / 1000) : 0;
      },
      succeeded: async () => {
        if (!first()) return;
        await this.commands.docentSucceedLoginAttempt(keys.failures, keys.level, keys.inflight, id);
      },
      abandon: async () => {
        if (!first()) return;
        await this.redis.zrem(keys.inflight, id);
      },
    };
  }

  /** Lifts a lock (admin unlock, completed password reset). */
  async unlock(email: string): Promise<void> {
    const keys = this.keys(email);
    await this.redis.del(keys.failures, keys.level, keys.lock);
  }
}
