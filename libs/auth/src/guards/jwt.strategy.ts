import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import type { KeyObject } from 'node:crypto';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppError } from '@docent/common';
import type { AuthSettings } from '@docent/config';
import { AccountService } from '../accounts/account.service';
import {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_TYPE,
  type AuthUser,
  JWT_SIGNING_KEY,
} from '../auth.constants';
import { RevocationStore } from '../sessions/revocation.store';

interface AccessPayload {
  sub?: unknown;
  role?: unknown;
  sid?: unknown;
}

function headerOf(token: string): { alg?: unknown; typ?: unknown } | null {
  try {
    return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as {
      alg?: unknown;
      typ?: unknown;
    };
  } catch {
    return null;
  }
}

export const unauthenticated = (code: string, message: string): AppError =>
  new AppError('unauthenticated', code, message, {
    headers: { 'WWW-Authenticate': `Bearer error="invalid_token"` },
  });

/**
 * Access tokens: signature (HS256 only, prepared key), `typ`, `iss`, `aud`, `exp`, `nbf`; then
 * one Redis round trip for session revocation and the user's current status and role.
 * PostgreSQL is read only if Redis has lost the user's entry.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(JWT_SIGNING_KEY) key: KeyObject,
    config: ConfigService,
    private readonly revocations: RevocationStore,
    private readonly accounts: AccountService,
  ) {
    const settings = config.getOrThrow<AuthSettings>('auth');
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // checked before the signature: a refresh token, an ID token or `alg: none` never gets further
      secretOrKeyProvider: (
        _request: unknown,
        rawJwt: string,
        done: (err: unknown, key?: Buffer) => void,
      ) => {
        const header = headerOf(rawJwt);
        if (header?.typ !== ACCESS_TOKEN_TYPE || header.alg !== ACCESS_TOKEN_ALGORITHM) {
          done(unauthenticated('invalid_token', 'The access token is not valid.'));
          return;
        }
        // jsonwebtoken takes a KeyObject; passport-jwt's types predate that
        done(null, key as unknown as Buffer);
      },
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      issuer: settings.jwtIssuer,
      audience: settings.jwtAudience,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: 5 },
    });
  }

  async validate(payload: AccessPayload): Promise<AuthUser> {
    const { sub, sid, role } = payload;
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof role !== 'string') {
      throw unauthenticated('invalid_token', 'The access token is not valid.');
    }
    const state = await this.revocations.callerState(sid, sub);
    if (state.sessionRevoked) throw unauthenticated('session_revoked', 'This session has ended.');
    let user = state.user;
    // an entry written by an older release may lack the profile fields: reload it once
    if (!user || user.email === undefined) {
      const found = await this.accounts.findById(sub);
      if (!found) throw unauthenticated('invalid_token', 'The account no longer exists.');
      await this.accounts.cacheState(found);
      user = this.accounts.stateOf(found);
    }
    if (user.status !== 'active')
      throw unauthenticated('account_disabled', 'This account is disabled.');
    // the role comes from the current state, so a role change applies on the next request
    return {
      id: sub,
      role: user.role,
      sessionId: sid,
      email: user.email,
      displayName: user.displayName,
      createdAt: user.createdAt,
    };
  }
}
