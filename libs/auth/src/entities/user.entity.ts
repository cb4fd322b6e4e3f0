import { OptionalProps } from '@mikro-orm/core';
import {
  Check,
  Entity,
  Enum,
  Index,
  ManyToOne,
  PrimaryKey,
  Property,
  Unique,
} from '@mikro-orm/decorators/legacy';
import { uuidv7 } from '@docent/common';
import { Role } from './role.entity';

export type UserStatus = 'active' | 'disabled';

@Entity({ tableName: 'users' })
@Check({ name: 'users_email_lower_check', expression: 'email = lower(email)' })
@Index({ name: 'users_role_id_idx', properties: ['role'] })
export class User {
  [OptionalProps]?: 'id' | 'status' | 'createdAt' | 'updatedAt' | 'passwordChangedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  /** Stored trimmed and lower-cased, so uniqueness is case-insensitive. */
  @Property({ type: 'text' })
  @Unique({ name: 'users_email_key' })
  email!: string;

  @Property({ type: 'text' })
  displayName!: string;

  @Property({ type: 'text', hidden: true, lazy: false })
  passwordHash!: string;

  @Enum({ items: ['active', 'disabled'], default: 'active' })
  status: UserStatus = 'active';

  @ManyToOne(() => Role, { fieldName: 'role_id', deleteRule: 'restrict', updateRule: 'cascade' })
  role!: Role;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  passwordChangedAt: Date = new Date();
}
