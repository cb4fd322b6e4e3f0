import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { UsageDaily } from './usage-daily.entity';

/** The per-user daily counters, by their API names, with their columns in `usage_daily`. */
export const USAGE_COUNTERS = {
  signIns: 'sign_ins',
  uploads: 'uploads',
  bytesIngested: 'bytes_ingested',
  questions: 'questions',
  answerTokens: 'answer_tokens',
  searches: 'searches',
  exports: 'exports',
  shares: 'shares',
} as const;

export type UsageCounter = keyof typeof USAGE_COUNTERS;
export const USAGE_COUNTER_NAMES = Object.keys(USAGE_COUNTERS) as UsageCounter[];

export type UsageIncrement = Partial<Record<UsageCounter, number>>;

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
    const values = USAGE_COUNTER_NAMES.map((name) => Math.max(0, Math.trunc(increment[name] ?? 0)));
    if (values.every((value) => value === 0)) return;
    const columns = USAGE_COUNTER_NAMES.map((name) => USAGE_COUNTERS[name]);
    await this.em.getConnection().execute(
      `insert into "${table}" as u (user_id, day, ${columns.join(', ')})
       values (?, ?::date, ${columns.map(() => '?').join(', ')})
       on conflict (user_id, day) do update set
         ${columns.map((column) => `${column} = u.${column} + excluded.${column}`).join(',\n         ')}`,
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
