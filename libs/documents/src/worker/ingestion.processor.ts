import { MikroORM, RequestContext } from '@mikro-orm/core';
import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { ConfigService } from '@nestjs/config';
import type { AdvancedSettings, Job, Queue } from 'bull';
import type { DocumentSettings } from '@docent/config';
import { type IngestJobPayload, JOBS, QUEUES, runJobInSpan } from '@docent/queue';
import { INGESTION_ATTEMPTS } from '../ingestion.producer';
import { IngestionMetrics } from './ingestion.metrics';
import { IngestionPipeline, isPermanentIngestionError } from './ingestion.pipeline';

/**
 * Options of the @Process handler. Decorators run before configuration is loaded, so the
 * concurrency starts at the default (2) and the processor's constructor sets it from
 * `INGESTION_CONCURRENCY`: @nestjs/bull keeps this very object as metadata and reads it when it
 * registers the handler (in its onModuleInit, after every provider has been constructed).
 */
export const INGEST_PROCESS_OPTIONS: { name: string; concurrency: number } = {
  name: JOBS.ingestion.ingest,
  concurrency: 2,
};

/**
 * INGESTION_LOCK_DURATION on the ingestion queue of this process: the lock a running job holds
 * (renewed every half of it, from the main thread, which extraction never blocks) and how often
 * this worker looks for jobs whose lock lapsed (their worker died), so a killed worker's job is
 * picked up again within about twice the duration. Bull reads these settings when it takes,
 * renews and checks locks, and the stalled-check timer starts with the processing, which
 * @nestjs/bull starts after every provider has been constructed.
 */
export function applyIngestionLockSettings(queue: Queue, lockDurationMs: number | undefined): void {
  if (lockDurationMs === undefined || !Number.isFinite(lockDurationMs) || lockDurationMs <= 0) {
    return;
  }
  // `settings` is bull's live AdvancedSettings object (not in its type declarations)
  Object.assign((queue as unknown as { settings: AdvancedSettings }).settings, {
    lockDuration: lockDurationMs,
    lockRenewTime: Math.floor(lockDurationMs / 2),
    stalledInterval: lockDurationMs,
  });
}

/**
 * Thin: one MikroORM request context and one consumer span (continuing the trace of the request
 * that queued the job) per job, the pipeline does the work.
 */
@Processor(QUEUES.ingestion)
export class IngestionProcessor {
  constructor(
    private readonly orm: MikroORM,
    private readonly pipeline: IngestionPipeline,
    config: ConfigService,
    @InjectQueue(QUEUES.ingestion) queue: Queue<IngestJobPayload>,
    private readonly metrics: IngestionMetrics,
  ) {
    const settings = config.get<DocumentSettings>('documents');
    const concurrency = settings?.ingestionConcurrency;
    if (concurrency !== undefined && Number.isInteger(concurrency) && concurrency > 0) {
      INGEST_PROCESS_OPTIONS.concurrency = concurrency;
    }
    applyIngestionLockSettings(queue, settings?.ingestionLockDurationMs);
  }

  @Process(INGEST_PROCESS_OPTIONS)
  async ingest(job: Job<IngestJobPayload>): Promise<string> {
    const { documentId, ingestionVersion } = job.data;
    // time in the queue: from enqueueing to a worker taking it (first attempts only: a retry's
    // wait is its backoff)
    if (job.attemptsMade === 0 && !job.opts.delay) {
      this.metrics.step('queue', Math.max(0, Date.now() - job.timestamp) / 1000);
    }
    try {
      return await runJobInSpan(
        {
          queue: QUEUES.ingestion,
          jobName: job.name,
          jobId: String(job.id),
          attempt: job.attemptsMade + 1,
          carrier: job.data.traceContext,
          attributes: { 'docent.document.id': documentId },
        },
        () =>
          RequestContext.create(this.orm.em, () =>
            this.pipeline.run(
              documentId,
              ingestionVersion,
              job.attemptsMade + 1,
              job.opts.attempts ?? INGESTION_ATTEMPTS,
            ),
          ),
      );
    } catch (error) {
      // bull retries a thrown job unless it was discarded
      if (isPermanentIngestionError(error)) await job.discard();
      throw error;
    }
  }
}
