import { Migration } from '@mikro-orm/migrations';
import { Migration20261126070000_retrieval } from './Migration20261126070000_retrieval';

/**
 * BM25 statistics per document instead of global ones (issue 12 #5): global N, df and avgdl let
 * a member learn, by comparing scores, whether and how often a word occurs in documents they
 * cannot read. `document_term_stats` holds, per document and lexeme, the number of the document's
 * chunks containing it and its occurrences; the row with the empty lexeme (never a real lexeme)
 * holds the document's number of chunks and their total length in tokens. At query time the
 * statistics are sums over the documents the caller can read (bm25-query.ts).
 *
 * Statement-level triggers with transition tables keep it exact in the transaction that changes
 * the chunks (the indexer replaces a document's chunks in one). Rows are per document, so
 * concurrent indexing transactions of different documents share no rows (no global lock any
 * more); upserts go in key order. Chunks deleted by the cascade from a deleted document are
 * skipped: that document's rows go by the foreign key's cascade. Backfilled from the chunks;
 * the global table and its triggers are dropped.
 */
export class Migration20261204100000_document_term_stats extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "document_term_stats" (
        "document_id" uuid not null,
        "lexeme" text not null,
        "chunks" int not null,
        "occurrences" bigint not null,
        constraint "document_term_stats_pkey" primary key ("document_id", "lexeme"),
        constraint "document_term_stats_document_id_foreign" foreign key ("document_id") references "documents" ("id") on update cascade on delete cascade
      );`);

    this.addSql(`
      create function "document_term_stats_maintain"() returns trigger
      language plpgsql as $$
      begin
        if tg_op = 'TRUNCATE' then
          delete from document_term_stats;
          return null;
        end if;
        if tg_op in ('DELETE', 'UPDATE') then
          with removed as (
            select c.document_id, c.tsv
              from old_chunks c
             where exists (select 1 from documents d where d.id = c.document_id)
          ), per_lexeme as (
            select r.document_id, u.lexeme, count(*) as chunks,
                   sum(coalesce(array_length(u.positions, 1), 1)) as occurrences
              from removed r cross join lateral unnest(r.tsv) u
             group by r.document_id, u.lexeme
          ), per_document as (
            select n.document_id, n.chunks, coalesce(t.occurrences, 0) as occurrences
              from (select document_id, count(*) as chunks from removed group by document_id) n
              left join (select document_id, sum(occurrences) as occurrences from per_lexeme group by document_id) t
                using (document_id)
          )
          update document_term_stats s
             set chunks = s.chunks - x.chunks, occurrences = s.occurrences - x.occurrences
            from (select document_id, lexeme, chunks, occurrences from per_lexeme
                  union all
                  select document_id, '', chunks, occurrences from per_document) x
           where s.document_id = x.document_id and s.lexeme = x.lexeme;
          -- a statement of its own: within one statement the delete would not see the update
          delete from document_term_stats s
           where s.chunks <= 0 and s.document_id in (select document_id from old_chunks);
        end if;
        if tg_op in ('INSERT', 'UPDATE') then
          with per_lexeme as (
            select c.document_id, u.lexeme, count(*) as chunks,
                   sum(coalesce(array_length(u.positions, 1), 1)) as occurrences
              from new_chunks c cross join lateral unnest(c.tsv) u
             group by c.document_id, u.lexeme
          ), per_document as (
            select n.document_id, n.chunks, coalesce(t.occurrences, 0) as occurrences
              from (select document_id, count(*) as chunks from new_chunks group by document_id) n
              left join (select document_id, sum(occurrences) as occurrences from per_lexeme group by document_id) t
                using (document_id)
          )
          insert into document_term_stats (document_id, lexeme, chunks, occurrences)
          select document_id, lexeme, chunks, occurrences from per_lexeme
          union all
          select document_id, '', chunks, occurrences from per_document
          order by 1, 2
          on conflict (document_id, lexeme) do update
            set chunks = document_term_stats.chunks + excluded.chunks,
                occurrences = document_term_stats.occurrences + excluded.occurrences;
        end if;
        return null;
      end;
      $$;`);
    this.addSql(`
      create trigger "document_chunks_term_stats_insert" after insert on "document_chunks"
        referencing new table as new_chunks
        for each statement execute function document_term_stats_maintain();`);
    this.addSql(`
      create trigger "document_chunks_term_stats_delete" after delete on "document_chunks"
        referencing old table as old_chunks
        for each statement execute function document_term_stats_maintain();`);
    this.addSql(`
      create trigger "document_chunks_term_stats_update" after update on "document_chunks"
        referencing old table as old_chunks new table as new_chunks
        for each statement execute function document_term_stats_maintain();`);
    this.addSql(`
      create trigger "document_chunks_term_stats_truncate" after truncate on "document_chunks"
        for each statement execute function document_term_stats_maintain();`);

    this.addSql(`
      with per_lexeme as (
        select c.document_id, u.lexeme, count(*) as chunks,
               sum(coalesce(array_length(u.positions, 1), 1)) as occurrences
          from document_chunks c cross join lateral unnest(c.tsv) u
         group by c.document_id, u.lexeme
      )
      insert into document_term_stats (document_id, lexeme, chunks, occurrences)
      select document_id, lexeme, chunks, occurrences from per_lexeme
      union all
      select n.document_id, '', n.chunks, coalesce(t.occurrences, 0)
        from (select document_id, count(*) as chunks from document_chunks group by document_id) n
        left join (select document_id, sum(occurrences) as occurrences from per_lexeme group by document_id) t
          using (document_id);`);

    this.addSql(`drop trigger if exists "document_chunks_stats_truncate" on "document_chunks";`);
    this.addSql(`drop trigger if exists "document_chunks_stats_update" on "document_chunks";`);
    this.addSql(`drop trigger if exists "document_chunks_stats_delete" on "document_chunks";`);
    this.addSql(`drop trigger if exists "document_chunks_stats_insert" on "document_chunks";`);
    this.addSql(`drop function if exists "chunk_term_stats_maintain"();`);
    this.addSql(`drop table if exists "chunk_term_stats";`);
  }

  override async down(): Promise<void> {
    this.addSql(
      `drop trigger if exists "document_chunks_term_stats_truncate" on "document_chunks";`,
    );
    this.addSql(`drop trigger if exists "document_chunks_term_stats_update" on "document_chunks";`);
    this.addSql(`drop trigger if exists "document_chunks_term_stats_delete" on "document_chunks";`);
    this.addSql(`drop trigger if exists "document_chunks_term_stats_insert" on "document_chunks";`);
    this.addSql(`drop function if exists "document_term_stats_maintain"();`);
    this.addSql(`drop table if exists "document_term_stats";`);
    // the global statistics, their triggers and their backfill, exactly as they were created
    const previous = new Migration20261126070000_retrieval(this.driver, this.config);
    await previous.up();
    for (const query of previous.getQueries()) this.addSql(query);
  }
}
