import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { KeyObject } from 'node:crypto';
import { verify, type VerifyOptions } from 'jsonwebtoken';
import { UUID_PATTERN } from '@docent/common';
import type { AuthSettings } from '@docent/config';
import { AccountService } from '../accounts/account.service';
import {
  accessTokenExpired,
  accessTokenNotYetValid,
  accountDisabledToken,
  accountGone,
  invalidAccessToken,
  missingAccessToken,
  sessionEnded,
} from '../auth.errors';
import {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_TYPE,
  type AuthUser,
  JWT_SIGNING_KEY,
} from '../auth.constants';
import { RevocationStore } from '../sessions/revocation.store';
import type { ThrottleCall } from '../throttle/redis-throttler-storage';
import { SessionService } from '../sessions/session.service';

/** Seconds of clock skew accepted on `exp` and `nbf` (HTTP and sockets alike). */
export const ACCESS_TOKEN_CLOCK_TOLERANCE_S = 5;

/** The claims an access token must carry once its signature is checked. */
export interface AccessPayload {
  sub?: unknown;
  role?: unknown;
  sid?: unknown;
  exp?: unknown;
}

export interface VerifiedAccessToken {
  user: AuthUser;
  /** When the token stops being valid (its `exp`, without the clock tolerance). */
  expiresAt: Date;
}

/**
 * True when the token's header says `typ: at+jwt`, `alg: HS256`: checked before the signature, so a
 * refresh token, an ID token or `alg: none` never gets further.
 */
export function hasAccessTokenHeader(token: string): boolean {
  try {
    const header = JSON.parse(
      Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'),
    ) as { alg?: unknown; typ?: unknown } | null;
    return header?.typ === ACCESS_TOKEN_TYPE && header.alg === ACCESS_TOKEN_ALGORITHM;
  } catch {
    return false;
  }
}

/**
 * The one definition of "a valid access token", shared by the HTTP guard and the socket.io
 * gateway (`verify`, the whole check): signature (HS256 only, prepared key), `typ`, `iss`, `aud`, `exp` (required), `nbf`;
 * then one Redis round trip for session revocation, the session's owner (it must be `sub`) and
 * the user's current status and role. PostgreSQL is read only if Redis has lost an entry.
 */
@Injectable()
export class AccessTokenVerifier {
  private readonly settings: AuthSettings;
  private readonly verifyOptions: VerifyOptions & { complete?: false };

  constructor(
    @Inject(JWT_SIGNING_KEY) private readonly key: KeyObject,
    private readonly revocations: RevocationStore,
    private readonly accounts: AccountService,
    private readonly sessions: SessionService,
    config: ConfigService,
  ) {
    this.settings = config.getOrThrow<AuthSettings>('auth');
    // prepared once: @nestjs/jwt copied and merged its options on every verification
    this.verifyOptions = {
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      issuer: this.settings.jwtIssuer,
      audience: this.settings.jwtAudience,
      clockTolerance: ACCESS_TOKEN_CLOCK_TOLERANCE_S,
    };
  }

  /**
   * Everything a valid access token needs (the HTTP guard and the socket handshake both call
   * this). `throttlesFor`: the rate-limit hits to count in the caller-state round trip, once the
   * signature has named the user (see throttle-prefetch.ts).
   */
  async verify(
    token: string,
    throttlesFor?: (userId: string) => readonly ThrottleCall[],
  ): Promise<VerifiedAccessToken> {
    if (typeof token !== 'string' || token.length === 0) {
      throw missingAccessToken('An access token is required.');
    }
    if (!hasAccessTokenHeader(token)) throw invalidAccessToken();
    let payload: AccessPayload;
    try {
      const verified = verify(token, this.key, this.verifyOptions);
      if (typeof verified !== 'object' || verified === null) throw invalidAccessToken();
      payload = verified as AccessPayload;
    } catch (error) {
      const name = error instanceof Error ? error.name : undefined;
      if (name === 'TokenExpiredError') {
        throw accessTokenExpired();
      }
      if (name === 'NotBeforeError') {
        throw accessTokenNotYetValid();
      }
      throw invalidAccessToken();
    }
    const throttles =
      throttlesFor && typeof payload.sub === 'string' ? throttlesFor(payload.sub) : [];
    const user = await this.resolveCaller(payload, throttles);
    // resolveCaller refused a token without a numeric `exp`
    return { user, expiresAt: new Date(Number(payload.exp) * 1000) };
  }

  /**
   * The checks after the signature: claims (`exp` is required: jsonwebtoken only checks it when
   * present, and a token without one would never expire), session revocation, the session's owner,
   * the user's status and role. `throttles`: rate-limit hits to count in the same round trip.
   */
  async resolveCaller(
    payload: AccessPayload,
    throttles: readonly ThrottleCall[] = [],
  ): Promise<AuthUser> {
    const { sub, sid, role, exp } = payload;
    if (
      typeof sub !== 'string' ||
      typeof sid !== 'string' ||
      typeof role !== 'string' ||
      typeof exp !== 'number' ||
      !Number.isFinite(exp)
    ) {
      throw invalidAccessToken();
    }
    if (!UUID_PATTERN.test(sid)) throw invalidAccessToken();
    const state = await this.revocations.callerState(sid, sub, role, throttles);
    if (state.sessionRevoked) throw sessionEnded();
    let user = state.user;
    // an entry written by an older release may lack the profile fields: reload it once
    if (!user || user.email === undefined) {
      const found = await this.accounts.findById(sub);
      if (!found) throw accountGone();
      await this.accounts.cacheState(found);
      user = this.accounts.stateOf(found);
    }
    if (user.status !== 'active') throw accountDisabledToken();
    if ((state.sessionOwner ?? (await this.loadSessionOwner(sid))) !== sub)
      throw invalidAccessToken();
    // the role comes from the current state, so a role change applies on the next request
    return {
      id: sub,
      role: user.role,
      // the version read is of the token's role: it describes the user's only if that is unchanged
      roleVersion: user.role === role ? state.roleVersion : undefined,
      sessionId: sid,
      email: user.email,
      displayName: user.displayName,
      createdAt: user.createdAt,
    };
  }

  /** The session's owner from PostgreSQL, written back to Redis; null for no such session. */
  private async loadSessionOwner(sessionId: string): Promise<string | null> {
    const session = await this.sessions.ownerOf(sessionId);
    if (!session) return null;
    await this.revocations.setSessionOwner(sessionId, session.userId, session.absoluteExpiresAt);
    return session.userId;
  }
}
