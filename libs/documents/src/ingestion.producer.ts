import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { type IngestJobPayload, JOBS, QUEUES } from '@docent/queue';
import { Document } from './entities/document.entity';

export const INGESTION_ATTEMPTS = 5;

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

  /** Removes a document's waiting or delayed job (delete, reingest); an active job is left to notice. */
  async cancel(document: Pick<Document, 'id' | 'ingestionVersion'>): Promise<void> {
    const job = await this.queue.getJob(ingestionJobId(document.id, document.ingestionVersion));
    if (job && !(await job.isActive())) await job.remove();
  }
}
