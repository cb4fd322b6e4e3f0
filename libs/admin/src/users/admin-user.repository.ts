import type { FilterQuery } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Session, User, type UserStatus } from '@docent/auth';
import { olderThan, type TimeIdPosition } from '@docent/common';

export interface UserListFilter {
  /** Already escaped for LIKE: matched as a substring of the e-mail or the display name. */
  q?: string;
  role?: string;
  status?: UserStatus;
  /** Keyset position: rows strictly after it in (createdAt desc, id desc) order. */
  after?: TimeIdPosition;
  /** What the caller's ability lets them read, as a MikroORM filter (`{}` for everything). */
  visible: FilterQuery<User>;
}

/** Escapes LIKE's wildcards (and its escape character) so user input matches literally. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** Serialises changes that can take the admin role away from someone (see `lockAdminChanges`). */
export const ADMIN_CHANGES_LOCK = 'docent:admin-users:active-admins';

/** Users as the admin API reads and counts them; rules live in the service. */
@Injectable()
export class AdminUserRepository {
  constructor(private readonly em: EntityManager) {}

  findById(id: string): Promise<User | null> {
    return this.em.findOne(User, { id }, { populate: ['role'], refresh: true });
  }

  /** Up to `limit` rows, newest first, in keyset order. */
  page(filter: UserListFilter, limit: number): Promise<User[]> {
    const where: FilterQuery<User>[] = [filter.visible];
    if (filter.q) {
      where.push({
        $or: [{ email: { $ilike: filter.q } }, { displayName: { $ilike: filter.q } }],
      });
    }
    if (filter.role) where.push({ role: { name: filter.role } });
    if (filter.status) where.push({ status: filter.status });
    if (filter.after) {
      where.push(olderThan(filter.after));
    }
    return this.em.find(
      User,
      { $and: where },
      { populate: ['role'], orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], limit },
    );
  }

  /** Active users holding the role, other than `exceptUserId`. */
  countActiveWithRole(roleName: string, exceptUserId: string): Promise<number> {
    return this.em.count(User, {
      role: { name: roleName },
      status: 'active',
      id: { $ne: exceptUserId },
    });
  }

  /** Sessions of the user that can still be refreshed. */
  countLiveSessions(userId: string): Promise<number> {
    const now = new Date();
    return this.em.count(Session, {
      user: userId,
      revokedAt: null,
      idleExpiresAt: { $gt: now },
      absoluteExpiresAt: { $gt: now },
    });
  }

  /**
   * Inside a transaction: waits for, then holds until commit, the one lock every change that can
   * take the admin role away from someone takes. Two admins demoting each other at the same time
   * are then checked one after the other, so the second sees the first's change.
   */
  async lockAdminChanges(): Promise<void> {
    await this.em.execute('select pg_advisory_xact_lock(hashtext(?))', [ADMIN_CHANGES_LOCK]);
  }
}
