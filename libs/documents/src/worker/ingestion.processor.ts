import { MikroORM, RequestContext } from '@mikro-orm/core';
import { Process, Processor } from '@nestjs/bull';
import { ConfigService } from '@nestjs/config';
import type { Job } from 'bull';
import type { DocumentSettings } from '@docent/config';
import { type IngestJobPayload, JOBS, QUEUES } from '@docent/queue';
import { INGESTION_ATTEMPTS } from '../ingestion.producer';
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

/** Thin: one MikroORM request context per job, the pipeline does the work. */
@Processor(QUEUES.ingestion)
export class IngestionProcessor {
  constructor(
    private readonly orm: MikroORM,
    private readonly pipeline: IngestionPipeline,
    config: ConfigService,
  ) {
    const concurrency = config.get<DocumentSettings>('documents')?.ingestionConcurrency;
    if (concurrency !== undefined && Number.isInteger(concurrency) && concurrency > 0) {
      INGEST_PROCESS_OPTIONS.concurrency = concurrency;
    }
  }

  @Process(INGEST_PROCESS_OPTIONS)
  async ingest(job: Job<IngestJobPayload>): Promise<string> {
    const { documentId, ingestionVersion } = job.data;
    try {
      return await RequestContext.create(this.orm.em, () =>
        this.pipeline.run(
          documentId,
          ingestionVersion,
          job.attemptsMade + 1,
          job.opts.attempts ?? INGESTION_ATTEMPTS,
        ),
      );
    } catch (error) {
      // bull retries a thrown job unless it was discarded
      if (isPermanentIngestionError(error)) await job.discard();
      throw error;
    }
  }
}
