import { Migration } from '@mikro-orm/migrations';

/**
 * BM25 corpus statistics for retrieval: `chunk_term_stats` holds, per lexeme, the number of chunks
 * containing it (document frequency) and its total occurrences, plus one row with the empty lexeme
 * for the number of chunks and their total length (tokens). Statement-level triggers with
 * transition tables keep it exact in the same transaction that inserts, deletes (including the
 * cascade from a deleted document) or updates chunks; an advisory lock serialises the updates so
 * concurrent indexing transactions never deadlock on shared lexeme rows. Backfilled with ts_stat.
 */
export class Migration20261126070000_retrieval extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "chunk_term_stats" (
        "lexeme" text not null primary key,
        "chunks" bigint not null,
        "occurrences" bigint not null
      );`);

    this.addSql(`
      create function "chunk_term_stats_maintain"() returns trigger
      language plpgsql as $$
      declare
        emptied text[];
      begin
        if tg_op = 'TRUNCATE' then
          delete from chunk_term_stats;
          return null;
        end if;
        perform pg_advisory_xact_lock(hashtext('docent.chunk_term_stats'));
        if tg_op in ('DELETE', 'UPDATE') then
          with per_lexeme as (
            select u.lexeme, count(*) as chunks,
                   sum(coalesce(array_length(u.positions, 1), 1)) as occurrences
              from old_chunks c cross join lateral unnest(c.tsv) u
             group by u.lexeme
          ), changed as (
            update chunk_term_stats s
               set chunks = s.chunks - p.chunks, occurrences = s.occurrences - p.occurrences
              from per_lexeme p
             where s.lexeme = p.lexeme
            returning s.lexeme, s.chunks
          ), totals as (
            update chunk_term_stats s
               set chunks = s.chunks - (select count(*) from old_chunks),
                   occurrences = s.occurrences - (select coalesce(sum(occurrences), 0) from per_lexeme)
             where s.lexeme = ''
            returning s.lexeme
          )
          -- (data-modifying CTEs always run to completion, read or not)
          select array_agg(lexeme) filter (where chunks <= 0) into emptied from changed;
          if emptied is not null then
            delete from chunk_term_stats where lexeme = any(emptied);
          end if;
        end if;
        if tg_op in ('INSERT', 'UPDATE') then
          with per_lexeme as (
            select u.lexeme, count(*) as chunks,
                   sum(coalesce(array_length(u.positions, 1), 1)) as occurrences
              from new_chunks c cross join lateral unnest(c.tsv) u
             group by u.lexeme
          )
          insert into chunk_term_stats (lexeme, chunks, occurrences)
          select lexeme, chunks, occurrences from per_lexeme
          union all
          select '', (select count(*) from new_chunks), (select coalesce(sum(occurrences), 0) from per_lexeme)
          order by 1
          on conflict (lexeme) do update
            set chunks = chunk_term_stats.chunks + excluded.chunks,
                occurrences = chunk_term_stats.occurrences + excluded.occurrences;
        end if;
        return null;
      end;
      $$;`);
    this.addSql(`
      create trigger "document_chunks_stats_insert" after insert on "document_chunks"
        referencing new table as new_chunks
        for each statement execute function chunk_term_stats_maintain();`);
    this.addSql(`
      create trigger "document_chunks_stats_delete" after delete on "document_chunks"
        referencing old table as old_chunks
        for each statement execute function chunk_term_stats_maintain();`);
    this.addSql(`
      create trigger "document_chunks_stats_update" after update on "document_chunks"
        referencing old table as old_chunks new table as new_chunks
        for each statement execute function chunk_term_stats_maintain();`);
    this.addSql(`
      create trigger "document_chunks_stats_truncate" after truncate on "document_chunks"
        for each statement execute function chunk_term_stats_maintain();`);

    this.addSql(`
      insert into chunk_term_stats (lexeme, chunks, occurrences)
      select word, ndoc, nentry from ts_stat('select tsv from document_chunks')
      union all
      select '', (select count(*) from document_chunks),
             coalesce((select sum(nentry) from ts_stat('select tsv from document_chunks')), 0);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "document_chunks_stats_truncate" on "document_chunks";`);
    this.addSql(`drop trigger if exists "document_chunks_stats_update" on "document_chunks";`);
    this.addSql(`drop trigger if exists "document_chunks_stats_delete" on "document_chunks";`);
    this.addSql(`drop trigger if exists "document_chunks_stats_insert" on "document_chunks";`);
    this.addSql(`drop function if exists "chunk_term_stats_maintain"();`);
    this.addSql(`drop table if exists "chunk_term_stats";`);
  }
}
