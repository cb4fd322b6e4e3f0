import { OptionalProps, PrimaryKeyProp } from '@mikro-orm/core';
import { Check, Entity, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { User } from '@docent/auth';

/**
 * Usage analytics (SPEC §9): one row per user per UTC day, counters incremented by upserts
 * (`UsageService.record`). Rows go with their user.
 */
@Entity({ tableName: 'usage_daily' })
@Index({ name: 'usage_daily_day_idx', properties: ['day'] })
@Check({
  name: 'usage_daily_counters_check',
  expression: 'uploads >= 0 and bytes_ingested >= 0 and questions >= 0 and answer_tokens >= 0',
})
export class UsageDaily {
  [PrimaryKeyProp]?: ['user', 'day'];
  [OptionalProps]?: 'uploads' | 'bytesIngested' | 'questions' | 'answerTokens';

  @ManyToOne(() => User, {
    primary: true,
    fieldName: 'user_id',
    deleteRule: 'cascade',
    updateRule: 'cascade',
  })
  user!: User;

  /** UTC calendar day, `YYYY-MM-DD`. */
  @Property({ type: 'date', columnType: 'date', primary: true })
  day!: string;

  @Property({ type: 'integer', default: 0 })
  uploads: number = 0;

  @Property({ type: 'bigint', columnType: 'bigint', defaultRaw: '0' })
  bytesIngested: string = '0';

  @Property({ type: 'integer', default: 0 })
  questions: number = 0;

  @Property({ type: 'bigint', columnType: 'bigint', defaultRaw: '0' })
  answerTokens: string = '0';
}
