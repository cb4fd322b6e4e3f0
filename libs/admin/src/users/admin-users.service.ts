import type { FilterQuery } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AUDIT_TARGET, type AuditAction, AuditService } from '@docent/audit';
import { AccountService, type AuthUser, LoginLockout, type User } from '@docent/auth';
import { AbilityFactory, accessibleWhere, type AppAbility } from '@docent/authorization';
import { StorageCleanupProducer } from '@docent/documents';
import { assertGrantable, permissionsOf } from '../roles/role-permissions';
import { timeIdCursor, toPage, ValidationFailedError } from '@docent/common';
import { AdminUserRepository, likePattern } from './admin-user.repository';
import {
  ADMINISTRATOR_REQUIRED,
  administratorRequired,
  CANNOT_MODIFY_SELF,
  cannotModifySelf,
  LAST_ADMIN,
  lastAdmin,
  userNotFound,
  userNotModifiable,
} from './admin-users.errors';
import type {
  CreateAdminUserDto,
  ListAdminUsersQueryDto,
  UpdateAdminUserDto,
} from './dto/admin-user-request.dto';
import {
  AdminUserDetailDto,
  AdminUserDto,
  type AdminUserPageDto,
} from './dto/admin-user-response.dto';
import { pick, snapshotOf, UPDATABLE } from './user-snapshot';
import { ADMIN_ROLE, asSubject, isActiveAdmin, isAdmin } from './user-policies';

/** `c` (createdAt) and `i` (id): the short field names of the cursors already handed out. */
const CURSOR = timeIdCursor('c', 'i');

/**
 * The admin users API (SPEC §5): the rules about who may change whom. Every change is audited
 * with the values before and after; refusals of self-changes and of the last admin's removal are
 * audited as denied.
 */
@Injectable()
export class AdminUsersService {
  constructor(
    private readonly em: EntityManager,
    private readonly users: AdminUserRepository,
    private readonly accounts: AccountService,
    private readonly lockout: LoginLockout,
    private readonly audit: AuditService,
    private readonly abilities: AbilityFactory,
    private readonly storageCleanup: StorageCleanupProducer,
  ) {}

  /**
   * Giving someone a role grants them its permissions: the caller must hold each of them, so a
   * custom role that may manage users cannot hand out `admin` (403 `permission_not_grantable`).
   * An unknown role passes here and is refused by AccountService (422).
   */
  private async assertAssignable(
    caller: { id: string },
    ability: AppAbility,
    roleName: string,
  ): Promise<void> {
    assertGrantable(ability, caller.id, permissionsOf(await this.abilities.storedRules(roleName)));
  }

  /** Users the caller may read, newest first, filtered in SQL. */
  async list(ability: AppAbility, query: ListAdminUsersQueryDto): Promise<AdminUserPageDto> {
    const visible = accessibleWhere(ability, 'read', 'User');
    if (!visible) return { items: [], nextCursor: null };
    const after = query.cursor ? CURSOR.decode(query.cursor) : undefined;
    const rows = await this.users.page(
      {
        visible: visible as FilterQuery<User>,
        q: query.q ? likePattern(query.q) : undefined,
        role: query.role,
        status: query.status,
        after,
      },
      query.limit + 1,
    );
    return toPage(rows, query.limit, AdminUserDto.from, (user) =>
      CURSOR.position(user.createdAt, user.id),
    );
  }

  async get(ability: AppAbility, id: string): Promise<AdminUserDetailDto> {
    return this.detail(await this.visibleUser(ability, id));
  }

