import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Role, User } from '@docent/auth';

export interface UserCountRow {
  role: string;
  /** Null for a role without users (the left join's empty side). */
  status: string | null;
  count: number;
}

/** Aggregates for the admin stats: GROUP BY queries only, never loading the rows themselves. */
@Injectable()
export class StatsRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Users per (role, status) in one statement, so the per-role and per-status figures come from
   * the same snapshot and always add up to the same total. Roles without users appear with 0.
   */
  async userCounts(): Promise<UserCountRow[]> {
    const roles = this.em.getMetadata(Role).tableName;
    const users = this.em.getMetadata(User).tableName;
    const rows = await this.em
      .getConnection()
      .execute<{ role: string; status: string | null; count: number | string }[]>(
        `select r.name as role, u.status as status, count(u.id)::int as count
         from "${roles}" r left join "${users}" u on u.role_id = r.id
        group by r.name, u.status`,
      );
    return rows.map((row) => ({ role: row.role, status: row.status, count: Number(row.count) }));
  }
}
