import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { DocumentAccess } from './access/document-access';
import { DocumentChunkRepository } from './document-chunk.repository';
import { DocumentShareRepository } from './document-share.repository';
import { DocumentStatsRepository } from './document-stats.repository';
import { DocumentRepository } from './document.repository';
import { DocumentsService } from './documents.service';
import { Document, DocumentChunk, DocumentShare, StorageDeletion } from './entities';
import { IngestionProducer } from './ingestion.producer';
import { Embeddings, sentenceEncoderProvider } from './embedding/embeddings';
import { ChunkRetriever } from './retrieval/chunk-retriever';
import { ScopedChunkQuery } from './retrieval/scoped-chunk-query';
import { StorageCleanupProducer } from './storage-cleanup.producer';

const CORE = [
  DocumentRepository,
  DocumentShareRepository,
  DocumentChunkRepository,
  DocumentStatsRepository,
  DocumentAccess,
  IngestionProducer,
  StorageCleanupProducer,
  DocumentsService,
  sentenceEncoderProvider,
  Embeddings,
  ScopedChunkQuery,
  ChunkRetriever,
];

/**
 * The documents core, shared by both apps: entities, their repositories, the access policy, the
 * ingestion producer (the only code that enqueues ingestion jobs), the file-removal hint
 * producer, the documents service, the sentence encoder, chunk retrieval and the aggregates of the admin stats. Needs the global QueueModule,
 * StorageModule, AuditModule and CommonModule from the app.
 */
@Module({
  imports: [MikroOrmModule.forFeature([Document, DocumentChunk, DocumentShare, StorageDeletion])],
  providers: CORE,
  exports: CORE,
})
export class DocumentsModule {}
