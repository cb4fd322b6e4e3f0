import { Module } from '@nestjs/common';
import { StorageModule } from '@docent/storage';
import { DocumentChunkRepository } from './document-chunk.repository';
import { DocumentRepository } from './document.repository';
import { ChunkEmbedder } from './embedding/chunk-embedder';
import { Embeddings, sentenceEncoderProvider } from './embedding/embeddings';
import { IngestionEventPublisher } from './events/ingestion-event.publisher';
import { IngestionProducer } from './ingestion.producer';
import { StorageCleanupProducer } from './storage-cleanup.producer';
import { IngestionMetrics } from './worker/ingestion.metrics';
import { IngestionPipeline } from './worker/ingestion.pipeline';
import { IngestionProcessor } from './worker/ingestion.processor';
import { OcrEngine } from './worker/ocr.engine';
import { PendingIngestionScheduler } from './worker/pending-ingestion.scheduler';
import { StorageCleanupProcessor } from './worker/storage-cleanup';

/**
 * Worker entry module of documents (imported by apps/worker): the ingestion processor, its
 * pipeline, the embedding of the chunks it indexes, the loop that queues documents whose job could not be queued, and the removal of the
 * files of deleted documents (`documents.remove-files`). Needs from the app: config, the database
 * (MikroORM), the queues (QueueModule, MaintenanceModule), the audit log (AuditModule), the
 * `DomainEventBus` (CommonModule, for the ingestion events) and `METRICS_REGISTRY` (HealthModule,
 * for the ingestion metrics).
 * It imports StorageModule (global)
 * itself for `FILE_STORAGE`; an app importing it too gets the same single instance.
 */
@Module({
  imports: [StorageModule],
  providers: [
    DocumentRepository,
    DocumentChunkRepository,
    sentenceEncoderProvider,
    Embeddings,
    ChunkEmbedder,
    IngestionProducer,
    IngestionEventPublisher,
    IngestionMetrics,
    IngestionPipeline,
    IngestionProcessor,
    OcrEngine,
    PendingIngestionScheduler,
    StorageCleanupProducer,
    StorageCleanupProcessor,
  ],
  exports: [
    ChunkEmbedder,
    IngestionPipeline,
    IngestionProducer,
    PendingIngestionScheduler,
    IngestionEventPublisher,
    IngestionMetrics,
    OcrEngine,
  ],
})
export class DocumentsWorkerModule {}
