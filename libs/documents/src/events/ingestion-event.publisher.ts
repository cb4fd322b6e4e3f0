import { Injectable, Logger } from '@nestjs/common';
import { DomainEventBus } from '@docent/common';
import type { BatchOutcomeRow } from '../document.records';
import { DocumentRepository } from '../document.repository';
import { ingestionJobId } from '../ingestion.producer';
import type {
  IngestionOutcomeEvent,
  IngestionProgressEvent,
  SettledDocument,
} from './ingestion-events';

/** The document one finished run is about, as the pipeline and the lost-job recovery know it. */
export type FinishedRun = Omit<IngestionOutcomeEvent, 'runId'>;

/**
 * The one emitter of the ingestion events (see ingestion-events.ts). They go on the in-process
 * `DomainEventBus`, where the notifications library (in the worker) delivers them over socket.io,
 * stores the completion/failure notifications and mails the batch summaries. The worker never
 * emits over HTTP.
 *
 * `completed` and `failed` resolve once every subscriber has run (the bus awaits its handlers and
 * never rejects: a failing subscriber is logged, the state is persisted on the document anyway),
 * so a caller that awaits them knows, for instance, that the completion notification is stored.
 * They then emit `ingestion.batch_settled` when the run was the last of its upload batch to
 * finish. Events of one document keep their order: handlers are started in call order.
 */
@Injectable()
export class IngestionEventPublisher {
  private readonly logger = new Logger('IngestionEventPublisher');

  constructor(
    private readonly bus: DomainEventBus,
    private readonly documents: DocumentRepository,
  ) {}

  /** Not awaited by the pipeline: sockets only, and the next stage must not wait for them. */
  progress(event: IngestionProgressEvent): Promise<void> {
    return this.bus.emit('ingestion.progress', event);
  }

  async completed(run: FinishedRun): Promise<void> {
    await this.bus.emit('ingestion.completed', outcome(run));
    await this.settle(run);
  }

  /** A final failure, by the pipeline or by the recovery of a job lost too often. */
  async failed(run: FinishedRun, error: { code: string; message: string }): Promise<void> {
    await this.bus.emit('ingestion.failed', { ...outcome(run), error });
    await this.settle(run);
  }

  /**
   * Emits `ingestion.batch_settled` when no document of the run's batch is queued or processing.
   * Read after the run's own commit and its outcome's subscribers, so of runs finishing together
   * at least the last one to commit sees its batch settled. Never rejects: the run is over and
   * its state committed, so a failed read is logged (that batch then gets no summary).
   */
  private async settle(run: FinishedRun): Promise<void> {
    let rows: BatchOutcomeRow[];
    try {
      if (await this.documents.batchPending(run.batchId)) return;
      rows = await this.documents.batchOutcomes(run.batchId);
    } catch (error) {
      this.logger.error(`could not read batch=${run.batchId}: ${String(error)}`);
      return;
    }
    // a document of the batch queued again (reingest) between the two reads
    if (rows.some((row) => row.status === 'queued' || row.status === 'processing')) return;
    const documents: SettledDocument[] = [];
    for (const row of rows) {
      if (row.status !== 'completed' && row.status !== 'failed') continue;
      documents.push({
        documentId: row.id,
        runId: ingestionJobId(row.id, row.ingestion_version),
        filename: row.filename,
        status: row.status,
        error:
          row.status === 'failed'
            ? {
                code: row.error_code ?? 'unknown',
                message: row.error_message ?? 'The document could not be processed.',
              }
            : null,
      });
    }
    if (documents.length === 0) return; // deleted meanwhile
    await this.bus.emit('ingestion.batch_settled', {
      batchId: run.batchId,
      ownerId: run.ownerId,
      documents,
    });
  }
}

function outcome(run: FinishedRun): IngestionOutcomeEvent {
  return {
    documentId: run.documentId,
    ownerId: run.ownerId,
    batchId: run.batchId,
    filename: run.filename,
    ingestionVersion: run.ingestionVersion,
    runId: ingestionJobId(run.documentId, run.ingestionVersion),
  };
}
