import { Module } from '@nestjs/common';
import { StorageModule } from '@docent/storage';
import { ChunkIndexer } from './chunk-indexer';
import { IngestionProducer } from './ingestion.producer';
import { IngestionPipeline } from './worker/ingestion.pipeline';
import { IngestionProcessor } from './worker/ingestion.processor';
import { PendingIngestionScheduler } from './worker/pending-ingestion.scheduler';

/**
 * Worker entry module of documents (imported by apps/worker): the ingestion processor, its
 * pipeline, and the loop that queues documents whose job could not be queued. Needs from the app:
 * config, the database (MikroORM) and the queues (QueueModule). It imports StorageModule (global)
 * itself for `FILE_STORAGE`; an app importing it too gets the same single instance.
 */
@Module({
  imports: [StorageModule],
  providers: [
    ChunkIndexer,
    IngestionProducer,
    IngestionPipeline,
    IngestionProcessor,
    PendingIngestionScheduler,
  ],
  exports: [IngestionPipeline, IngestionProducer, PendingIngestionScheduler],
})
export class DocumentsWorkerModule {}
