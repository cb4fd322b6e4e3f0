import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtModule } from '@nestjs/jwt';
import { createSecretKey } from 'node:crypto';
import type { AuthSettings } from '@docent/config';
import { MailModule } from '@docent/mail';
import { AccountService } from './accounts/account.service';
import { AdminBootstrap } from './accounts/admin-bootstrap';
import { LoginLockout } from './accounts/login-lockout';
import { MeService } from './accounts/me.service';
import { PasswordAttempts } from './accounts/password-attempts';
import { PasswordChangeService } from './accounts/password-change.service';
import { JWT_SIGNING_KEY } from './auth.constants';
import { PasswordHasher } from './passwords';
import { PasswordChangedNotice } from './passwords/password-changed-notice';
import { PasswordResetService } from './password-reset/password-reset.service';
import { ResetMail } from './password-reset/reset-mail';
import { ResetRequestService } from './password-reset/reset-request.service';
import { ResetTokenRepository } from './password-reset/reset-token.repository';
import { RevocationStore } from './sessions/revocation.store';
import { SessionService } from './sessions/session.service';
import { SignInDevices } from './sessions/sign-in-devices';
import { NewDeviceNotice } from './sign-in/new-device-notice';
import { SessionIssuer } from './sign-in/session-issuer';
import { SessionTokensService } from './sign-in/session-tokens.service';
import { AuthMetrics } from './auth.metrics';
import { SignInService } from './sign-in/sign-in.service';
import { AccessTokenService } from './tokens/access-token.service';
import { AccessTokenVerifier } from './tokens/access-token.verifier';

/** Accounts, sessions and tokens, usable by both apps (no routes, no guards). */
@Module({
  imports: [JwtModule.register({}), MailModule],
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
    PasswordAttempts,
    AuthMetrics,
    PasswordChangedNotice,
    // the use cases behind /auth/*
    SessionIssuer,
    NewDeviceNotice,
    SignInService,
    SessionTokensService,
    MeService,
    PasswordChangeService,
    ResetTokenRepository,
    ResetMail,
    ResetRequestService,
    PasswordResetService,
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
    SignInService,
    SessionTokensService,
    MeService,
    PasswordChangeService,
    ResetRequestService,
    PasswordResetService,
    AdminBootstrap,
  ],
})
export class AuthModule {}
