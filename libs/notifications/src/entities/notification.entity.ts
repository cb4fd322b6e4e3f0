import { OptionalProps } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { User } from '@docent/auth';
import { uuidv7 } from '@docent/common';

/**
 * One notification in a user's notification center (SPEC §8). The indexes serve the two hot
 * reads: the per-user list newest first (keyset on created_at, id) and the unread count (a
 * partial index holding unread rows only). `created_at` alone serves the retention purge.
 */
@Entity({ tableName: 'notifications' })
@Index({
  name: 'notifications_user_created_idx',
  expression:
    'create index "notifications_user_created_idx" on "notifications" ("user_id", "created_at" desc, "id" desc)',
})
@Index({
  name: 'notifications_user_unread_idx',
  expression:
    'create index "notifications_user_unread_idx" on "notifications" ("user_id", "created_at" desc, "id" desc) where "read_at" is null',
})
@Index({ name: 'notifications_created_at_idx', properties: ['createdAt'] })
export class Notification {
  [OptionalProps]?: 'id' | 'data' | 'readAt' | 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => User, { fieldName: 'user_id', deleteRule: 'cascade', updateRule: 'cascade' })
  user!: User;

  @Property({ type: 'text' })
  type!: string;

  @Property({ type: 'text' })
  title!: string;

  @Property({ type: 'text' })
  body!: string;

  @Property({ type: 'jsonb', default: '{}' })
  data: Record<string, unknown> = {};

  @Property({ type: 'timestamptz', nullable: true })
  readAt: Date | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
