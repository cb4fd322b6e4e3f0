import { Injectable } from '@nestjs/common';
import { DomainEventBus, RequestContext } from '@docent/common';
import { AUDIT_TARGET, AuditService } from '@docent/audit';
import { AccountService, normalizeEmail } from '../accounts/account.service';
import { recordOwnAccountAction } from '../accounts/own-account-audit';
import { PasswordAttempts } from '../accounts/password-attempts';
import { accountDisabled, invalidCredentials } from '../auth.errors';
import { AuthMetrics } from '../auth.metrics';
import type { AuthTokensDto } from '../dto/auth-response.dto';
import type { LoginDto, RegisterDto } from '../dto/auth-request.dto';
import { NewDeviceNotice } from './new-device-notice';
import { SessionIssuer } from './session-issuer';

/** Sign-up and sign-in with e-mail and password (SPEC §3). */
@Injectable()
export class SignInService {
  constructor(
    private readonly accounts: AccountService,
    private readonly passwords: PasswordAttempts,
    private readonly issuer: SessionIssuer,
    private readonly newDevices: NewDeviceNotice,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
    private readonly metrics: AuthMetrics,
    private readonly events: DomainEventBus,
  ) {}

  async register(input: RegisterDto): Promise<AuthTokensDto> {
    const user = await this.accounts.create(input);
    await recordOwnAccountAction(this.audit, this.context, user.id, 'auth.register');
    const tokens = await this.issuer.open(user);
    await this.events.emit('auth.signed_in', { userId: user.id, via: 'register' });
    return tokens;
  }

  async login(input: LoginDto): Promise<AuthTokensDto> {
    const email = normalizeEmail(input.email);
    const check = await this.passwords.check(
      email,
      () => this.accounts.findByEmail(email),
      input.password,
      {
        refused: (reason) => {
          this.metrics.login(reason);
          return {
            action: 'auth.login',
            outcome: 'denied',
            actorId: null,
            metadata: { email, reason },
          };
        },
        failed: (user) => ({
          action: 'auth.login',
          outcome: 'failure',
          actorId: user?.id ?? null,
          targetType: user ? AUDIT_TARGET.user : undefined,
          targetId: user?.id ?? null,
          metadata: { email, reason: 'invalid_credentials' },
        }),
      },
    );
    if (!check.valid) {
      this.metrics.login('invalid_credentials');
      throw invalidCredentials();
    }
    const { user, attempt } = check;
    if (user.status !== 'active') {
      await attempt.abandon();
      this.metrics.login('account_disabled');
      await this.audit.record({
        action: 'auth.login',
        outcome: 'denied',
        actorId: user.id,
        targetType: AUDIT_TARGET.user,
        targetId: user.id,
        metadata: { reason: 'account_disabled' },
      });
      throw accountDisabled();
    }
    await attempt.succeeded();
    this.metrics.login('success');
    await this.accounts.upgradeHashIfNeeded(user, input.password);
    await recordOwnAccountAction(this.audit, this.context, user.id, 'auth.login');
    const tokens = await this.issuer.open(user);
    await this.newDevices.afterSignIn(user, this.issuer.client());
    await this.events.emit('auth.signed_in', { userId: user.id, via: 'login' });
    return tokens;
  }
}
