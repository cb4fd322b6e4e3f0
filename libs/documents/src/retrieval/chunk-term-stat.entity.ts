import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * Corpus statistics for BM25, kept by triggers on `document_chunks` in the transaction that
 * changes the chunks (migration Migration20261126070000_retrieval): per lexeme, the number of
 * chunks holding it (document frequency) and its total occurrences; the row with the empty
 * lexeme (never a real lexeme) holds the number of chunks and their total length in tokens.
 * Read-only for the application.
 */
@Entity({ tableName: 'chunk_term_stats' })
export class ChunkTermStat {
  @PrimaryKey({ type: 'text' })
  lexeme!: string;

  @Property({ type: 'bigint' })
  chunks!: string;

  @Property({ type: 'bigint' })
  occurrences!: string;
}
