import { ApiProperty } from '@nestjs/swagger';
import {
  DOCUMENT_STATUSES,
  type DocumentStatus,
  type Document,
  INGESTION_STAGES,
  type IngestionStage,
} from '../../entities/document.entity';

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
