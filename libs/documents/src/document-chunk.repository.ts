import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { uuidv7 } from '@docent/common';
import { DocumentChunk } from './entities/document-chunk.entity';
import { Document } from './entities/document.entity';
import type { Chunk } from './ingestion/chunker';

/** PostgreSQL allows 65,535 bind parameters per statement; six per row leaves ample headroom. */
const INSERT_BATCH = 1000;

/** Every write of `document_chunks`, and of the document's `chunkCount` that sums them. */
@Injectable()
export class DocumentChunkRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Replaces all chunks of a document (and its `chunkCount`) in one transaction, so a retried
   * or re-delivered job never leaves duplicate or partial chunks, and readers see the old set or
   * the new one, never a mix.
   */
  replace(documentId: string, chunks: readonly Chunk[]): Promise<number> {
    return this.em.transactional((tx) => this.replaceIn(tx, documentId, chunks));
  }

  /** The same inside the caller's transaction. */
  async replaceIn(
    tx: EntityManager,
    documentId: string,
    chunks: readonly Chunk[],
  ): Promise<number> {
    const now = new Date();
    await tx.nativeDelete(DocumentChunk, { document: documentId });
    for (let start = 0; start < chunks.length; start += INSERT_BATCH) {
      await tx.insertMany(
        DocumentChunk,
        chunks.slice(start, start + INSERT_BATCH).map((chunk) => ({
          id: uuidv7(),
          document: documentId,
          chunkIndex: chunk.index,
          page: chunk.page,
          // PostgreSQL text cannot hold NUL; extracted text occasionally does
          content: chunk.content.replaceAll(String.fromCharCode(0), ''),
          createdAt: now,
        })),
      );
    }
    await tx.nativeUpdate(Document, { id: documentId }, { chunkCount: chunks.length });
    return chunks.length;
  }
}

/** The index step under the name the tests, benches and fixtures use. */
export const ChunkIndexer = DocumentChunkRepository;
export type ChunkIndexer = DocumentChunkRepository;
