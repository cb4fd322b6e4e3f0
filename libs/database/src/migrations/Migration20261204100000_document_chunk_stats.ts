import { Migration } from '@mikro-orm/migrations';
import { Migration20261126070000_retrieval } from './Migration20261126070000_retrieval';

/**
 * BM25 over the caller's readable documents instead of global statistics (issue 12 #5): global
 * N, df and avgdl let a member learn, by comparing scores, whether and how often a word occurs
 * in documents they cannot read. Retrieval now takes df from the candidates it finds among the
 * readable documents (every readable chunk holding a question lexeme is a candidate, so that
 * count is exact), and N and avgdl from `document_chunk_stats`: per document, its number of
 * chunks and their total length in tokens, summed over the readable documents at query time.
 *
 * Statement-level triggers with transition tables keep it exact in the transaction that changes
 * the chunks (the indexer replaces a document's chunks in one). One row per document, so
 * concurrent indexing transactions of different documents share no rows (no global lock any
 * more). A document left without chunks (the indexer's delete, a deleted document's cascade)
 * loses its row without reading the old chunks; only a partial delete subtracts. Backfilled
 * from the chunks; the global `chunk_term_stats`, its triggers and function are dropped.
 */
export class Migration20261204100000_document_chunk_stats extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "document_chunk_stats" (
        "document_id" uuid not null primary key,
        "chunks" int not null,
        "tokens" bigint not null,
        constraint "document_chunk_stats_document_id_foreign" foreign key ("document_id") references "documents" ("id") on update cascade on delete cascade
      );`);

    // a chunk's length in tokens: the positions of its tsvector (a lexeme stored without
    // positions, which to_tsvector never produces, counts once)
    this.addSql(`
      create function "document_chunk_stats_maintain"() returns trigger
      language plpgsql as $$
      begin
        if tg_op = 'TRUNCATE' then
          delete from document_chunk_stats;
          return null;
        end if;
        if tg_op in ('DELETE', 'UPDATE') then
          delete from document_chunk_stats s
           using (select distinct o.document_id from old_chunks o
                   where not exists (select 1 from document_chunks c where c.document_id = o.document_id)) e
           where s.document_id = e.document_id;
          update document_chunk_stats s
             set chunks = s.chunks - r.chunks, tokens = s.tokens - r.tokens
            from (select o.document_id, count(*) as chunks,
                         coalesce(sum((select sum(coalesce(array_length(u.positions, 1), 1)) from unnest(o.tsv) u)), 0) as tokens
                    from old_chunks o
                   where exists (select 1 from document_chunks c where c.document_id = o.document_id)
                   group by o.document_id) r
           where s.document_id = r.document_id;
        end if;
        if tg_op in ('INSERT', 'UPDATE') then
          insert into document_chunk_stats (document_id, chunks, tokens)
          select n.document_id, count(*),
                 coalesce(sum((select sum(coalesce(array_length(u.positions, 1), 1)) from unnest(n.tsv) u)), 0)
            from new_chunks n
           group by n.document_id
           order by n.document_id
          on conflict (document_id) do update
            set chunks = document_chunk_stats.chunks + excluded.chunks,
                tokens = document_chunk_stats.tokens + excluded.tokens;
        end if;
        return null;
      end;
      $$;`);
    this.addSql(`
      create trigger "document_chunks_chunk_stats_insert" after insert on "document_chunks"
        referencing new table as new_chunks
        for each statement execute function document_chunk_stats_maintain();`);
    this.addSql(`
      create trigger "document_chunks_chunk_stats_delete" after delete on "document_chunks"
        referencing old table as old_chunks
        for each statement execute function document_chunk_stats_maintain();`);
    this.addSql(`
      create trigger "document_chunks_chunk_stats_update" after update on "document_chunks"
        referencing old table as old_chunks new table as new_chunks
        for each statement execute function document_chunk_stats_maintain();`);
    this.addSql(`
      create trigger "document_chunks_chunk_stats_truncate" after truncate on "document_chunks"
        for each statement execute function document_chunk_stats_maintain();`);

    this.addSql(`
      insert into document_chunk_stats (document_id, chunks, tokens)
      select c.document_id, count(*),
             coalesce(sum((select sum(coalesce(array_length(u.positions, 1), 1)) from unnest(c.tsv) u)), 0)
        from document_chunks c
       group by c.document_id;`);

    this.addSql(`drop trigger if exists "document_chunks_stats_truncate" on "document_chunks";`);
    this.addSql(`drop trigger if exists "document_chunks_stats_update" on "document_chunks";`);
    this.addSql(`drop trigger if exists "document_chunks_stats_delete" on "document_chunks";`);
    this.addSql(`drop trigger if exists "document_chunks_stats_insert" on "document_chunks";`);
    this.addSql(`drop function if exists "chunk_term_stats_maintain"();`);
    this.addSql(`drop table if exists "chunk_term_stats";`);
  }

  override async down(): Promise<void> {
    this.addSql(
      `drop trigger if exists "document_chunks_chunk_stats_truncate" on "document_chunks";`,
    );
    this.addSql(
      `drop trigger if exists "document_chunks_chunk_stats_update" on "document_chunks";`,
    );
    this.addSql(
      `drop trigger if exists "document_chunks_chunk_stats_delete" on "document_chunks";`,
    );
    this.addSql(
      `drop trigger if exists "document_chunks_chunk_stats_insert" on "document_chunks";`,
    );
    this.addSql(`drop function if exists "document_chunk_stats_maintain"();`);
    this.addSql(`drop table if exists "document_chunk_stats";`);
    // the global statistics, their triggers and their backfill, exactly as they were created
    const previous = new Migration20261126070000_retrieval(this.driver, this.config);
    await previous.up();
    for (const query of previous.getQueries()) this.addSql(query);
  }
}
