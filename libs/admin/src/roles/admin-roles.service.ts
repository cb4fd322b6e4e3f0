import {
  ForeignKeyConstraintViolationException,
  UniqueConstraintViolationException,
} from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { AUDIT_TARGET, AuditService } from '@docent/audit';
import { AccountService, type Role } from '@docent/auth';
import {
  AbilityFactory,
  type AppAbility,
  PERMISSION_CATALOGUE,
  type RolePermission,
} from '@docent/authorization';
import { decodeCursor, type Page, toPage } from '@docent/common';
import type { CreateRoleDto, UpdateRoleDto } from './dto/role-request.dto';
import {
  PermissionCatalogueDto,
  PermissionCatalogueEntryDto,
  RoleDto,
} from './dto/role-response.dto';
import {
  assertGrantable,
  checkPermissions,
  grantKey,
  type PermissionGrant,
  permissionsOf,
} from './role-permissions';
import { RoleRepository, type RolePosition } from './role.repository';
import { builtInRole, roleInUse, roleNameTaken, roleNotFound } from './roles.errors';

/** Who is managing roles: what they may grant is bounded by their own ability. */
export interface RoleManager {
  id: string;
  ability: AppAbility;
}

/** What the audit log keeps of a role, before and after a change. */
interface RoleSnapshot {
  name: string;
  description: string;
  permissions: PermissionGrant[];
  /** Stored rules that are not plain permissions (built-in roles only). */
  otherRules?: number;
}

interface RoleCursor extends Record<string, unknown> {
  b: boolean;
  n: string;
}

const isRoleCursor = (value: Record<string, unknown>): value is RoleCursor =>
  typeof value.b === 'boolean' && typeof value.n === 'string' && value.n.length <= 48;

/** Users whose cached state is rewritten per batch after a rename. */
const USER_BATCH = 500;

function snapshot(role: Role, rows: readonly RolePermission[]): RoleSnapshot {
  const permissions = permissionsOf(rows);
  return {
    name: role.name,
    description: role.description,
    permissions,
    ...(rows.length > permissions.length ? { otherRules: rows.length - permissions.length } : {}),
  };
}

const sameGrants = (a: readonly PermissionGrant[], b: readonly PermissionGrant[]): boolean =>
  a.length === b.length && a.every((grant, index) => grantKey(grant) === grantKey(b[index]));

/**
 * Roles and their permissions (SPEC §4–5). Built-in roles are read-only apart from their
 * description; custom roles are made of catalogue permissions. Every change reaches the users of
 * the role on their next request (the per-role rule cache is invalidated) and is audited with
 * its before and after values.
 */
@Injectable()
export class AdminRolesService {
  private readonly logger = new Logger(AdminRolesService.name);

  constructor(
    private readonly roles: RoleRepository,
    private readonly abilities: AbilityFactory,
    private readonly accounts: AccountService,
    private readonly audit: AuditService,
  ) {}

  catalogue(): PermissionCatalogueDto {
    return { items: PERMISSION_CATALOGUE.map(PermissionCatalogueEntryDto.from), nextCursor: null };
  }

  async list(query: { limit: number; cursor?: string }): Promise<Page<RoleDto>> {
    const cursor = query.cursor ? decodeCursor(query.cursor, isRoleCursor) : null;
    const after: RolePosition | null = cursor ? { builtIn: cursor.b, name: cursor.n } : null;
    const rows = await this.roles.page(after, query.limit + 1);
    const rules = await this.roles.rulesOf(rows.slice(0, query.limit).map((role) => role.id));
    return toPage(
      rows,
      query.limit,
      (role) => RoleDto.from(role, rules.get(role.id) ?? []),
      (role): RoleCursor => ({ b: role.builtIn, n: role.name }),
    );
  }

  async get(id: string): Promise<RoleDto> {
    const role = await this.roles.findById(id);
    if (!role) throw roleNotFound();
    const rules = await this.roles.rulesOf([role.id]);
    return RoleDto.from(role, rules.get(role.id) ?? []);
  }

