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
import { User } from '@docent/auth';
import { uuidv7 } from '@docent/common';

export const DOCUMENT_STATUSES = [
  'queued',
  'processing',
  'completed',
  'failed',
  'cancelled',
] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];
export const INGESTION_STAGES = [
  'validating',
  'extracting',
  'chunking',
  'indexing',
  'done',
] as const;
export type IngestionStage = (typeof INGESTION_STAGES)[number];

/**
 * An uploaded file and the state of its ingestion (SPEC §6). The file itself lives in storage
 * under `storageKey` (never derived from the user's filename).
 */
@Entity({ tableName: 'documents' })
@Check({ name: 'documents_progress_check', expression: 'progress >= 0 and progress <= 100' })
@Unique({ name: 'documents_owner_sha256_key', properties: ['owner', 'sha256'] })
@Index({ name: 'documents_owner_created_idx', properties: ['owner', 'createdAt', 'id'] })
@Index({ name: 'documents_status_idx', properties: ['status', 'updatedAt'] })
export class Document {
  [OptionalProps]?:
    | 'id'
    | 'status'
    | 'stage'
    | 'progress'
    | 'attempts'
    | 'errorCode'
    | 'errorMessage'
    | 'pageCount'
    | 'chunkCount'
    | 'ingestionVersion'
    | 'enqueuedAt'
    | 'createdAt'
    | 'updatedAt'
    | 'completedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => User, { fieldName: 'owner_id', deleteRule: 'cascade', updateRule: 'cascade' })
  owner!: User;

  @Property({ type: 'uuid' })
  batchId!: string;

  /** Sanitised for display and downloads; never used as a path. */
  @Property({ type: 'text' })
  filename!: string;

  @Property({ type: 'text' })
  kind!: string;

  @Property({ type: 'text' })
  mimeType!: string;

  @Property({ type: 'bigint', columnType: 'bigint' })
  sizeBytes!: string;

  @Property({ type: 'text' })
  sha256!: string;

  @Property({ type: 'text' })
  storageKey!: string;

  @Enum({ items: [...DOCUMENT_STATUSES], default: 'queued' })
  status: DocumentStatus = 'queued';

  @Enum({ items: [...INGESTION_STAGES], default: 'validating' })
  stage: IngestionStage = 'validating';

  @Property({ type: 'smallint', default: 0 })
  progress: number = 0;

  @Property({ type: 'integer', default: 0 })
  attempts: number = 0;

  @Property({ type: 'text', nullable: true })
  errorCode: string | null = null;

  @Property({ type: 'text', nullable: true })
  errorMessage: string | null = null;

  @Property({ type: 'integer', nullable: true })
  pageCount: number | null = null;

  @Property({ type: 'integer', nullable: true })
  chunkCount: number | null = null;

  /** Raised by reingest, so each run gets its own job id. */
  @Property({ type: 'integer', default: 1 })
  ingestionVersion: number = 1;

  /** Set once the ingestion job is in the queue; documents still null are enqueued again later. */
  @Property({ type: 'timestamptz', nullable: true })
  enqueuedAt: Date | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  completedAt: Date | null = null;
}
