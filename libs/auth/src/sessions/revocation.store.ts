import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import type { AuthSettings } from '@docent/config';
import { REDIS_CLIENT } from '@docent/redis';
import type { UserStatus } from '../entities/user.entity';

/** What a request needs to know about its caller, cached so /auth/me and the guard skip PostgreSQL. */
export interface UserState {
  status: UserStatus;
  role: string;
  email: string;
  displayName: string;
  createdAt: string;
}

export interface CallerState {
  sessionRevoked: boolean;
  /** null when Redis has no entry for the user (evicted or never written). */
  user: UserState | null;
}

/**
 * What the per-request authentication check needs, in Redis so it costs one round trip and never
 * a database query: which sessions have ended (kept as long as an access token of theirs can
 * live) and each user's current status and role.
 */
@Injectable()
export class RevocationStore {
  private readonly settings: AuthSettings;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
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

  /** One MGET: is the session ended, and what are the user's status and role now. */
  async callerState(sessionId: string, userId: string): Promise<CallerState> {
    const [revoked, user] = await this.redis.mget(this.sessionKey(sessionId), this.userKey(userId));
    return {
      sessionRevoked: revoked !== null,
      user: user ? (JSON.parse(user) as UserState) : null,
    };
  }

  async markSessionsRevoked(sessionIds: string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    // an access token outlives its session by at most its own lifetime (plus clock skew)
    const ttl = this.settings.jwtAccessTtlMs + 60_000;
    const pipeline = this.redis.pipeline();
    for (const id of sessionIds) pipeline.set(this.sessionKey(id), '1', 'PX', ttl);
    await pipeline.exec();
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
