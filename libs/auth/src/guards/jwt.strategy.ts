import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import type { KeyObject } from 'node:crypto';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthSettings } from '@docent/config';
import { ACCESS_TOKEN_ALGORITHM, type AuthUser, JWT_SIGNING_KEY } from '../auth.constants';
import {
  ACCESS_TOKEN_CLOCK_TOLERANCE_S,
  type AccessPayload,
  AccessTokenVerifier,
  hasAccessTokenHeader,
} from '../tokens/access-token.verifier';
import { invalidAccessToken } from '../auth.errors';

/**
 * Access tokens on HTTP: passport-jwt checks the signature (HS256 only, prepared key), `typ`,
 * `iss`, `aud`, `exp`, `nbf`; then `AccessTokenVerifier.resolveCaller` (shared with the socket.io
 * gateway) does the one Redis round trip for session revocation and the user's status and role.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(JWT_SIGNING_KEY) key: KeyObject,
    config: ConfigService,
    private readonly verifier: AccessTokenVerifier,
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
        if (!hasAccessTokenHeader(rawJwt)) {
          done(invalidAccessToken());
          return;
        }
        // jsonwebtoken takes a KeyObject; passport-jwt's types predate that
        done(null, key as unknown as Buffer);
      },
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      issuer: settings.jwtIssuer,
      audience: settings.jwtAudience,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: ACCESS_TOKEN_CLOCK_TOLERANCE_S },
    });
  }

  validate(payload: AccessPayload): Promise<AuthUser> {
    return this.verifier.resolveCaller(payload);
  }
}
