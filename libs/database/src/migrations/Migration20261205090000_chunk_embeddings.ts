import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 15: each chunk's meaning as a vector of the bundled sentence encoder, for the ranking to
 * weigh beside BM25 (vocabulary mismatch: a question about a "country" and a paragraph about
 * "France"). Filled by the worker for new chunks and, for chunks indexed before this migration,
 * by the same worker in the background; until then they rank by their words alone.
 */
export class Migration20261205090000_chunk_embeddings extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "document_chunk_embeddings" (
        "chunk_id" uuid not null primary key,
        "embedding" real[] not null,
        constraint "document_chunk_embeddings_chunk_id_foreign" foreign key ("chunk_id")
          references "document_chunks" ("id") on update cascade on delete cascade
      );`);
    // 512 floats (2 KB) would go out of line to TOAST (they do not compress): every vector the
    // ranking reads would cost a TOAST lookup; kept in the row instead (three rows a page)
    this.addSql(
      `alter table "document_chunk_embeddings" alter column "embedding" set storage plain;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "document_chunk_embeddings";`);
  }
}
