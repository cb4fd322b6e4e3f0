import { Injectable } from '@nestjs/common';
import { AUDIT_TARGET, AuditService } from '@docent/audit';
import type { AuthUser } from '../auth.constants';
import { accountGone, currentPasswordIncorrect } from '../auth.errors';
import { PasswordChangedNotice } from '../passwords/password-changed-notice';
import { SessionService } from '../sessions/session.service';
import { AccountService } from './account.service';
import { PasswordAttempts } from './password-attempts';

/** A signed-in user changes their password; their other sessions end. */
@Injectable()
export class PasswordChangeService {
  constructor(
    private readonly accounts: AccountService,
    private readonly passwords: PasswordAttempts,
    private readonly sessions: SessionService,
    private readonly notice: PasswordChangedNotice,
    private readonly audit: AuditService,
  ) {}

  /**
   * The current password is checked under the login lockout of the account (and the route has
   * the auth rate limit), so this is no oracle for guessing it with a stolen access token.
   */
  async changePassword(
    caller: AuthUser,
    currentPassword: string,
    newPassword: string,
  ): Promise<void> {
    const account = await this.accounts.findById(caller.id);
    if (!account) throw accountGone();
    const target = { targetType: AUDIT_TARGET.user, targetId: account.id };
    const check = await this.passwords.check(account.email, async () => account, currentPassword, {
      refused: (reason) => ({
        action: 'auth.password_changed',
        outcome: 'denied',
        ...target,
        metadata: { reason },
      }),
      failed: () => ({
        action: 'auth.password_changed',
        outcome: 'failure',
        ...target,
        metadata: { reason: 'current_password_incorrect' },
      }),
    });
    if (!check.valid) throw currentPasswordIncorrect();
    const { user, attempt } = check;
    await attempt.succeeded();
    this.accounts.assertNewPassword(user, newPassword);
    await this.accounts.setPassword(user, newPassword);
    const ended = await this.sessions.revoke(
      { userId: user.id, exceptSessionId: caller.sessionId },
      'password_changed',
    );
    await this.audit.record({
      action: 'auth.password_changed',
      ...target,
      metadata: { otherSessionsEnded: ended.length },
    });
    await this.notice.send(user, 'change');
  }
}
