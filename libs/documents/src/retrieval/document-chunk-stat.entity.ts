import { PrimaryKeyProp } from '@mikro-orm/core';
import { Entity, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { Document } from '../entities/document.entity';

/**
 * A document's number of chunks and their total length in tokens (positions of its chunks'
 * tsvectors), kept by triggers on `document_chunks` in the transaction that changes the chunks
 * (migration Migration20261204100000_document_chunk_stats). Retrieval sums them over the
 * documents the caller can read for BM25's N and average length. Derived data, read-only for
 * the application; goes with the document's last chunk or with the document.
 */
@Entity({ tableName: 'document_chunk_stats' })
export class DocumentChunkStat {
  [PrimaryKeyProp]?: 'document';

  @ManyToOne(() => Document, { primary: true, fieldName: 'document_id', deleteRule: 'cascade' })
  document!: Document;

  @Property({ type: 'integer' })
  chunks!: number;

  @Property({ type: 'bigint', columnType: 'bigint' })
  tokens!: string;
}
