import { ChunkRetriever } from './retrieval/chunk-retriever';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { ChunkIndexer } from './chunk-indexer';
import { Document, DocumentChunk, DocumentShare, StorageDeletion } from './entities';
import { DocumentsService } from './http/documents.service';
import { IngestionProducer } from './ingestion.producer';
import { StorageCleanupProducer } from './storage-cleanup.producer';

/**
 * The documents core, shared by both apps: entities, the ingestion producer (the only code that
 * enqueues ingestion jobs), the file-removal hint producer, the chunk indexer and the documents
 * service. Needs the global QueueModule, StorageModule, AuditModule and CommonModule from the app.
 */
@Module({
  imports: [MikroOrmModule.forFeature([Document, DocumentChunk, DocumentShare, StorageDeletion])],
  providers: [
    ChunkIndexer,
    IngestionProducer,
    StorageCleanupProducer,
    DocumentsService,
    ChunkRetriever,
  ],
  exports: [
    ChunkIndexer,
    IngestionProducer,
    StorageCleanupProducer,
    DocumentsService,
    ChunkRetriever,
  ],
})
export class DocumentsModule {}
