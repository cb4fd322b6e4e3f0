import { ApiProperty } from '@nestjs/swagger';
import {
  DOCUMENT_STATUSES,
  type DocumentStatus,
  type Document,
  INGESTION_STAGES,
  type IngestionStage,
} from '../entities/document.entity';

export class DocumentErrorDto {
  @ApiProperty({ example: 'encrypted_pdf', description: 'Stable snake_case error code' })
  code!: string;

  @ApiProperty()
  message!: string;
}

/** A document as clients see it (SPEC §6), never the ORM entity. */
export class DocumentDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ description: 'Sanitised file name' })
  filename!: string;

  @ApiProperty({ example: 'application/pdf' })
  mimeType!: string;

  @ApiProperty({ example: 16978 })
  sizeBytes!: number;

  @ApiProperty({ description: 'Hex SHA-256 of the content' })
  sha256!: string;

  @ApiProperty({ format: 'uuid' })
  ownerId!: string;

  @ApiProperty({ enum: DOCUMENT_STATUSES })
  status!: DocumentStatus;

  @ApiProperty({ enum: INGESTION_STAGES })
  stage!: IngestionStage;

  @ApiProperty({ minimum: 0, maximum: 100 })
  progress!: number;

  @ApiProperty({ description: 'Ingestion attempts of the current run' })
  attempts!: number;

  @ApiProperty({ type: DocumentErrorDto, nullable: true })
  error!: DocumentErrorDto | null;

  @ApiProperty({ type: Number, nullable: true })
  pageCount!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  chunkCount!: number | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  completedAt!: string | null;

  static from(document: Document): DocumentDto {
    return {
      id: document.id,
      filename: document.filename,
      mimeType: document.mimeType,
      sizeBytes: Number(document.sizeBytes),
      sha256: document.sha256,
      ownerId: document.owner.id,
      status: document.status,
      stage: document.stage,
      progress: document.progress,
      attempts: document.attempts,
      error: document.errorCode
        ? { code: document.errorCode, message: document.errorMessage ?? '' }
        : null,
      pageCount: document.pageCount,
      chunkCount: document.chunkCount,
      createdAt: document.createdAt.toISOString(),
      updatedAt: document.updatedAt.toISOString(),
      completedAt: document.completedAt ? document.completedAt.toISOString() : null,
    };
  }
}

export class DocumentPageDto {
  @ApiProperty({ type: [DocumentDto] })
  items!: DocumentDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export const UPLOAD_REJECTION_CODES = [
  'unsupported_type',
  'type_mismatch',
  'empty_file',
  'duplicate',
  'quota_exceeded',
] as const;
export type UploadRejectionCode = (typeof UPLOAD_REJECTION_CODES)[number];

export class UploadRejectionDto {
  @ApiProperty({ description: 'Sanitised file name as sent' })
  filename!: string;

  @ApiProperty({ enum: UPLOAD_REJECTION_CODES })
  code!: UploadRejectionCode;

  @ApiProperty()
  message!: string;

  @ApiProperty({
    required: false,
    format: 'uuid',
    description: 'For `duplicate`: the document that already has this content',
  })
  existingId?: string;
}

export class UploadResultDto {
  @ApiProperty({ format: 'uuid', description: 'Shared by every document of this upload' })
  batchId!: string;

  @ApiProperty({ type: [DocumentDto] })
  accepted!: DocumentDto[];

  @ApiProperty({ type: [UploadRejectionDto] })
  rejected!: UploadRejectionDto[];
}

/**
 * 422 when no file was accepted: RFC 9457 problem details (`code` `no_file_accepted`) with the
 * upload result as extension members, the same fields as the 202 body.
 */
export class UploadProblemDto {
  @ApiProperty({ example: 'https://docent.dev/problems/no_file_accepted' })
  type!: string;

  @ApiProperty({ example: 'Unprocessable Entity' })
  title!: string;

  @ApiProperty({ example: 422 })
  status!: number;

  @ApiProperty()
  detail!: string;

  @ApiProperty({ example: '/api/v1/documents' })
  instance!: string;

  @ApiProperty()
  requestId!: string;

  @ApiProperty({ example: 'no_file_accepted' })
  code!: string;

  @ApiProperty({ format: 'uuid' })
  batchId!: string;

  @ApiProperty({ type: [DocumentDto], description: 'Always empty here' })
  accepted!: DocumentDto[];

  @ApiProperty({ type: [UploadRejectionDto] })
  rejected!: UploadRejectionDto[];
}

/** `GET /documents/usage`: the caller's own documents against STORAGE_QUOTA_BYTES. */
export class StorageUsageDto {
  @ApiProperty({ description: 'Sum of the sizes of the documents you own, in bytes' })
  usedBytes!: number;

  @ApiProperty({ description: 'How many documents you own' })
  documents!: number;

  @ApiProperty({ type: Number, nullable: true, description: 'null: no quota' })
  quotaBytes!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'null: no quota' })
  remainingBytes!: number | null;
}
