import { Module } from '@nestjs/common';
import { StorageModule } from '@docent/storage';
import { ChunkIndexer } from './chunk-indexer';
import { IngestionEventPublisher } from './events/ingestion-event.publisher';
import { IngestionProducer } from './ingestion.producer';
import { IngestionMetrics } from './worker/ingestion.metrics';
import { IngestionPipeline } from './worker/ingestion.pipeline';
import { IngestionProcessor } from './worker/ingestion.processor';
import { PendingIngestionScheduler } from './worker/pending-ingestion.scheduler';

/**
 * Worker entry module of documents (imported by apps/worker): the ingestion processor, its
 * pipeline, and the loop that queues documents whose job could not be queued. Needs from the app:
 * config, the database (MikroORM), the queues (QueueModule), the `DomainEventBus` (CommonModule,
 * for the ingestion events) and `METRICS_REGISTRY` (HealthModule, for the ingestion metrics).
 * It imports StorageModule (global)
 * itself for `FILE_STORAGE`; an app importing it too gets the same single instance.
 */
@Module({
  imports: [StorageModule],
  providers: [
    ChunkIndexer,
    IngestionProducer,
    IngestionEventPublisher,
    IngestionMetrics,
    IngestionPipeline,
    IngestionProcessor,
    PendingIngestionScheduler,
  ],
  exports: [
    IngestionPipeline,
    IngestionProducer,
    PendingIngestionScheduler,
    IngestionEventPublisher,
    IngestionMetrics,
  ],
})
export class DocumentsWorkerModule {}
