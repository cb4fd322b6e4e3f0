import { RequestContext as OrmRequestContext } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { RequestContext } from '@docent/common';
import { AUDIT_TARGET, AuditService } from '@docent/audit';
import { AccountService, normalizeEmail } from '../accounts/account.service';
import { ResetMail } from './reset-mail';
import { ResetTokenRepository } from './reset-token.repository';

/** "Forgot password": mails a single-use reset link if the address has an active account. */
@Injectable()
export class ResetRequestService {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly em: EntityManager,
    private readonly accounts: AccountService,
    private readonly links: ResetTokenRepository,
    private readonly resetMail: ResetMail,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
  ) {}

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
    // the request's unit of work is gone by now: this one gets its own
    await OrmRequestContext.create(this.em, async () => {
      const user = await this.accounts.findByEmail(email);
      const withinBudget = await this.resetMail.withinBudget(email);
      const refused = !user
        ? 'unknown_email'
        : user.status !== 'active'
          ? 'account_disabled'
          : !withinBudget
            ? 'too_many_requests'
            : null;
      if (!user || refused) {
        await this.audit.record({
          action: 'auth.password_reset_requested',
          outcome: 'denied',
          actorId: null,
          targetType: user ? AUDIT_TARGET.user : undefined,
          targetId: user?.id ?? null,
          metadata: { email, reason: refused },
        });
        return;
      }
      const link = await this.links.issue(user);
      await this.audit.record({
        action: 'auth.password_reset_requested',
        actorId: null,
        targetType: AUDIT_TARGET.user,
        targetId: user.id,
      });
      await this.resetMail.send(user, { ...link, ttlMs: this.links.ttlMs }, requestId);
    });
  }
}
