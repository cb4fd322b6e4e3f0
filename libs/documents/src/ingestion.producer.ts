import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { type IngestJobPayload, JOBS, QUEUES } from '@docent/queue';
import { Document } from './entities/document.entity';

export const INGESTION_ATTEMPTS = 5;

/** The code a document gets when a transient failure used up every attempt. */
export const INGESTION_FAILED_CODE = 'ingestion_failed';
export const INGESTION_FAILED_MESSAGE =
  'The document could not be processed after several attempts. Try again later (reingest).';

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

interface LostCandidate {
  id: string;
  ingestion_version: number;
  status: string;
  attempts: number;
  owner_id: string;
  batch_id: string;
  filename: string;
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
    private readonly em: EntityManager,
  ) {}

  async enqueue(
    document: Pick<Document, 'id' | 'ingestionVersion'>,
    requestId?: string,
  ): Promise<void> {
    await this.queue.add(
      JOBS.ingestion.ingest,
      { documentId: document.id, ingestionVersion: document.ingestionVersion, requestId },
      {
        jobId: ingestionJobId(document.id, document.ingestionVersion),
        attempts: INGESTION_ATTEMPTS,
        backoff: { type: 'exponential', delay: 5000 },
        removeOnComplete: true,
        removeOnFail: { age: 14 * 24 * 3600 },
      },
    );
    await this.em
      .fork()
      .nativeUpdate(
        Document,
        { id: document.id, ingestionVersion: document.ingestionVersion },
        { enqueuedAt: new Date() },
      );
  }

  /** Queues every document still waiting for its job; returns how many were queued. */
  async enqueuePending(olderThanMs = 0, limit = 500): Promise<number> {
    const pending = await this.em.fork().find(
      Document,
      {
        status: 'queued',
        enqueuedAt: null,
        createdAt: { $lte: new Date(Date.now() - olderThanMs) },
      },
      { fields: ['id', 'ingestionVersion'], limit, orderBy: { createdAt: 'asc' } },
    );
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
    const em = this.em.fork();
    const candidates = await em.execute<LostCandidate[]>(
      `select id, ingestion_version, status, attempts, owner_id, batch_id, filename
         from documents
        where (status = 'processing' or (status = 'queued' and enqueued_at is not null))
          and updated_at < now() - (? * interval '1 millisecond')
        order by updated_at asc
        limit ?`,
      [graceMs, limit],
    );
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

      const guard = `id = ? and ingestion_version = ? and status in ('queued', 'processing')
        and updated_at < now() - (? * interval '1 millisecond')`;
      const guardParams = [candidate.id, candidate.ingestion_version, graceMs];
      if (candidate.status === 'processing' && candidate.attempts >= INGESTION_ATTEMPTS) {
        const rows = await em.execute<{ id: string }[]>(
          `update documents set status = 'failed', error_code = ?, error_message = ?,
             updated_at = now() where ${guard} returning id`,
          [INGESTION_FAILED_CODE, INGESTION_FAILED_MESSAGE, ...guardParams],
          'all',
        );
        if (rows.length > 0) {
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
      const rows = await em.execute<{ ingestion_version: number }[]>(
        `update documents set ingestion_version = ingestion_version + 1, status = 'queued',
           attempts = attempts + (case when status = 'processing' then 1 else 0 end),
           enqueued_at = null, updated_at = now()
         where ${guard} returning ingestion_version`,
        guardParams,
        'all',
      );
      if (rows.length === 0) continue; // it moved on meanwhile, or another sweeper won
      result.requeued.push(candidate.id);
      try {
        await this.enqueue({ id: candidate.id, ingestionVersion: rows[0].ingestion_version });
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
