import { Injectable } from '@nestjs/common';
import { RequestContext } from '@docent/common';
import { AuditService } from '@docent/audit';
import { AccountService } from '../accounts/account.service';
import { LoginLockout } from '../accounts/login-lockout';
import { recordOwnAccountAction } from '../accounts/own-account-audit';
import { invalidResetToken } from '../auth.errors';
import { PasswordChangedNotice } from '../passwords/password-changed-notice';
import { SessionService } from '../sessions/session.service';
import { OPAQUE_TOKEN_PATTERN } from '../tokens/token-hash';
import { ResetTokenRepository } from './reset-token.repository';

/** Sets a new password with the token from a reset link; every session ends. */
@Injectable()
export class PasswordResetService {
  constructor(
    private readonly links: ResetTokenRepository,
    private readonly accounts: AccountService,
    private readonly sessions: SessionService,
    private readonly lockout: LoginLockout,
    private readonly notice: PasswordChangedNotice,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
  ) {}

  async resetPassword(token: string, newPassword: string): Promise<void> {
    if (!OPAQUE_TOKEN_PATTERN.test(token)) throw invalidResetToken();
    const now = new Date();
    const link = await this.links.findLive(token, now);
    if (!link || link.user.status !== 'active') throw invalidResetToken();
    const user = link.user;
    // check the new password before spending the link, so a refused password can be retried
    this.accounts.assertNewPassword(user, newPassword);
    if (!(await this.links.consume(link.id, now))) throw invalidResetToken();
    await this.accounts.setPassword(user, newPassword);
    const ended = await this.sessions.revoke({ userId: user.id }, 'password_reset');
    // whoever holds the mailbox may sign in again at once
    await this.lockout.unlock(user.email);
    await recordOwnAccountAction(
      this.audit,
      this.context,
      user.id,
      'auth.password_reset_completed',
      { sessionsEnded: ended.length },
    );
    await this.notice.send(user, 'reset');
  }
}