  /** Password policy 400, unknown role 422, e-mail taken 409 (all from AccountService). */
  async create(
    caller: AuthUser,
    ability: AppAbility,
    input: CreateAdminUserDto,
  ): Promise<AdminUserDetailDto> {
    await this.assertAssignable(caller, ability, input.role);
    // a custom role holding every permission of admin still does not make administrators
    if (input.role === ADMIN_ROLE && caller.role !== ADMIN_ROLE) {
      await this.audit.record({
        action: 'admin.user_created',
        outcome: 'denied',
        targetType: AUDIT_TARGET.user,
        metadata: { reason: ADMINISTRATOR_REQUIRED, requested: { role: input.role } },
      });
      throw administratorRequired();
    }
    const user = await this.accounts.create(input);
    await this.audit.record({
      action: 'admin.user_created',
      targetType: AUDIT_TARGET.user,
      targetId: user.id,
      metadata: { after: snapshotOf(user) },
    });
    return this.detail(user);
  }

  /**
   * Role, status and display name. Nobody disables themselves or changes their own role, and the
   * last active admin keeps the role and stays enabled (both 409). Checks and writes run in one
   * transaction under a lock shared by every change that can remove an admin.
   */
  async update(
    caller: AuthUser,
    ability: AppAbility,
    id: string,
    input: UpdateAdminUserDto,
  ): Promise<AdminUserDetailDto> {
    if (UPDATABLE.every((field) => input[field] === undefined)) {
      throw new ValidationFailedError(
        [{ field: 'body', message: 'send at least one of role, status, displayName' }],
        'Nothing to change: send at least one of role, status, displayName.',
      );
    }
    const user = await this.em.transactional(async () => {
      if (input.role !== undefined || input.status !== undefined) {
        await this.users.lockAdminChanges();
      }
      const target = await this.changeableUser(ability, 'update', id);
      if (isAdmin(target))
        await this.assertCallerIsAdmin(caller, 'admin.user_updated', target, input);
      const changesRole = input.role !== undefined && input.role !== target.role.name;
      const disables = input.status === 'disabled' && target.status !== 'disabled';
      if (target.id === caller.id && (changesRole || disables)) {
        await this.refused('admin.user_updated', target, CANNOT_MODIFY_SELF, input);
        throw cannotModifySelf(disables ? 'disable' : 'change the role of');
      }
      if (isActiveAdmin(target) && (changesRole || disables)) {
        await this.assertAnotherActiveAdmin(
          'admin.user_updated',
          target,
          input,
          disables ? 'disabling them' : 'changing their role',
        );
      }
      if (changesRole) {
        await this.assertAssignable(caller, ability, input.role!);
        if (input.role === ADMIN_ROLE) {
          await this.assertCallerIsAdmin(caller, 'admin.user_updated', target, input);
        }
      }
      const before = snapshotOf(target);
      // the role first: it is the one change that can still be refused (unknown role, 422)
      if (input.role !== undefined) await this.accounts.setRole(target, input.role);
      if (input.status !== undefined) await this.accounts.setStatus(target, input.status);
      if (input.displayName !== undefined) {
        await this.accounts.setDisplayName(target, input.displayName);
      }
      const after = snapshotOf(target);
      const changed = UPDATABLE.filter((field) => before[field] !== after[field]);
      await this.audit.record({
        action: 'admin.user_updated',
        targetType: AUDIT_TARGET.user,
        targetId: target.id,
        metadata: { before: pick(before, changed), after: pick(after, changed), changed },
      });
      return target;
    });
    return this.detail(user);
  }

  /**
   * Lifts the login lockout of the user's e-mail address. An administrator's only by an
   * administrator: unlocking again and again would turn the lockout off for their password.
   */
  async unlock(caller: AuthUser, ability: AppAbility, id: string): Promise<void> {
    const user = await this.changeableUser(ability, 'update', id);
    if (isAdmin(user)) await this.assertCallerIsAdmin(caller, 'admin.user_unlocked', user);
    const lockedUntil = await this.lockedUntil(user);
    await this.lockout.unlock(user.email);
    await this.audit.record({
      action: 'admin.user_unlocked',
      targetType: AUDIT_TARGET.user,
      targetId: user.id,
      metadata: { before: { lockedUntil }, after: { lockedUntil: null } },
    });
  }

