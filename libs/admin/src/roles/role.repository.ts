import { LockMode } from '@mikro-orm/core';
import { EntityManager, type FilterQuery } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Role, User } from '@docent/auth';
import { RolePermission } from '@docent/authorization';
import type { PermissionGrant } from './role-permissions';

/** Where a page of roles starts: after this (builtIn, name) in "built-in first, then by name". */
export interface RolePosition {
  builtIn: boolean;
  name: string;
}

/** Data access for roles and their rules; no rules of its own. */
@Injectable()
export class RoleRepository {
  constructor(private readonly em: EntityManager) {}

  /** Runs `work` in one transaction, with a repository bound to it. */
  inTransaction<T>(work: (repository: RoleRepository) => Promise<T>): Promise<T> {
    return this.em.transactional((tx) => work(new RoleRepository(tx)));
  }

  /** Built-in roles first, then by name; `limit` rows after `after`. */
  page(after: RolePosition | null, limit: number): Promise<Role[]> {
    let where: FilterQuery<Role> = {};
    if (after) {
      where = {
        $or: [
          { builtIn: after.builtIn, name: { $gt: after.name } },
          ...(after.builtIn ? [{ builtIn: false }] : []),
        ],
      };
    }
    return this.em.find(Role, where, { orderBy: { builtIn: 'desc', name: 'asc' }, limit });
  }

  findById(id: string): Promise<Role | null> {
    return this.em.findOne(Role, { id });
  }

  /** The role, row-locked until the transaction ends (no concurrent edit, delete or assignment). */
  lockById(id: string): Promise<Role | null> {
    return this.em.findOne(Role, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  }

  async nameExists(name: string): Promise<boolean> {
    return (await this.em.count(Role, { name })) > 0;
  }

  /** The stored rules of each role, in evaluation order. */
  async rulesOf(roleIds: readonly string[]): Promise<Map<string, RolePermission[]>> {
    const byRole = new Map<string, RolePermission[]>(roleIds.map((id) => [id, []]));
    if (roleIds.length === 0) return byRole;
    const rows = await this.em.find(
      RolePermission,
      { role: { $in: [...roleIds] } },
      { orderBy: { position: 'asc', id: 'asc' } },
    );
    for (const row of rows) byRole.get(row.role.id)?.push(row);
    return byRole;
  }

  countUsers(roleId: string): Promise<number> {
    return this.em.count(User, { role: roleId });
  }

  /** Users holding the role, by id, `limit` at a time (a fresh context per batch). */
  usersWithRole(roleId: string, afterId: string | null, limit: number): Promise<User[]> {
    return this.em
      .fork()
      .find(
        User,
        { role: roleId, ...(afterId ? { id: { $gt: afterId } } : {}) },
        { populate: ['role'], orderBy: { id: 'asc' }, limit },
      );
  }

  createRole(data: { name: string; description: string }): Role {
    return this.em.create(Role, data);
  }

  /** Replaces every rule of the role by `grants` (position = index); flushed with the transaction. */
  async replaceRules(role: Role, grants: readonly PermissionGrant[]): Promise<RolePermission[]> {
    await this.em.nativeDelete(RolePermission, { role: role.id });
    return grants.map((grant, position) =>
      this.em.create(RolePermission, {
        role,
        action: grant.action,
        subject: grant.subject,
        own: grant.own,
        position,
      }),
    );
  }

  touch(role: Role): void {
    role.updatedAt = new Date();
  }

  remove(role: Role): void {
    this.em.remove(role);
  }

  flush(): Promise<void> {
    return this.em.flush();
  }
}
