import type { DomainEvents } from '@docent/common';
import type { DocumentStatus, IngestionStage } from '../entities/document.entity';

/**
 * The ingestion events the worker emits, in process, through the `DomainEventBus` of
 * @docent/common (see `IngestionEventPublisher`). The notifications library subscribes to them
 * in the worker: `ingestion.progress` goes to the owner's sockets as
 * `{documentId, status, stage, progress}` (SPEC §8, through the socket.io Redis emitter),
 * `ingestion.completed` / `ingestion.failed` become stored notifications (and mail, one summary
 * per `batchId`).
 *
 * The types below are the documents library's side of the contract: the same shapes as
 * `DomainEvents`, with the status and stage narrowed to the document's own unions (checked to
 * stay assignable at compile time, see `_Assignable`).
 */
export interface IngestionProgressEvent {
  documentId: string;
  ownerId: string;
  status: DocumentStatus;
  stage: IngestionStage;
  /** 0–100, never lower than the previous event of the same document and run. */
  progress: number;
}

export interface IngestionOutcomeEvent {
  documentId: string;
  ownerId: string;
  batchId: string;
  filename: string;
}

export interface IngestionFailedEvent extends IngestionOutcomeEvent {
  /** The stable snake_case code and the message stored on the document. */
  error: { code: string; message: string };
}

/** Event name → payload. */
export interface IngestionEvents {
  'ingestion.progress': IngestionProgressEvent;
  'ingestion.completed': IngestionOutcomeEvent;
  'ingestion.failed': IngestionFailedEvent;
}

export type IngestionEventName = keyof IngestionEvents;

/** Compile-time check: every ingestion payload is a valid domain-event payload. */
type _Assignable = {
  [E in IngestionEventName]: IngestionEvents[E] extends DomainEvents[E] ? true : never;
};
export const INGESTION_EVENTS_ARE_DOMAIN_EVENTS: _Assignable = {
  'ingestion.progress': true,
  'ingestion.completed': true,
  'ingestion.failed': true,
};
