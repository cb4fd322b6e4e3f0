import { OptionalProps } from '@mikro-orm/core';
import {
  Entity,
  Index,
  ManyToOne,
  PrimaryKey,
  Property,
  Unique,
} from '@mikro-orm/decorators/legacy';
import { uuidv7 } from '@docent/common';
import { User } from './user.entity';

export type SessionEndReason =
  | 'logout'
  | 'logout_all'
  | 'ended_by_user'
  | 'password_changed'
  | 'password_reset'
  | 'token_reuse'
  | 'user_disabled'
  | 'role_changed'
  | 'admin';

/**
 * A refresh-token family: one sign-in on one device. Only the SHA-256 of the current refresh
 * token is stored; rotation replaces it atomically and records the spent one.
 */
@Entity({ tableName: 'sessions' })
@Index({ name: 'sessions_user_id_idx', properties: ['user', 'createdAt'] })
// the purge finds ended sessions by these two (idle expiry is never after the absolute one)
@Index({ name: 'sessions_idle_expires_at_idx', properties: ['idleExpiresAt'] })
@Index({
  name: 'sessions_revoked_at_idx',
  expression:
    'create index "sessions_revoked_at_idx" on "sessions" ("revoked_at") where "revoked_at" is not null',
})
export class Session {
  [OptionalProps]?:
    'id' | 'createdAt' | 'lastUsedAt' | 'ip' | 'userAgent' | 'revokedAt' | 'revokedReason';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => User, { fieldName: 'user_id', deleteRule: 'cascade', updateRule: 'cascade' })
  user!: User;

  @Property({ type: 'text' })
  @Unique({ name: 'sessions_token_hash_key' })
  tokenHash!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  lastUsedAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  idleExpiresAt!: Date;

  @Property({ type: 'timestamptz' })
  absoluteExpiresAt!: Date;

  @Property({ type: 'text', nullable: true })
  ip: string | null = null;

  @Property({ type: 'text', nullable: true })
  userAgent: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;

  @Property({ type: 'text', nullable: true })
  revokedReason: SessionEndReason | null = null;
}
