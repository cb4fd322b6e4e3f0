import { RequestContext as OrmRequestContext } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppError, DomainEventBus, RequestContext } from '@docent/common';
import type { AppSettings, AuthSettings } from '@docent/config';
import { AuditService } from '@docent/audit';
import { packRules } from '@casl/ability/extra';
import { MailProducer } from '@docent/mail';
import { REDIS_CLIENT, type RedisClient } from '@docent/redis';
import { AccountService, normalizeEmail } from './accounts/account.service';
import { LoginLockout } from './accounts/login-lockout';
import { type AuthUser, PERMISSIONS_PROVIDER, type PermissionsProvider } from './auth.constants';
import { AuthTokensDto, MeDto, SessionDto, SessionListDto, UserDto } from './dto/auth-response.dto';
import type { LoginDto, RegisterDto } from './dto/auth-request.dto';
import { PasswordResetToken } from './entities/password-reset-token.entity';
import { User } from './entities/user.entity';
import { assertPasswordAcceptable, PasswordHasher } from './passwords';
import { type ClientInfo, SessionService } from './sessions/session.service';
import { SignInDevices } from './sessions/sign-in-devices';
import { AccessTokenService } from './tokens/access-token.service';
import { OPAQUE_TOKEN_PATTERN, randomToken, sha256Hex } from './tokens/token-hash';

const INVALID_CREDENTIALS = () =>
  new AppError(
    'unauthenticated',
    'invalid_credentials',
    'The e-mail address or password is incorrect.',
  );
const INVALID_REFRESH = (code: string, message: string) =>
  new AppError('unauthenticated', code, message, {
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
  });
/** At most this many reset mails per address per hour, whatever the IP. */
const RESET_REQUESTS_PER_HOUR = 3;

/** Seconds until an access token's `exp` (at least 1), read from its payload. */
function secondsLeft(accessToken: string): number {
  const payload = JSON.parse(
    Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8'),
  ) as { exp?: unknown };
  const exp = typeof payload.exp === 'number' ? payload.exp : 0;
  return Math.max(1, exp - Math.floor(Date.now() / 1000));
}

/** Sign-up, sign-in, token refresh, sign-out, password change and reset (SPEC §3). */
@Injectable()
export class AuthService {
  private readonly logger = new Logger('Auth');
  private readonly settings: AuthSettings;
  private readonly app: AppSettings;

  constructor(
    private readonly em: EntityManager,
    private readonly accounts: AccountService,
    private readonly sessions: SessionService,
    private readonly tokens: AccessTokenService,
    private readonly hasher: PasswordHasher,
    private readonly lockout: LoginLockout,
    private readonly audit: AuditService,
    private readonly mail: MailProducer,
    private readonly context: RequestContext,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    config: ConfigService,
    private readonly events: DomainEventBus,
    private readonly devices: SignInDevices,
    @Optional()
    @Inject(PERMISSIONS_PROVIDER)
    private readonly permissions: PermissionsProvider | null = null,
  ) {
    this.settings = config.getOrThrow<AuthSettings>('auth');
    this.app = config.getOrThrow<AppSettings>('app');
  }

  private client(): ClientInfo {
    const { ip, userAgent } = this.context.snapshot();
    return { ip, userAgent };
  }

  private async signIn(user: User): Promise<AuthTokensDto> {
    const { session, refreshToken } = await this.sessions.create(user, this.client());
    await this.accounts.cacheState(user);
    const { accessToken, expiresIn } = await this.tokens.issue({
      sub: user.id,
      role: user.role.name,
      sid: session.id,
    });
    return { user: UserDto.from(user), accessToken, refreshToken, expiresIn };
  }

  async register(input: RegisterDto): Promise<AuthTokensDto> {
    const user = await this.accounts.create(input);
    this.context.setActor(user.id);
    await this.audit.record({
      action: 'auth.register',
      actorId: user.id,
      targetType: 'user',
      targetId: user.id,
    });
    return this.signIn(user);
  }

