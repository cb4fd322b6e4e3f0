import { Injectable } from '@nestjs/common';
import { type AuditRecord, AuditService, AUDIT_TARGET } from '@docent/audit';
import { passwordChecksRefused } from '../auth.errors';
import { AuthMetrics } from '../auth.metrics';
import type { User } from '../entities/user.entity';
import { PasswordHasher } from '../passwords';
import { type LoginAttempt, LoginLockout } from './login-lockout';

/** How the caller's audit entries read; the lockout entry is the same for every caller. */
export interface PasswordAttemptAudit {
  /** The lockout refused the check (`locked_out`, or `busy`: too many checks at once). */
  refused(reason: 'locked_out' | 'busy'): AuditRecord;
  /** The password was wrong (or, for sign-in, the account unknown). */
  failed(user: User | null): AuditRecord;
}

export type PasswordAttemptResult =
  { valid: true; user: User; attempt: LoginAttempt } | { valid: false; user: User | null };

/**
 * A password check under the login lockout of an account, shared by sign-in and password change
 * (so a stolen access token is no oracle for the password either). Refused checks throw the 429;
 * a wrong password is audited (with the lockout it caused) and returned for the caller to answer.
 * A valid one holds its place in the lockout until the caller settles it (`succeeded`, or
 * `abandon` when something else refuses the sign-in).
 */
@Injectable()
export class PasswordAttempts {
  constructor(
    private readonly lockout: LoginLockout,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly metrics: AuthMetrics,
  ) {}

  async check(
    email: string,
    findUser: () => Promise<User | null>,
    password: string,
    audit: PasswordAttemptAudit,
  ): Promise<PasswordAttemptResult> {
    const reservation = await this.lockout.begin(email);
    if (!reservation.reserved) {
      await this.audit.record(
        audit.refused(reservation.reason === 'locked' ? 'locked_out' : 'busy'),
      );
      throw passwordChecksRefused(reservation);
    }
    const { attempt } = reservation;
    let user: User | null;
    let valid: boolean;
    try {
      user = await findUser();
      // an unknown e-mail costs one argon2 verification too, so timing does not tell them apart
      valid = user
        ? await this.hasher.verify(user.passwordHash, password)
        : await this.hasher.verifyDummy(password);
    } catch (error) {
      // the check did not run (PostgreSQL down): it is no failure, and it must not hold a place
      await attempt.abandon().catch(() => undefined);
      throw error;
    }
    if (!user || !valid) {
      const lockSeconds = await attempt.failed();
      await this.audit.record(audit.failed(user));
      if (lockSeconds > 0) {
        this.metrics.lockout();
        await this.audit.record({
          action: 'auth.lockout',
          outcome: 'denied',
          actorId: user?.id ?? null,
          targetType: user ? AUDIT_TARGET.user : undefined,
          targetId: user?.id ?? null,
          metadata: { email, lockedForSeconds: lockSeconds },
        });
      }
      return { valid: false, user };
    }
    return { valid: true, user, attempt };
  }
}
