import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { createSecretKey } from 'node:crypto';
import type { AuthSettings } from '@docent/config';
import { MailModule } from '@docent/mail';
import { AccountService } from './accounts/account.service';
import { AdminBootstrap } from './accounts/admin-bootstrap';
import { LoginLockout } from './accounts/login-lockout';
import { JWT_SIGNING_KEY } from './auth.constants';
import { AuthService } from './auth.service';
import { PasswordHasher } from './passwords';
import { RevocationStore } from './sessions/revocation.store';
import { SessionService } from './sessions/session.service';
import { SignInDevices } from './sessions/sign-in-devices';
import { AccessTokenService } from './tokens/access-token.service';
import { AccessTokenVerifier } from './tokens/access-token.verifier';

/** Accounts, sessions and tokens, usable by both apps (no routes, no guards). */
@Module({
  imports: [PassportModule, JwtModule.register({}), MailModule],
  providers: [
    {
      provide: JWT_SIGNING_KEY,
      inject: [ConfigService],
      // a prepared KeyObject: jsonwebtoken otherwise retries a string secret as a public key first
      useFactory: (config: ConfigService) =>
        createSecretKey(
          Buffer.from(config.getOrThrow<AuthSettings>('auth').jwtAccessSecret, 'utf8'),
        ),
    },
    AccessTokenService,
    AccessTokenVerifier,
    RevocationStore,
    SessionService,
    SignInDevices,
    PasswordHasher,
    LoginLockout,
    AccountService,
    AuthService,
    AdminBootstrap,
  ],
  exports: [
    JWT_SIGNING_KEY,
    AccessTokenService,
    AccessTokenVerifier,
    RevocationStore,
    SessionService,
    PasswordHasher,
    LoginLockout,
    AccountService,
    AuthService,
    AdminBootstrap,
  ],
})
export class AuthModule {}
