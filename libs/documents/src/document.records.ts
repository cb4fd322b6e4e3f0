import type { TimeIdPosition } from '@docent/common';
import type { DocumentStatus, IngestionStage } from './entities/document.entity';

/** What the documents repositories read and write, in the shapes their callers use. */

/** What the ingestion pipeline reads of a document (as stored). */
export interface IngestionDocumentRow {
  id: string;
  owner_id: string;
  batch_id: string;
  filename: string;
  status: string;
  kind: string;
  storage_key: string;
  size_bytes: string;
  ingestion_version: number;
}

/** The state a conditional update left, as published in `ingestion.progress`. */
export interface IngestionState {
  status: DocumentStatus;
  stage: IngestionStage;
  progress: number;
}

/** A document whose job may have been lost (see `IngestionProducer.requeueLost`). */
export interface LostCandidate {
  id: string;
  ingestion_version: number;
  status: string;
  attempts: number;
  owner_id: string;
  batch_id: string;
  filename: string;
}

/** A stored upload about to become a document. */
export interface NewDocument {
  id: string;
  key: string;
  filename: string;
  kind: string;
  mimeType: string;
  sizeBytes: number;
  sha256: string;
}

/** Filters of the document list, on top of what the caller may read. */
export interface DocumentListFilter {
  status?: DocumentStatus;
  /** A substring of the file name (case-insensitive). */
  filename?: string;
  /** Only documents after this one in the list's order (newest first). */
  after?: TimeIdPosition;
}

/** A document of an upload batch with its outcome (`ingestion.batch_settled`). */
export interface BatchOutcomeRow {
  id: string;
  ingestion_version: number;
  filename: string;
  status: string;
  error_code: string | null;
  error_message: string | null;
}
