import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { type IngestJobPayload, JOBS, QUEUES, traceCarrier } from '@docent/queue';
import { DocumentRepository } from './document.repository';
import { INGESTION_FAILED_CODE, INGESTION_FAILED_MESSAGE } from './documents.errors';
import type { Document } from './entities/document.entity';
import { within } from './within';

/** How long a request waits for the queue before leaving the document to the pending re-queue. */
const QUEUE_TIMEOUT_MS = 3000;

export const INGESTION_ATTEMPTS = 5;

/** A document whose job was lost and that had no attempt left: now `failed`. */
export interface ExhaustedDocument {
  documentId: string;
  ownerId: string;
  batchId: string;
  filename: string;
  ingestionVersion: number;
}

/** What one `requeueLost` pass did. */
export interface LostIngestionResult {
  /** Documents queued again as a new run (new ingestion version, new job id). */
  requeued: string[];
  /** Documents marked failed (`ingestion_failed`) instead: their attempts were used up. */
  exhausted: ExhaustedDocument[];
}

/** One job per document and ingestion run: enqueueing the same run twice makes one job. */
export function ingestionJobId(documentId: string, ingestionVersion: number): string {
  return `${documentId}:v${ingestionVersion}`;
}

/**
 * The only code that enqueues ingestion jobs. A document is committed before its job is queued;
 * `enqueuedAt` stays null until the queue accepted it, so documents whose job could not be queued
 * (Redis down) are found and queued again by `enqueuePending` — exactly once, thanks to the jobId.
 */
@Injectable()
export class IngestionProducer {
  private readonly logger = new Logger('IngestionProducer');

  constructor(
    @InjectQueue(QUEUES.ingestion) private readonly queue: Queue<IngestJobPayload>,
    private readonly documents: DocumentRepository,
  ) {}

  async enqueue(
    document: Pick<Document, 'id' | 'ingestionVersion'>,
    requestId?: string,
  ): Promise<void> {
    await this.queue.add(
      JOBS.ingestion.ingest,
      {
        documentId: document.id,
        ingestionVersion: document.ingestionVersion,
        requestId,
        // the worker's spans continue the trace of the upload (or reingest) request
        traceContext: traceCarrier(),
      },
      {
        jobId: ingestionJobId(document.id, document.ingestionVersion),
        attempts: INGESTION_ATTEMPTS,
        backoff: { type: 'exponential', delay: 5000 },
        removeOnComplete: true,
        removeOnFail: { age: 14 * 24 * 3600 },
      },
    );
    await this.documents.markEnqueued(document.id, document.ingestionVersion);
  }

  /**
   * Queues the document's job for a request, waiting at most QUEUE_TIMEOUT_MS. When the queue is
   * unreachable the document stays `queued` with `enqueuedAt` null and the worker side's pending
   * re-queue picks it up; the request still succeeds.
   */
  async tryEnqueue(
    document: Pick<Document, 'id' | 'ingestionVersion'>,
    requestId?: string,
  ): Promise<void> {
    try {
      await within(this.enqueue(document, requestId), QUEUE_TIMEOUT_MS, 'enqueue');
    } catch (error) {
      this.logger.warn(
        { err: error, documentId: document.id },
        'could not enqueue ingestion; the document stays queued for the pending re-queue',
      );
    }
  }

  /** `cancel` for a request, waiting at most QUEUE_TIMEOUT_MS; never throws. */
  async tryCancel(document: Pick<Document, 'id' | 'ingestionVersion'>): Promise<void> {
    try {
      await within(this.cancel(document), QUEUE_TIMEOUT_MS, 'cancel');
    } catch (error) {
      // the worker reloads the document and stops when it is gone or its version moved on
      this.logger.warn({ err: error, documentId: document.id }, 'could not cancel the queued job');
    }
  }

  /** Queues every document still waiting for its job; returns how many were queued. */
  async enqueuePending(olderThanMs = 0, limit = 500): Promise<number> {
    const pending = await this.documents.findUnqueued(olderThanMs, limit);
    for (const document of pending) await this.enqueue(document);
    return pending.length;
  }

  /**
   * Finds documents whose job was lost mid-flight and queues them again, once. A candidate is
   * `processing`, or `queued` with its job already accepted (`enqueuedAt` set), untouched for
   * `graceMs`, whose current job (`<id>:v<version>`) is gone from Redis (removed, or Redis lost
   * its data) or finished (completed or failed for good) while the document is not in a final
   * state. Bull's stalled-job check already recovers jobs still `active` under a dead worker, so
   * a live job is always left alone.
   *
   * A lost run is replaced by a new one: one conditional update (same version, still not final,
   * still untouched) raises the ingestion version, so among several sweepers only one wins, the
   * new job id is fresh (the old one may still sit in the failed set), and an old run that is
   * somehow still going stops at its next step. A lost `processing` run counts as an attempt;
   * a document with no attempt left is marked failed (`ingestion_failed`) instead of looping on
   * a file that kills its workers.
   */
  async requeueLost(graceMs: number, limit = 500): Promise<LostIngestionResult> {
    const candidates = await this.documents.findLostCandidates(graceMs, limit);
    const result: LostIngestionResult = { requeued: [], exhausted: [] };
    if (candidates.length === 0) return result;

    // one round trip: does each current job still exist, and has it finished?
    const client = this.queue.client;
    const completedKey = this.queue.toKey('completed');
    const failedKey = this.queue.toKey('failed');
    const pipeline = client.pipeline();
    for (const candidate of candidates) {
      const jobId = ingestionJobId(candidate.id, candidate.ingestion_version);
      pipeline.exists(this.queue.toKey(jobId));
      pipeline.zscore(completedKey, jobId);
      pipeline.zscore(failedKey, jobId);
    }
    const replies = (await pipeline.exec()) ?? [];
    for (const [index, candidate] of candidates.entries()) {
      const [exists, completed, failed] = replies
        .slice(index * 3, index * 3 + 3)
        .map(([error, value]) => {
          if (error) throw error;
          return value;
        });
      const alive = exists === 1 && completed === null && failed === null;
      if (alive) continue;

      if (candidate.status === 'processing' && candidate.attempts >= INGESTION_ATTEMPTS) {
        const failed = await this.documents.failLost(
          candidate,
          graceMs,
          INGESTION_FAILED_CODE,
          INGESTION_FAILED_MESSAGE,
        );
        if (failed) {
          result.exhausted.push({
            documentId: candidate.id,
            ownerId: candidate.owner_id,
            batchId: candidate.batch_id,
            filename: candidate.filename,
            ingestionVersion: candidate.ingestion_version,
          });
        }
        continue;
      }
      const version = await this.documents.requeueLost(candidate, graceMs);
      if (version === undefined) continue; // it moved on meanwhile, or another sweeper won
      result.requeued.push(candidate.id);
      try {
        await this.enqueue({ id: candidate.id, ingestionVersion: version });
      } catch (error) {
        // Redis down again: the document is now queued without a job, `enqueuePending` takes over
        this.logger.warn(`could not queue document=${candidate.id} again: ${String(error)}`);
      }
    }
    return result;
  }

  /** Removes a document's waiting or delayed job (delete, reingest); an active job is left to notice. */
  async cancel(document: Pick<Document, 'id' | 'ingestionVersion'>): Promise<void> {
    const job = await this.queue.getJob(ingestionJobId(document.id, document.ingestionVersion));
    if (job && !(await job.isActive())) await job.remove();
  }
}