  async login(input: LoginDto): Promise<AuthTokensDto> {
    const email = normalizeEmail(input.email);
    const reservation = await this.lockout.begin(email);
    if (!reservation.reserved) {
      await this.audit.record({
        action: 'auth.login',
        outcome: 'denied',
        actorId: null,
        metadata: { email, reason: reservation.reason === 'locked' ? 'locked_out' : 'busy' },
      });
      throw this.lockedError(reservation);
    }
    const { attempt } = reservation;
    let user: User | null;
    let valid: boolean;
    try {
      user = await this.accounts.findByEmail(email);
      // an unknown e-mail costs one argon2 verification too, so timing does not tell them apart
      valid = user
        ? await this.hasher.verify(user.passwordHash, input.password)
        : await this.hasher.verifyDummy(input.password);
    } catch (error) {
      // the check did not run (PostgreSQL down): it is no failure, and it must not hold a place
      await attempt.abandon().catch(() => undefined);
      throw error;
    }
    if (!user || !valid) {
      const lockSeconds = await attempt.failed();
      await this.audit.record({
        action: 'auth.login',
        outcome: 'failure',
        actorId: user?.id ?? null,
        targetType: user ? 'user' : undefined,
        targetId: user?.id ?? null,
        metadata: { email, reason: 'invalid_credentials' },
      });
      await this.auditLockout(email, user, lockSeconds);
      throw INVALID_CREDENTIALS();
    }
    if (user.status !== 'active') {
      await attempt.abandon();
      await this.audit.record({
        action: 'auth.login',
        outcome: 'denied',
        actorId: user.id,
        targetType: 'user',
        targetId: user.id,
        metadata: { reason: 'account_disabled' },
      });
      throw new AppError('forbidden', 'account_disabled', 'This account is disabled.');
    }
    await attempt.succeeded();
    if (this.hasher.needsRehash(user.passwordHash)) {
      await this.accounts.setPassword(user, input.password);
    }
    this.context.setActor(user.id);
    await this.audit.record({
      action: 'auth.login',
      actorId: user.id,
      targetType: 'user',
      targetId: user.id,
    });
    const tokens = await this.signIn(user);
    await this.reportNewDevice(user);
    return tokens;
  }

  /**
   * Tells the owner about a sign-in from a device they have not used recently (the notifications
   * library turns the event into a notification and a mail, which cannot be switched off).
   */
  private async reportNewDevice(user: User): Promise<void> {
    const client = this.client();
    const at = new Date();
    const { isNew, device } = await this.devices.observe(user.id, client, at);
    if (!isNew) return;
    await this.events.emit('security.new_sign_in', {
      userId: user.id,
      ip: client.ip,
      device,
      at: at.toISOString(),
    });
  }

  private async auditLockout(email: string, user: User | null, lockSeconds: number) {
    if (lockSeconds <= 0) return;
    await this.audit.record({
      action: 'auth.lockout',
      outcome: 'denied',
      actorId: user?.id ?? null,
      targetType: user ? 'user' : undefined,
      targetId: user?.id ?? null,
      metadata: { email, lockedForSeconds: lockSeconds },
    });
  }

  private lockedError(refusal: { reason: 'locked' | 'busy'; retryAfterSeconds: number }): AppError {
    if (refusal.reason === 'busy') {
      return new AppError(
        'rate_limited',
        'too_many_attempts',
        'Too many password attempts for this account at once; try again in a moment.',
        { retryAfterSeconds: refusal.retryAfterSeconds },
      );
    }
    return new AppError(
      'rate_limited',
      'account_locked',
      'Too many failed sign-in attempts for this account; try again later.',
      { retryAfterSeconds: refusal.retryAfterSeconds },
    );
  }

