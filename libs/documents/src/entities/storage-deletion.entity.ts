import { OptionalProps } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * A stored file waiting to be removed (the outbox of migration
 * Migration20261204110000_storage_deletions): written by a trigger in the transaction that deletes
 * its document, drained by the worker's `documents.remove-files` task. No foreign keys: the
 * document and its owner are gone by the time the row is read; the ids stay for the audit entry.
 */
@Entity({ tableName: 'storage_deletions' })
@Index({ name: 'storage_deletions_next_attempt_idx', properties: ['nextAttemptAt'] })
export class StorageDeletion {
  [OptionalProps]?: 'attempts' | 'lastError' | 'documentId' | 'ownerId';

  @PrimaryKey({ type: 'text' })
  storageKey!: string;

  @Property({ type: 'uuid', nullable: true })
  documentId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  ownerId: string | null = null;

  /** Removal attempts started so far (a claimed row counts as one). */
  @Property({ type: 'int', default: 0 })
  attempts: number = 0;

  /** Not claimed before this instant: now for a new row, later after a failure (backoff). */
  @Property({ type: 'timestamptz' })
  nextAttemptAt!: Date;

  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt!: Date;
}
