import { OptionalProps, PrimaryKeyProp } from '@mikro-orm/core';
import { Check, Entity, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { User } from '@docent/auth';

/**
 * Usage analytics (SPEC §9): one row per user per UTC day, counters incremented by upserts
 * (`UsageService.record`); a row exists only for a day the user did something, so rows per day
 * are the day's active users. Counters only, no content, no e-mail. Rows go with their user.
 */
@Entity({ tableName: 'usage_daily' })
@Index({ name: 'usage_daily_day_idx', properties: ['day'] })
@Check({
  name: 'usage_daily_counters_check',
  expression:
    'uploads >= 0 and bytes_ingested >= 0 and questions >= 0 and answer_tokens >= 0 and sign_ins >= 0 and searches >= 0 and exports >= 0 and shares >= 0',
})
export class UsageDaily {
  [PrimaryKeyProp]?: ['user', 'day'];
  [OptionalProps]?:
    | 'uploads'
    | 'bytesIngested'
    | 'questions'
    | 'answerTokens'
    | 'signIns'
    | 'searches'
    | 'exports'
    | 'shares';

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

  @Property({ type: 'integer', default: 0 })
  signIns: number = 0;

  @Property({ type: 'integer', default: 0 })
  searches: number = 0;

  /** Conversations exported (JSON or Markdown). */
  @Property({ type: 'integer', default: 0 })
  exports: number = 0;

  /** Documents shared with someone, or a share's permission changed. */
  @Property({ type: 'integer', default: 0 })
  shares: number = 0;
}