  /**
   * Rotates the refresh token. Everything that can fail (reading the user, writing their state
   * to Redis, signing) happens before the rotation commits, so a 503 (PostgreSQL or Redis down)
   * never spends the presented token: the client retries with it. Within JWT_REFRESH_REUSE_GRACE
   * the same spent token gets the same new pair (concurrent tabs, a retry after a lost answer);
   * after it, a replay ends the session as theft.
   */
  async refresh(refreshToken: string): Promise<AuthTokensDto> {
    if (!OPAQUE_TOKEN_PATTERN.test(refreshToken)) {
      throw INVALID_REFRESH('invalid_refresh_token', 'The refresh token is not valid.');
    }
    const result = await this.sessions.rotate(
      refreshToken,
      this.client(),
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
        throw INVALID_REFRESH('account_disabled', 'This account is disabled.');
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
        targetType: 'session',
        targetId: result.sessionId,
        metadata: { userId: result.userId, sessionEnded: ended.length > 0 },
      });
      throw INVALID_REFRESH(
        'refresh_token_reused',
        'This refresh token was already used; the session has been ended for safety.',
      );
    }
    if (result.outcome === 'ended') {
      throw INVALID_REFRESH(
        result.reason === 'revoked' ? 'session_revoked' : 'session_expired',
        result.reason === 'revoked'
          ? 'This session has ended.'
          : 'This session has expired; sign in again.',
      );
    }
    if (result.outcome === 'unknown') {
      throw INVALID_REFRESH('invalid_refresh_token', 'The refresh token is not valid.');
    }
    if (!result.confirmed) {
      // the user was disabled or deleted: the session ends with this rotation
      await this.sessions.revoke({ sessionId: result.sessionId }, 'user_disabled');
      throw INVALID_REFRESH('account_disabled', 'This account is disabled.');
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
        targetType: 'session',
        targetId: ended[0].id,
      });
    }
  }

  async logoutAll(caller: AuthUser): Promise<void> {
    const ended = await this.sessions.revoke({ userId: caller.id }, 'logout_all');
    await this.audit.record({
      action: 'auth.logout_all',
      targetType: 'user',
      targetId: caller.id,
      metadata: { sessionsEnded: ended.length },
    });
  }

  /** The caller from the state the guard read from Redis, with their CASL rules (cached per role). */
  async me(caller: AuthUser): Promise<MeDto> {
    const rules = (await this.permissions?.rulesFor(caller)) ?? [];
    return {
      id: caller.id,
      email: caller.email,
      displayName: caller.displayName,
      role: caller.role,
      permissions: rules as MeDto['permissions'],
      packedRules: packRules(rules as Parameters<typeof packRules>[0]),
      createdAt: caller.createdAt,
    };
  }

  async listSessions(caller: AuthUser): Promise<SessionListDto> {
    const sessions = await this.sessions.listActive(caller.id);
    return { items: sessions.map((s) => SessionDto.from(s, caller.sessionId)), nextCursor: null };
  }

  async endSession(caller: AuthUser, sessionId: string): Promise<void> {
    // another user's session is "not found", never "forbidden"
    const session = await this.sessions.findActive(sessionId, caller.id);
    if (!session) throw new AppError('not_found', 'session_not_found', 'Session not found.');
    await this.sessions.revoke({ sessionId: session.id }, 'ended_by_user');
    await this.audit.record({
      action: 'auth.session_ended',
      targetType: 'session',
      targetId: session.id,
    });
  }

  /**
   * The current password is checked under the login lockout of the account (and the route has
   * the auth rate limit), so this is no oracle for guessing it with a stolen access token.
   */
  async changePassword(
    caller: AuthUser,
    currentPassword: string,
    newPassword: string,
  ): Promise<void> {
    const user = await this.requireUser(caller);
    const reservation = await this.lockout.begin(user.email);
    if (!reservation.reserved) {
      await this.audit.record({
        action: 'auth.password_changed',
        outcome: 'denied',
        targetType: 'user',
        targetId: user.id,
        metadata: { reason: reservation.reason === 'locked' ? 'locked_out' : 'busy' },
      });
      throw this.lockedError(reservation);
    }
    const { attempt } = reservation;
    let valid: boolean;
    try {
      valid = await this.hasher.verify(user.passwordHash, currentPassword);
    } catch (error) {
      await attempt.abandon().catch(() => undefined);
      throw error;
    }
    if (!valid) {
      const lockSeconds = await attempt.failed();
      await this.audit.record({
        action: 'auth.password_changed',
        outcome: 'failure',
        targetType: 'user',
        targetId: user.id,
        metadata: { reason: 'current_password_incorrect' },
      });
      await this.auditLockout(user.email, user, lockSeconds);
      throw new AppError(
        'bad_request',
        'current_password_incorrect',
        'The current password is incorrect.',
        {
          errors: [{ field: 'currentPassword', message: 'current password is incorrect' }],
        },
      );
    }
    await attempt.succeeded();
    assertPasswordAcceptable(newPassword, {
      email: user.email,
      minLength: this.settings.passwordMinLength,
      field: 'newPassword',
    });
    await this.accounts.setPassword(user, newPassword);
    const ended = await this.sessions.revoke(
      { userId: user.id, exceptSessionId: caller.sessionId },
      'password_changed',
    );
    await this.audit.record({
      action: 'auth.password_changed',
      targetType: 'user',
      targetId: user.id,
      metadata: { otherSessionsEnded: ended.length },
    });
    await this.notifyPasswordChanged(user, 'change');
  }

  /**
   * Always answers the same way. The lookup, token and mail happen after the response is on its
   * way, so neither the status nor the timing says whether the address has an account.
   */
  requestPasswordReset(email: string): void {
    const normalized = normalizeEmail(email);
    const requestId = this.context.snapshot().requestId ?? undefined;
    setImmediate(() => {
      this.sendResetMail(normalized, requestId).catch((error: unknown) =>
        this.logger.error({ err: error, requestId }, 'password reset request failed'),
      );
    });
  }

  private async sendResetMail(email: string, requestId?: string): Promise<void> {
    await OrmRequestContext.create(this.em, async () => {
      const user = await this.accounts.findByEmail(email);
      const requests = await this.countResetRequest(email);
      const refused = !user
        ? 'unknown_email'
        : user.status !== 'active'
          ? 'account_disabled'
          : requests > RESET_REQUESTS_PER_HOUR
            ? 'too_many_requests'
            : null;
      if (!user || refused) {
        await this.audit.record({
          action: 'auth.password_reset_requested',
          outcome: 'denied',
          actorId: null,
          targetType: user ? 'user' : undefined,
          targetId: user?.id ?? null,
          metadata: { email, reason: refused },
        });
        return;
      }
      const now = new Date();
      // one live link per account: a new request supersedes the previous ones
      await this.em.nativeUpdate(
        PasswordResetToken,
        { user: user.id, usedAt: null },
        { usedAt: now },
      );
      const token = randomToken();
      const row = this.em.create(PasswordResetToken, {
        user,
        tokenHash: sha256Hex(token),
        createdAt: now,
        expiresAt: new Date(now.getTime() + this.settings.passwordResetTtlMs),
      });
      await this.em.persist(row).flush();
      await this.audit.record({
        action: 'auth.password_reset_requested',
        actorId: null,
        targetType: 'user',
        targetId: user.id,
      });
      const resetUrl = `${this.app.publicAppUrl}/reset-password?token=${encodeURIComponent(token)}`;
      await this.mail.send({
        template: 'password-reset',
        to: { email: user.email, name: user.displayName },
        context: {
          displayName: user.displayName,
          resetUrl,
          expiresInMinutes: Math.round(this.settings.passwordResetTtlMs / 60_000),
        },
        eventId: row.id,
        requestId,
      });
    });
  }

  private async countResetRequest(email: string): Promise<number> {
    const key = `auth:reset-requests:{${sha256Hex(email).slice(0, 32)}}`;
    const [[, count]] = (await this.redis
      .multi()
      .incr(key)
      .pexpire(key, 3_600_000, 'NX')
      .exec()) as [[Error | null, number]];
    return count;
  }

  async resetPassword(token: string, newPassword: string): Promise<void> {
    const invalid = () =>
      new AppError(
        'bad_request',
        'invalid_reset_token',
        'This reset link is invalid or has expired.',
        {
          errors: [{ field: 'token', message: 'reset token is invalid, used or expired' }],
        },
      );
    if (!OPAQUE_TOKEN_PATTERN.test(token)) throw invalid();
    const now = new Date();
    const row = await this.em.findOne(
      PasswordResetToken,
      { tokenHash: sha256Hex(token), usedAt: null, expiresAt: { $gt: now } },
      { populate: ['user', 'user.role'] },
    );
    if (!row || row.user.status !== 'active') throw invalid();
    const user = row.user;
    // check the new password before spending the link, so a refused password can be retried
    assertPasswordAcceptable(newPassword, {
      email: user.email,
      minLength: this.settings.passwordMinLength,
      field: 'newPassword',
    });
    const consumed = await this.em.nativeUpdate(
      PasswordResetToken,
      { id: row.id, usedAt: null },
      { usedAt: now },
    );
    if (consumed !== 1) throw invalid();
    await this.accounts.setPassword(user, newPassword);
    const ended = await this.sessions.revoke({ userId: user.id }, 'password_reset');
    await this.lockout.unlock(user.email);
    this.context.setActor(user.id);
    await this.audit.record({
      action: 'auth.password_reset_completed',
      actorId: user.id,
      targetType: 'user',
      targetId: user.id,
      metadata: { sessionsEnded: ended.length },
    });
    await this.notifyPasswordChanged(user, 'reset');
  }

  /**
   * The password is already changed when this runs. The notifications library turns the event
   * into a notification and the `password-changed` mail (as the user's preferences say); the bus
   * never rejects, so a delivery problem is logged, not turned into an error for a change that
   * succeeded.
   */
  private async notifyPasswordChanged(user: User, via: 'change' | 'reset'): Promise<void> {
    await this.events.emit('security.password_changed', {
      userId: user.id,
      via,
      ip: this.context.snapshot().ip ?? null,
    });
  }

  private async requireUser(caller: AuthUser): Promise<User> {
    const user = await this.accounts.findById(caller.id);
    if (!user)
      throw new AppError('unauthenticated', 'invalid_token', 'The account no longer exists.');
    return user;
  }
}
