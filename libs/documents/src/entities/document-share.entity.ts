import { OptionalProps, PrimaryKeyProp } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { User } from '@docent/auth';
import { Document } from './document.entity';

export type SharePermission = 'read' | 'write';

/** A document shared with another user (SPEC §6 shares). */
@Entity({ tableName: 'document_shares' })
@Index({ name: 'document_shares_user_id_idx', properties: ['user'] })
export class DocumentShare {
  [PrimaryKeyProp]?: ['document', 'user'];
  [OptionalProps]?: 'createdAt';

  @ManyToOne(() => Document, { primary: true, fieldName: 'document_id', deleteRule: 'cascade' })
  document!: Document;

  @ManyToOne(() => User, { primary: true, fieldName: 'user_id', deleteRule: 'cascade' })
  user!: User;

  @Enum({ items: ['read', 'write'] })
  permission!: SharePermission;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
