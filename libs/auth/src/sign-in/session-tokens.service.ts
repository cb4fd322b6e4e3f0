import { Injectable } from '@nestjs/common';
import { AUDIT_TARGET, AuditService } from '@docent/audit';
import { AccountService } from '../accounts/account.service';
import type { AuthUser } from '../auth.constants';
import {
  accountDisabledToken,
  invalidRefreshToken,
  refreshTokenReused,
  sessionEnded,
  sessionExpired,
} from '../auth.errors';
import { type AuthTokensDto, UserDto } from '../dto/auth-response.dto';
import { User } from '../entities/user.entity';
import { SessionService } from '../sessions/session.service';
import { AccessTokenService } from '../tokens/access-token.service';
import { OPAQUE_TOKEN_PATTERN, sha256Hex } from '../tokens/token-hash';
import { SessionIssuer } from './session-issuer';

/** Seconds until an access token's `exp` (at least 1), read from its payload. */
function secondsLeft(accessToken: string): number {
  const payload = JSON.parse(
    Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8'),
  ) as { exp?: unknown };
  const exp = typeof payload.exp === 'number' ? payload.exp : 0;
  return Math.max(1, exp - Math.floor(Date.now() / 1000));
}

/** What a signed-in client does with its refresh token: rotate it, or end its session(s). */
@Injectable()
export class SessionTokensService {
  constructor(
    private readonly sessions: SessionService,
    private readonly accounts: AccountService,
    private readonly tokens: AccessTokenService,
    private readonly issuer: SessionIssuer,
    private readonly audit: AuditService,
  ) {}

  /**
   * Rotates the refresh token. Everything that can fail (reading the user, writing their state
   * to Redis, signing) happens before the rotation commits, so a 503 (PostgreSQL or Redis down)
   * never spends the presented token: the client retries with it. Within JWT_REFRESH_REUSE_GRACE
   * the same spent token gets the same new pair (concurrent tabs, a retry after a lost answer);
   * after it, a replay ends the session as theft.
   */
  async refresh(refreshToken: string): Promise<AuthTokensDto> {
    if (!OPAQUE_TOKEN_PATTERN.test(refreshToken)) throw invalidRefreshToken();
    const result = await this.sessions.rotate(
      refreshToken,
      this.issuer.client(),
      async ({ sessionId, userId }, tx) => {
        const user = await tx.findOne(User, { id: userId }, { populate: ['role'] });
        if (!user || user.status !== 'active') return null;
        // inside the transaction: if Redis cannot take it, the rotation rolls back
        await this.accounts.cacheState(user);
        const issued = await this.tokens.issue({
          sub: user.id,
          role: user.role.name,
          sid: sessionId,
        });
        return { accessToken: issued.accessToken, value: { user, ...issued } };
      },
    );
    if (result.outcome === 'replayed') {
      const user = await this.accounts.findById(result.userId);
      if (!user || user.status !== 'active') {
        await this.sessions.revoke({ sessionId: result.sessionId }, 'user_disabled');
        throw accountDisabledToken();
      }
      return {
        user: UserDto.from(user),
        accessToken: result.accessToken,
        refreshToken: result.refreshToken,
        expiresIn: secondsLeft(result.accessToken),
      };
    }
    if (result.outcome === 'reused') {
      // RFC 9700 §4.14: a rotated-away token came back, so someone holds a copy: end the family
      const ended = await this.sessions.revoke({ sessionId: result.sessionId }, 'token_reuse');
      await this.audit.record({
        action: 'auth.refresh_token_reused',
        outcome: 'denied',
        actorId: null,
        targetType: AUDIT_TARGET.session,
        targetId: result.sessionId,
        metadata: { userId: result.userId, sessionEnded: ended.length > 0 },
      });
      throw refreshTokenReused();
    }
    if (result.outcome === 'ended') {
      throw result.reason === 'revoked' ? sessionEnded() : sessionExpired();
    }
    if (result.outcome === 'unknown') throw invalidRefreshToken();
    if (!result.confirmed) {
      // the user was disabled or deleted: the session ends with this rotation
      await this.sessions.revoke({ sessionId: result.sessionId }, 'user_disabled');
      throw accountDisabledToken();
    }
    const { user, accessToken, expiresIn } = result.confirmed;
    return { user: UserDto.from(user), accessToken, refreshToken: result.refreshToken, expiresIn };
  }

  /**
   * Ends the caller's session the refresh token belongs to. Tokens that are unknown or belong to
   * someone else are ignored: the answer is the same, so it is no oracle for other people's tokens.
   */
  async logout(caller: AuthUser, refreshToken: string): Promise<void> {
    if (!OPAQUE_TOKEN_PATTERN.test(refreshToken)) return;
    const ended = await this.sessions.revoke(
      { tokenHash: sha256Hex(refreshToken), userId: caller.id },
      'logout',
    );
    if (ended.length > 0) {
      await this.audit.record({
        action: 'auth.logout',
        actorId: ended[0].userId,
        targetType: AUDIT_TARGET.session,
        targetId: ended[0].id,
      });
    }
  }

  async logoutAll(caller: AuthUser): Promise<void> {
    const ended = await this.sessions.revoke({ userId: caller.id }, 'logout_all');
    await this.audit.record({
      action: 'auth.logout_all',
      targetType: AUDIT_TARGET.user,
      targetId: caller.id,
      metadata: { sessionsEnded: ended.length },
    });
  }
}
