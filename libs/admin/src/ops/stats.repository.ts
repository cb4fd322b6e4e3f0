import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Role, User } from '@docent/auth';
import { UsageDaily } from '@docent/chat';

export interface UserCountRow {
  role: string;
  /** Null for a role without users (the left join's empty side). */
  status: string | null;
  count: number;
}

export interface UsageDayRow {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  questions: number;
  answerTokens: number;
}

/**
 * Aggregates for the admin stats: GROUP BY queries only, never loading the rows themselves. The
 * documents' figures are libs/documents' own (DocumentStatsRepository).
 */
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

  /** Chat questions and answer tokens per UTC day since `fromDay` (inclusive), all users summed. */
  async usagePerDay(fromDay: string): Promise<UsageDayRow[]> {
    const usage = this.em.getMetadata(UsageDaily).tableName;
    const rows = await this.em
      .getConnection()
      .execute<{ day: string; questions: number | string; answer_tokens: number | string }[]>(
        `select to_char(day, 'YYYY-MM-DD') as day, sum(questions)::bigint::text as questions,
                sum(answer_tokens)::text as answer_tokens
           from "${usage}"
          where day >= ?::date
          group by day
          order by day`,
        [fromDay],
      );
    return rows.map((row) => ({
      day: row.day,
      questions: Number(row.questions),
      answerTokens: Number(row.answer_tokens),
    }));
  }
}
