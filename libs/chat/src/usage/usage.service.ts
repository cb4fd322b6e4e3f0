import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { UsageDaily } from './usage-daily.entity';

export interface UsageIncrement {
  uploads?: number;
  bytesIngested?: number;
  questions?: number;
  answerTokens?: number;
}

/** The UTC calendar day of an instant, `YYYY-MM-DD`. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/**
 * Per-user daily usage counters. `record` is one upsert (`insert … on conflict do update` adding
 * to the counters), so concurrent requests on several api instances never lose an increment.
 */
@Injectable()
export class UsageService {
  private readonly logger = new Logger('Usage');

  constructor(private readonly em: EntityManager) {}

  async record(userId: string, increment: UsageIncrement, at = new Date()): Promise<void> {
    const table = this.em.getMetadata(UsageDaily).tableName;
    const values = [
      Math.max(0, Math.trunc(increment.uploads ?? 0)),
      Math.max(0, Math.trunc(increment.bytesIngested ?? 0)),
      Math.max(0, Math.trunc(increment.questions ?? 0)),
      Math.max(0, Math.trunc(increment.answerTokens ?? 0)),
    ];
    if (values.every((value) => value === 0)) return;
    await this.em.getConnection().execute(
      `insert into "${table}" as u (user_id, day, uploads, bytes_ingested, questions, answer_tokens)
       values (?, ?::date, ?, ?, ?, ?)
       on conflict (user_id, day) do update set
         uploads = u.uploads + excluded.uploads,
         bytes_ingested = u.bytes_ingested + excluded.bytes_ingested,
         questions = u.questions + excluded.questions,
         answer_tokens = u.answer_tokens + excluded.answer_tokens`,
      [userId, utcDay(at), ...values],
    );
  }

  /** `record` that logs instead of failing: usage must never fail the request it counts. */
  async recordQuietly(userId: string, increment: UsageIncrement, at = new Date()): Promise<void> {
    try {
      await this.record(userId, increment, at);
    } catch (error) {
      this.logger.warn({ err: error, userId }, 'could not record usage');
    }
  }
}
