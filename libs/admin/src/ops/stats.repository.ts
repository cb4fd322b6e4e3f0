import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Role, User } from '@docent/auth';
import { UsageDaily } from '@docent/chat';
import { Document, DocumentChunk } from '@docent/documents';

export interface UserCountRow {
  role: string;
  /** Null for a role without users (the left join's empty side). */
  status: string | null;
  count: number;
}

export interface DocumentStatusRow {
  status: string;
  count: number;
  /** Sum of `size_bytes` of these documents. */
  bytes: number;
}

export interface UsageDayRow {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  questions: number;
  answerTokens: number;
}

export interface FailureCodeRow {
  code: string;
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

  /** Documents and their bytes per status, in one statement. */
  async documentCounts(): Promise<DocumentStatusRow[]> {
    const documents = this.em.getMetadata(Document).tableName;
    const rows = await this.em
      .getConnection()
      .execute<{ status: string; count: number | string; bytes: number | string }[]>(
        `select status, count(*)::int as count, coalesce(sum(size_bytes), 0)::text as bytes
           from "${documents}"
          group by status`,
      );
    return rows.map((row) => ({
      status: row.status,
      count: Number(row.count),
      bytes: Number(row.bytes),
    }));
  }

  /** Failed documents per stable error code. */
  async failureCounts(): Promise<FailureCodeRow[]> {
    const documents = this.em.getMetadata(Document).tableName;
    const rows = await this.em.getConnection().execute<{ code: string; count: number | string }[]>(
      `select error_code as code, count(*)::int as count
           from "${documents}"
          where status = 'failed' and error_code is not null
          group by error_code`,
    );
    return rows.map((row) => ({ code: row.code, count: Number(row.count) }));
  }

  /** Indexed chunks in all. */
  async chunkCount(): Promise<number> {
    const chunks = this.em.getMetadata(DocumentChunk).tableName;
    const rows = await this.em
      .getConnection()
      .execute<{ count: number | string }[]>(
        `select count(*)::bigint::text as count from "${chunks}"`,
      );
    return Number(rows[0]?.count ?? 0);
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
