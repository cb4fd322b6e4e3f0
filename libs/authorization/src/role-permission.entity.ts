import { OptionalProps } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { uuidv7 } from '@docent/common';
import { Role } from '@docent/auth';

/**
 * One CASL rule of a role. `own` limits it to the user's own records (the subject's owner field
 * equals the user's id); `conditions` holds any other CASL condition, where the string
 * `${user.id}` stands for the caller. `inverted` makes it a "cannot".
 */
@Entity({ tableName: 'role_permissions' })
@Index({ name: 'role_permissions_role_id_idx', properties: ['role', 'position'] })
export class RolePermission {
  [OptionalProps]?: 'id' | 'own' | 'inverted' | 'conditions' | 'fields' | 'position';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => Role, { fieldName: 'role_id', deleteRule: 'cascade', updateRule: 'cascade' })
  role!: Role;

  @Property({ type: 'text' })
  action!: string;

  @Property({ type: 'text' })
  subject!: string;

  @Property({ type: 'boolean', default: false })
  own: boolean = false;

  @Property({ type: 'boolean', default: false })
  inverted: boolean = false;

  @Property({ type: 'jsonb', nullable: true })
  conditions: Record<string, unknown> | null = null;

  @Property({ type: 'text[]', nullable: true })
  fields: string[] | null = null;

  /** Rule order matters to CASL (later rules win); kept explicit. */
  @Property({ type: 'integer', default: 0 })
  position: number = 0;
}
