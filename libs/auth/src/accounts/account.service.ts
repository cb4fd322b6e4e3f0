import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DomainEventBus } from '@docent/common';
import type { AuthSettings } from '@docent/config';
import { AUDIT_TARGET, type AuditAction, AuditService } from '@docent/audit';
import { DEFAULT_ROLE } from '../auth.constants';
import { emailTaken, unknownRole } from '../auth.errors';
import { Role } from '../entities/role.entity';
import { User, type UserStatus } from '../entities/user.entity';
import { assertPasswordAcceptable, PasswordHasher } from '../passwords';
import { RevocationStore, type UserState } from '../sessions/revocation.store';
import { SessionService } from '../sessions/session.service';

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export interface NewAccount {
  email: string;
  password: string;
  displayName: string;
  role?: string;
}

/** Users: creation with the password policy, status changes, and their cached state in Redis. */
@Injectable()
export class AccountService {
  private readonly settings: AuthSettings;

  constructor(
    private readonly em: EntityManager,
    private readonly hasher: PasswordHasher,
    private readonly revocations: RevocationStore,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    config: ConfigService,
    private readonly events: DomainEventBus,
  ) {
    this.settings = config.getOrThrow<AuthSettings>('auth');
  }

  findByEmail(email: string): Promise<User | null> {
    return this.em.findOne(User, { email: normalizeEmail(email) }, { populate: ['role'] });
  }

  findById(id: string): Promise<User | null> {
    return this.em.findOne(User, { id }, { populate: ['role'] });
  }

  /** Validates the password against the policy, hashes it, stores the user; 409 if the e-mail is taken. */
  async create(account: NewAccount): Promise<User> {
    const email = normalizeEmail(account.email);
    assertPasswordAcceptable(account.password, {
      email,
      minLength: this.settings.passwordMinLength,
      field: 'password',
    });
    const role = await this.em.findOne(Role, { name: account.role ?? DEFAULT_ROLE });
    if (!role) {
      throw unknownRole(account.role);
    }
    const user = this.em.create(User, {
      email,
      displayName: account.displayName.trim(),
      passwordHash: await this.hasher.hash(account.password),
      role,
    });
    try {
      await this.em.persist(user).flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        this.em.clear();
        throw emailTaken();
      }
      throw error;
    }
    await this.cacheState(user);
    return user;
  }

  stateOf(user: User): UserState {
    return {
      status: user.status,
      role: user.role.name,
      email: user.email,
      displayName: user.displayName,
      createdAt: user.createdAt.toISOString(),
    };
  }

  /** Writes the user's status and role where the per-request check reads them. */
  async cacheState(user: User): Promise<void> {
    await this.revocations.setUserState(user.id, this.stateOf(user));
  }

  /**
   * Enables or disables an account. Disabling ends every session at once: refresh fails and
   * access tokens already issued fail on their next request.
   */
  async setStatus(user: User, status: UserStatus): Promise<void> {
    if (user.status === status) return;
    const before = user.status;
    user.status = status;
    await this.em.flush();
    await this.cacheState(user);
    if (status === 'disabled') {
      await this.sessions.revoke({ userId: user.id }, 'user_disabled');
      await this.events.emit('user.sessions_ended', { userId: user.id, reason: 'disabled' });
    }
    await this.recordChange('user.status_changed', user, before, status);
  }

  /** Gives the user another role; what they may do changes on their next request. */
  async setRole(user: User, roleName: string): Promise<void> {
    if (user.role.name === roleName) return;
    const role = await this.em.findOne(Role, { name: roleName });
    if (!role) {
      throw unknownRole(roleName);
    }
    const before = user.role.name;
    user.role = role;
    await this.em.flush();
    await this.cacheState(user);
    await this.recordChange('user.role_changed', user, before, roleName);
  }

  /** An admin's change of one attribute of the user, audited with its value before and after. */
  private async recordChange(
    action: AuditAction,
    user: User,
    before: string,
    after: string,
  ): Promise<void> {
    await this.audit.record({
      action,
      targetType: AUDIT_TARGET.user,
      targetId: user.id,
      metadata: { before, after },
    });
  }

  /**
   * Renames the user; the cached state follows at once, so `/auth/me` shows the new name on the
   * user's next request. Not audited here: the caller records why it happened.
   */
  async setDisplayName(user: User, displayName: string): Promise<void> {
    const name = displayName.trim();
    if (user.displayName === name) return;
    user.displayName = name;
    await this.em.flush();
    await this.cacheState(user);
  }

  /**
   * Deletes the account. Every session ends first (its access tokens fail on their next request);
   * then the row goes, and with it, by database cascade, its sessions and reset tokens; then its
   * cached state. Audit entries stay (they hold plain ids). Not audited here: the caller records
   * who did it and why. Returns how many sessions were still live.
   */
  async deleteUser(user: User): Promise<{ sessionsEnded: number }> {
    const ended = await this.sessions.revoke({ userId: user.id }, 'admin');
    this.em.remove(user);
    await this.em.flush();
    await this.revocations.forgetUser(user.id);
    await this.events.emit('user.sessions_ended', { userId: user.id, reason: 'deleted' });
    return { sessionsEnded: ended.length };
  }

  /** Throws the policy's 400 (on `field`) unless `password` may become this user's password. */
  assertNewPassword(user: User, password: string, field = 'newPassword'): void {
    assertPasswordAcceptable(password, {
      email: user.email,
      minLength: this.settings.passwordMinLength,
      field,
    });
  }

  /** After a successful sign-in: a hash made with older argon2 parameters is redone with today's. */
  async upgradeHashIfNeeded(user: User, password: string): Promise<void> {
    if (this.hasher.needsRehash(user.passwordHash)) await this.setPassword(user, password);
  }

  /** Sets a new password (already checked by the caller) and rehashes with the current parameters. */
  async setPassword(user: User, password: string): Promise<void> {
    user.passwordHash = await this.hasher.hash(password);
    user.passwordChangedAt = new Date();
    await this.em.flush();
  }
}
