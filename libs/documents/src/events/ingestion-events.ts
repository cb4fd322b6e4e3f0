import type { DocumentStatus, IngestionStage } from '../entities/document.entity';

/**
 * The ingestion events the worker publishes (best effort: the state itself is persisted on the
 * document, so a lost event only delays what a client sees until it reads the document).
 *
 * Transport: for now JSON `{event, payload, at}` on the Redis pub/sub channel
 * `<REDIS_KEY_PREFIX>events:ingestion` (see `IngestionEventPublisher`). The notifications issue
 * (SPEC §8) subscribes to it in the api and delivers them over socket.io: `ingestion.progress` to
 * the owner's sockets as `{documentId, status, stage, progress}`, `ingestion.completed` /
 * `ingestion.failed` as stored notifications (and mail, one summary per `batchId`).
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
  /** Only on `ingestion.failed`: the stable snake_case code and message stored on the document. */
  error?: { code: string; message: string };
}

/** Event name → payload. */
export interface IngestionEvents {
  'ingestion.progress': IngestionProgressEvent;
  'ingestion.completed': IngestionOutcomeEvent;
  'ingestion.failed': IngestionOutcomeEvent;
}

export type IngestionEventName = keyof IngestionEvents;

/** What goes over the channel. */
export interface IngestionEventMessage<E extends IngestionEventName = IngestionEventName> {
  event: E;
  payload: IngestionEvents[E];
  /** ISO 8601 time of publication. */
  at: string;
}

/** The channel, without the key prefix (ioredis' keyPrefix does not apply to PUBLISH channels). */
export const INGESTION_EVENTS_CHANNEL = 'events:ingestion';

/** The full channel name for a REDIS_KEY_PREFIX. */
export function ingestionEventsChannel(keyPrefix: string): string {
  return `${keyPrefix}${INGESTION_EVENTS_CHANNEL}`;
}
