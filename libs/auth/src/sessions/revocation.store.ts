import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AuthSettings } from '@docent/config';
import { getMany, isCluster, REDIS_CLIENT, type RedisClient, setManyPx } from '@docent/redis';
import {
  defineThrottleCommand,
  type ThrottleCall,
  throttleArguments,
  throttleRecord,
} from '../throttle/redis-throttler-storage';
import type { UserStatus } from '../entities/user.entity';

/** What a request needs to know about its caller, cached so /auth/me and the guard skip PostgreSQL. */
export interface UserState {
  status: UserStatus;
  role: string;
  email: string;
  displayName: string;
  createdAt: string;
}

/**
 * The version of a role's permission rules, bumped whenever they change (the authorization
 * library's `invalidateRole`): read with the caller's state, so each api instance can keep a
 * role's rules in memory and knows on the same round trip when they are stale.
 */
export function roleVersionKey(role: string): string {
  return `authz:role-version:${role}`;
}

type ThrottleScript = (...args: (string | number)[]) => Promise<unknown>;

export interface CallerState {
  sessionRevoked: boolean;
  /** The version of the rules of the role asked about (null: never changed since Redis began). */
  roleVersion: string | null;
  /** null when Redis has no entry for the user (evicted or never written). */
  user: UserState | null;
  /** The id of the user the session belongs to; null when Redis has no entry for it. */
  sessionOwner: string | null;
}

/**
 * What the per-request authentication check needs, in Redis so it costs one round trip and never
 * a database query: which sessions have ended (kept as long as an access token of theirs can
 * live), whose each session is, and each user's current status and role.
 */
@Injectable()
export class RevocationStore {
  private readonly settings: AuthSettings;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    config: ConfigService,
  ) {
    this.settings = config.getOrThrow<AuthSettings>('auth');
  }

  private sessionKey(sessionId: string): string {
    return `auth:session-revoked:${sessionId}`;
  }

  private userKey(userId: string): string {
    return `auth:user:${userId}`;
  }

  private ownerKey(sessionId: string): string {
    return `auth:session-owner:${sessionId}`;
  }

  /**
   * One MGET (on a cluster four GETs sent together: the keys live in different slots): is the
   * session ended, whose is it, what are the user's status and role now, and which version of
   * `role`'s rules is current (the role the token names; usually still the user's).
   *
   * `throttles`, the rate-limit hits of this request when the guard could work out their buckets
   * (DocentThrottlerGuard.prefetch), go in the same round trip: a pipeline on one node, sent
   * together on a cluster. Each call's `record` is filled in.
   */
  async callerState(
    sessionId: string,
    userId: string,
    role: string,
    throttles: readonly ThrottleCall[] = [],
  ): Promise<CallerState> {
    const keys = [
      this.sessionKey(sessionId),
      this.userKey(userId),
      this.ownerKey(sessionId),
      roleVersionKey(role),
    ];
    let values: (string | null)[];
    if (throttles.length === 0) {
      values = await getMany(this.redis, keys);
    } else {
      const command = defineThrottleCommand(this.redis);
      if (isCluster(this.redis)) {
        const client = this.redis as unknown as Record<string, ThrottleScript>;
        const [got, ...replies] = await Promise.all([
          getMany(this.redis, keys),
          ...throttles.map((call) => client[command](...throttleArguments(call))),
        ]);
        values = got as (string | null)[];
        replies.forEach((reply, index) => (throttles[index].record = throttleRecord(reply)));
      } else {
        const pipeline = this.redis.pipeline().mget(keys);
        // queued on the pipeline (it answers with the pipeline, not a promise)
        const queue = pipeline as unknown as Record<
          string,
          (...args: (string | number)[]) => unknown
        >;
        for (const call of throttles) queue[command](...throttleArguments(call));
        const results = (await pipeline.exec()) ?? [];
        for (const [error] of results) if (error) throw error;
        values = results[0][1] as (string | null)[];
        throttles.forEach((call, index) => (call.record = throttleRecord(results[index + 1][1])));
      }
    }
    const [revoked, user, owner, roleVersion] = values;
    return {
      sessionRevoked: revoked !== null,
      roleVersion: roleVersion ?? null,
      user: user ? (JSON.parse(user) as UserState) : null,
      sessionOwner: owner,
    };
  }

  /**
   * Records whose session this is, for as long as an access token of it can be valid: the
   * session's absolute end plus one access-token lifetime.
   */
  async setSessionOwner(sessionId: string, userId: string, absoluteExpiresAt: Date): Promise<void> {
    const ttl = absoluteExpiresAt.getTime() - Date.now() + this.settings.jwtAccessTtlMs + 60_000;
    if (ttl <= 0) return;
    await this.redis.set(this.ownerKey(sessionId), userId, 'PX', ttl);
  }

  async markSessionsRevoked(sessionIds: string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    // an access token outlives its session by at most its own lifetime (plus clock skew)
    const ttl = this.settings.jwtAccessTtlMs + 60_000;
    await setManyPx(
      this.redis,
      sessionIds.map((id) => this.sessionKey(id)),
      '1',
      ttl,
    );
  }

  async setUserState(userId: string, state: UserState): Promise<void> {
    // longer than any refresh token, so a live session always finds it; refreshed on every sign-in
    const ttl = this.settings.jwtRefreshTtlMs + 86_400_000;
    await this.redis.set(this.userKey(userId), JSON.stringify(state), 'PX', ttl);
  }

  async forgetUser(userId: string): Promise<void> {
    await this.redis.del(this.userKey(userId));
  }
}
