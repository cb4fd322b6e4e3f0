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

/** A single-use password-reset token, stored as its SHA-256 only. */
@Entity({ tableName: 'password_reset_tokens' })
@Index({ name: 'password_reset_tokens_expires_at_idx', properties: ['expiresAt'] })
export class PasswordResetToken {
  [OptionalProps]?: 'id' | 'createdAt' | 'usedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => User, {
    fieldName: 'user_id',
    deleteRule: 'cascade',
    updateRule: 'cascade',
    index: 'password_reset_tokens_user_id_idx',
  })
  user!: User;

  @Property({ type: 'text' })
  @Unique({ name: 'password_reset_tokens_token_hash_key' })
  tokenHash!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  usedAt: Date | null = null;
}
