import { OptionalProps } from '@mikro-orm/core';
import { Check, Entity, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { uuidv7 } from '@docent/common';

/** A role; `admin`, `member` and `viewer` are built in (seeded by migration). */
@Entity({ tableName: 'roles' })
@Check({ name: 'roles_name_check', expression: `name ~ '^[a-z][a-z0-9_-]{1,47}$'` })
export class Role {
  [OptionalProps]?: 'id' | 'description' | 'builtIn' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'text' })
  @Unique({ name: 'roles_name_key' })
  name!: string;

  @Property({ type: 'text', default: '' })
  description: string = '';

  @Property({ type: 'boolean', default: false })
  builtIn: boolean = false;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
