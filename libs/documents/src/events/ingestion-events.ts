import type { DocumentStatus, IngestionStage } from '../entities/document.entity';

/**
 * The ingestion events, declared here once: the worker emits them in process on the
 * `DomainEventBus` of @docent/common, only through `IngestionEventPublisher`. The notifications
 * library subscribes in the worker: `ingestion.progress` goes to the owner's sockets as
 * `{documentId, status, stage, progress}` (SPEC §8, through the socket.io Redis emitter),
 * `ingestion.completed` / `ingestion.failed` become stored notifications, and
 * `ingestion.batch_settled` the one summary mail per upload batch.
 */
export interface IngestionProgressEvent {
  documentId: string;
  ownerId: string;
  status: DocumentStatus;
  stage: IngestionStage;
  /** 0–100, never lower than the previous event of the same document and run. */
  progress: number;
}

/** One run of a document reached its final state. */
export interface IngestionOutcomeEvent {
  documentId: string;
  ownerId: string;
  batchId: string;
  filename: string;
  /** The document's ingestion version this run processed (a reingest raises it). */
  ingestionVersion: number;
  /** `<documentId>:v<ingestionVersion>`: one id per run (the ingestion job's id). */
  runId: string;
}

export interface IngestionFailedEvent extends IngestionOutcomeEvent {
  /** The stable snake_case code and the message stored on the document. */
  error: { code: string; message: string };
}

/** A document of a settled batch, in upload order. */
export interface SettledDocument {
  documentId: string;
  runId: string;
  filename: string;
  status: 'completed' | 'failed';
  /** The code and message stored on a failed document; null when it completed. */
  error: { code: string; message: string } | null;
}

/**
 * No document of the upload batch is queued or processing any more: emitted after the
 * `ingestion.completed` / `ingestion.failed` of the run that settled it. Every run that finishes
 * and finds its batch settled emits it (concurrent runs, several workers, a later reingest of a
 * document of the batch), so a subscriber acting once per batch deduplicates on `batchId`.
 */
export interface IngestionBatchSettledEvent {
  batchId: string;
  ownerId: string;
  documents: SettledDocument[];
}

declare module '@docent/common' {
  interface DomainEvents {
    /** Worker: a document's ingestion moved (monotonic `progress`). */
    'ingestion.progress': IngestionProgressEvent;
    /** Worker: a document finished. */
    'ingestion.completed': IngestionOutcomeEvent;
    /** Worker: a document failed for good (`error` is what the document stores). */
    'ingestion.failed': IngestionFailedEvent;
    /** Worker: the last document of an upload batch finished. */
    'ingestion.batch_settled': IngestionBatchSettledEvent;
  }
}
