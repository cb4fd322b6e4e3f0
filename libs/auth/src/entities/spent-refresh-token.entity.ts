import { OptionalProps } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Session } from './session.entity';

/** A refresh token that was rotated away; seeing it again means it was stolen (RFC 9700 §4.14). */
@Entity({ tableName: 'spent_refresh_tokens' })
@Index({ name: 'spent_refresh_tokens_spent_at_idx', properties: ['spentAt'] })
export class SpentRefreshToken {
  [OptionalProps]?: 'spentAt' | 'successorSealed';

  @PrimaryKey({ type: 'text' })
  tokenHash!: string;

  @ManyToOne(() => Session, {
    fieldName: 'session_id',
    deleteRule: 'cascade',
    updateRule: 'cascade',
    index: 'spent_refresh_tokens_session_id_idx',
  })
  session!: Session;

  @Property({ type: 'timestamptz' })
  spentAt: Date = new Date();

  /**
   * The pair this token was rotated to, sealed with the data key, for a replay within
   * JWT_REFRESH_REUSE_GRACE (two tabs, a retried request); cleared by the purge once the window
   * has passed.
   */
  @Property({ type: 'text', nullable: true })
  successorSealed?: string | null;
}