  async create(input: CreateRoleDto, manager: RoleManager): Promise<RoleDto> {
    const grants = checkPermissions(input.permissions);
    assertGrantable(manager.ability, manager.id, grants);
    if (await this.roles.nameExists(input.name)) throw roleNameTaken(input.name);

    let created: { role: Role; rows: RolePermission[] };
    try {
      created = await this.roles.inTransaction(async (repository) => {
        const role = repository.createRole({
          name: input.name,
          description: input.description ?? '',
        });
        const rows = await repository.replaceRules(role, grants);
        await repository.flush();
        return { role, rows };
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw roleNameTaken(input.name);
      throw error;
    }
    const { role, rows } = created;
    // a lookup of this name while it did not exist may have cached "no rules"
    await this.abilities.invalidateRole(role.name);
    await this.audit.record({
      action: 'admin.role_created',
      targetType: AUDIT_TARGET.role,
      targetId: role.id,
      metadata: { after: snapshot(role, rows) },
    });
    return RoleDto.from(role, rows);
  }

  async update(id: string, input: UpdateRoleDto, manager: RoleManager): Promise<RoleDto> {
    // 400 and 422 before anything is locked
    const grants =
      input.permissions === undefined ? undefined : checkPermissions(input.permissions);

    let result: {
      role: Role;
      rows: RolePermission[];
      before: RoleSnapshot;
      after: RoleSnapshot;
      oldName: string;
    };
    try {
      result = await this.roles.inTransaction(async (repository) => {
        const role = await repository.lockById(id);
        if (!role) throw roleNotFound();
        const current = (await repository.rulesOf([role.id])).get(role.id) ?? [];
        const before = snapshot(role, current);
        const oldName = role.name;
        const renamed = input.name !== undefined && input.name !== role.name;

        if (role.builtIn && renamed) throw builtInRole('rename', role.name);
        if (role.builtIn && grants !== undefined) throw builtInRole('permissions', role.name);
        if (grants !== undefined) {
          const kept = new Set(permissionsOf(current).map(grantKey));
          assertGrantable(manager.ability, manager.id, grants, kept);
        }
        if (renamed) {
          if (await repository.nameExists(input.name!)) throw roleNameTaken(input.name!);
          role.name = input.name!;
        }
        if (input.description !== undefined) role.description = input.description;
        let rows = current;
        if (grants !== undefined && !sameGrants(grants, permissionsOf(current))) {
          rows = await repository.replaceRules(role, grants);
          repository.touch(role);
        }
        await repository.flush();
        return { role, rows, before, after: snapshot(role, rows), oldName };
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw roleNameTaken(input.name!);
      throw error;
    }

    const { role, rows, before, after, oldName } = result;
    const changed = JSON.stringify(before) !== JSON.stringify(after);
    if (!changed) return RoleDto.from(role, rows);

    if (oldName !== role.name) await this.refreshHolders(role);
    await this.abilities.invalidateRole(oldName);
    if (oldName !== role.name) await this.abilities.invalidateRole(role.name);
    await this.audit.record({
      action: 'admin.role_updated',
      targetType: AUDIT_TARGET.role,
      targetId: role.id,
      metadata: {
        before,
        after,
        changed: (['name', 'description', 'permissions'] as const).filter(
          (key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]),
        ),
      },
    });
    return RoleDto.from(role, rows);
  }

  async remove(id: string): Promise<void> {
    let removed: { role: Role; before: RoleSnapshot };
    try {
      removed = await this.roles.inTransaction(async (repository) => {
        const role = await repository.lockById(id);
        if (!role) throw roleNotFound();
        if (role.builtIn) throw builtInRole('delete', role.name);
        // the row lock holds back concurrent assignments (their foreign-key check waits for it)
        const userCount = await repository.countUsers(role.id);
        if (userCount > 0) throw roleInUse(userCount);
        const rows = (await repository.rulesOf([role.id])).get(role.id) ?? [];
        const before = snapshot(role, rows);
        repository.remove(role);
        await repository.flush();
        return { role, before };
      });
    } catch (error) {
      if (error instanceof ForeignKeyConstraintViolationException) {
        throw roleInUse(await this.roles.countUsers(id));
      }
      throw error;
    }
    await this.abilities.invalidateRole(removed.role.name);
    await this.audit.record({
      action: 'admin.role_deleted',
      targetType: AUDIT_TARGET.role,
      targetId: id,
      metadata: { before: removed.before },
    });
  }

  /**
   * The per-request check reads each user's role name from their cached state: after a rename,
   * rewrite it for every holder so they keep their permissions on their next request.
   */
  private async refreshHolders(role: Role): Promise<void> {
    let afterId: string | null = null;
    try {
      for (;;) {
        const users = await this.roles.usersWithRole(role.id, afterId, USER_BATCH);
        for (const user of users) await this.accounts.cacheState(user);
        if (users.length < USER_BATCH) break;
        afterId = users[users.length - 1].id;
      }
    } catch (error) {
      this.logger.error(
        { err: error, roleId: role.id },
        'role renamed but the cached state of its users could not be refreshed',
      );
      throw error;
    }
  }
}