  /**
   * Deletes the user with their sessions and reset tokens; their access tokens fail at once.
   * Audit entries about them stay. Not oneself, not the last active admin (409). Their documents
   * go by cascade, and the cascade's trigger queues their files for removal in the same
   * transaction; once it committed, the worker is asked to remove them now.
   */
  async remove(caller: AuthUser, ability: AppAbility, id: string): Promise<void> {
    await this.em.transactional(async () => {
      await this.users.lockAdminChanges();
      const target = await this.changeableUser(ability, 'delete', id);
      if (isAdmin(target)) await this.assertCallerIsAdmin(caller, 'admin.user_deleted', target);
      if (target.id === caller.id) {
        await this.refused('admin.user_deleted', target, CANNOT_MODIFY_SELF);
        throw cannotModifySelf('delete');
      }
      if (isActiveAdmin(target)) {
        await this.assertAnotherActiveAdmin('admin.user_deleted', target, {}, 'deleting them');
      }
      const before = { ...snapshotOf(target), createdAt: target.createdAt.toISOString() };
      const { sessionsEnded } = await this.accounts.deleteUser(target);
      // inside the transaction: a deletion that cannot be audited does not happen
      await this.audit.record({
        action: 'admin.user_deleted',
        targetType: AUDIT_TARGET.user,
        targetId: id,
        metadata: { before, sessionsEnded },
      });
    });
    await this.storageCleanup.hintQuietly();
  }

  /** 404 for a user the caller may not see, whether or not it exists. */
  private async visibleUser(ability: AppAbility, id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user || !ability.can('read', asSubject(user))) throw userNotFound();
    return user;
  }

  /** 404 when the caller may not see the user, 403 when they may see but not change them. */
  private async changeableUser(
    ability: AppAbility,
    action: 'update' | 'delete',
    id: string,
  ): Promise<User> {
    const user = await this.visibleUser(ability, id);
    if (!ability.can(action, asSubject(user))) throw userNotModifiable();
    return user;
  }

  /** 403 `administrator_required` (audited as denied) unless the caller holds the admin role. */
  private async assertCallerIsAdmin(
    caller: AuthUser,
    action: AuditAction,
    target: User,
    requested: Partial<UpdateAdminUserDto> = {},
  ): Promise<void> {
    if (caller.role === ADMIN_ROLE) return;
    await this.refused(action, target, ADMINISTRATOR_REQUIRED, requested);
    throw administratorRequired();
  }

  private async assertAnotherActiveAdmin(
    action: AuditAction,
    target: User,
    requested: Partial<UpdateAdminUserDto>,
    what: string,
  ): Promise<void> {
    if ((await this.users.countActiveWithRole(ADMIN_ROLE, target.id)) > 0) return;
    await this.refused(action, target, LAST_ADMIN, requested);
    throw lastAdmin(what);
  }

  /** Audits a refused change (written outside the transaction, so it is kept). */
  private async refused(
    action: AuditAction,
    target: User,
    reason: string,
    requested: Partial<UpdateAdminUserDto> = {},
  ): Promise<void> {
    await this.audit.record({
      action,
      outcome: 'denied',
      targetType: AUDIT_TARGET.user,
      targetId: target.id,
      metadata: { reason, before: snapshotOf(target), requested: { ...requested } },
    });
  }

  private async lockedUntil(user: User): Promise<string | null> {
    const seconds = await this.lockout.lockedFor(user.email);
    return seconds > 0 ? new Date(Date.now() + seconds * 1000).toISOString() : null;
  }

  private async detail(user: User): Promise<AdminUserDetailDto> {
    const [lockedUntil, activeSessions] = await Promise.all([
      this.lockedUntil(user),
      this.users.countLiveSessions(user.id),
    ]);
    return { ...AdminUserDto.from(user), lockedUntil, activeSessions };
  }
}
