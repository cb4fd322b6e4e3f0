import { OptionalProps, PrimaryKeyProp } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { User } from './user.entity';

/**
 * A device a user signed in from: the SHA-256 of its network (the IPv4 address, or the /64 of an
 * IPv6 one) and its coarse user agent ("Firefox on Windows"), never the address itself. A sign-in
 * whose fingerprint was not seen recently earns a `security.new_sign_in` notice. Each user keeps
 * only their most recently seen devices (`SignInDevices`).
 */
@Entity({ tableName: 'sign_in_devices' })
@Index({ name: 'sign_in_devices_user_last_seen_idx', properties: ['user', 'lastSeenAt'] })
export class SignInDevice {
  [PrimaryKeyProp]?: ['user', 'fingerprint'];
  [OptionalProps]?: 'firstSeenAt' | 'lastSeenAt';

  @ManyToOne(() => User, {
    primary: true,
    fieldName: 'user_id',
    deleteRule: 'cascade',
    updateRule: 'cascade',
  })
  user!: User;

  @Property({ type: 'text', primary: true })
  fingerprint!: string;

  @Property({ type: 'timestamptz' })
  firstSeenAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  lastSeenAt: Date = new Date();
}
