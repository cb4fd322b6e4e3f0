import { Entity, ManyToOne, PrimaryKeyProp, Property } from '@mikro-orm/core';
import { Document } from '../entities/document.entity';

/**
 * BM25 statistics of one document, kept by triggers on `document_chunks` in the transaction that
 * changes the chunks (migration Migration20261204100000_document_term_stats): per lexeme, the
 * number of the document's chunks holding it and its occurrences; the row with the empty lexeme
 * (never a real lexeme) holds the document's number of chunks and their total length in tokens.
 * Retrieval sums them over the documents the caller can read. Read-only for the application.
 */
@Entity({ tableName: 'document_term_stats' })
export class DocumentTermStat {
  [PrimaryKeyProp]?: ['document', 'lexeme'];

  @ManyToOne(() => Document, { primary: true, fieldName: 'document_id', deleteRule: 'cascade' })
  document!: Document;

  @Property({ type: 'text', primary: true })
  lexeme!: string;

  @Property({ type: 'integer' })
  chunks!: number;

  @Property({ type: 'bigint', columnType: 'bigint' })
  occurrences!: string;
}
