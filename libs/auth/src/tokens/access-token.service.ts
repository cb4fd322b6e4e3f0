import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import type { KeyObject } from 'node:crypto';
import type { AuthSettings } from '@docent/config';
import { ACCESS_TOKEN_ALGORITHM, ACCESS_TOKEN_TYPE, JWT_SIGNING_KEY } from '../auth.constants';

export interface AccessTokenClaims {
  sub: string;
  role: string;
  sid: string;
}

export interface IssuedAccessToken {
  accessToken: string;
  /** Seconds until expiry. */
  expiresIn: number;
}

/** Signs access tokens: HS256 with a prepared key, `typ: at+jwt`, iss/aud/sub/role/sid, nbf. */
@Injectable()
export class AccessTokenService {
  private readonly settings: AuthSettings;

  constructor(
    private readonly jwt: JwtService,
    @Inject(JWT_SIGNING_KEY) private readonly key: KeyObject,
    config: ConfigService,
  ) {
    this.settings = config.getOrThrow<AuthSettings>('auth');
  }

  async issue(claims: AccessTokenClaims): Promise<IssuedAccessToken> {
    const expiresIn = Math.max(1, Math.floor(this.settings.jwtAccessTtlMs / 1000));
    const accessToken = await this.jwt.signAsync(
      { role: claims.role, sid: claims.sid },
      {
        privateKey: this.key,
        algorithm: ACCESS_TOKEN_ALGORITHM,
        header: { alg: ACCESS_TOKEN_ALGORITHM, typ: ACCESS_TOKEN_TYPE },
        subject: claims.sub,
        issuer: this.settings.jwtIssuer,
        audience: this.settings.jwtAudience,
        expiresIn,
        notBefore: 0,
      },
    );
    return { accessToken, expiresIn };
  }
}
