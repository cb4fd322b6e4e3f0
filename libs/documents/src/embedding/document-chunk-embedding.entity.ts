import { PrimaryKeyProp } from '@mikro-orm/core';
import { Entity, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { DocumentChunk } from '../entities/document-chunk.entity';

/**
 * A chunk's meaning as a unit vector of the bundled sentence encoder (EMBEDDING_DIMENSIONS
 * numbers), written by the worker after the chunk is indexed (ChunkEmbedder) and read by the
 * ranking in SQL (`scoredChunks`), never through the ORM. In a table of its own: an update of
 * `document_chunks` would run its statistics triggers; goes with its chunk.
 */
@Entity({ tableName: 'document_chunk_embeddings' })
export class DocumentChunkEmbedding {
  [PrimaryKeyProp]?: 'chunk';

  @ManyToOne(() => DocumentChunk, { primary: true, fieldName: 'chunk_id', deleteRule: 'cascade' })
  chunk!: DocumentChunk;

  @Property({ type: 'real[]', columnType: 'real[]' })
  embedding!: number[];
}
