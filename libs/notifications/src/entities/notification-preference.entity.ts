import { OptionalProps, PrimaryKeyProp } from '@mikro-orm/core';
import { Entity, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { User } from '@docent/auth';

/**
 * A user's choice for one notification type. Only types the user changed have a row; the others
 * follow `DEFAULT_PREFERENCES`, so a new type needs no data migration.
 */
@Entity({ tableName: 'notification_preferences' })
export class NotificationPreference {
  [PrimaryKeyProp]?: ['user', 'type'];
  [OptionalProps]?: 'updatedAt';

  @ManyToOne(() => User, {
    primary: true,
    fieldName: 'user_id',
    deleteRule: 'cascade',
    updateRule: 'cascade',
  })
  user!: User;

  @Property({ type: 'text', primary: true })
  type!: string;

  @Property({ type: 'boolean' })
  inApp!: boolean;

  @Property({ type: 'boolean' })
  email!: boolean;

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}
