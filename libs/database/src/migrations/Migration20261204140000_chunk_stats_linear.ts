import { Migration } from '@mikro-orm/migrations';

/**
 * The trigger function around its DELETE/UPDATE branch; TRUNCATE and INSERT stay as the first
 * version wrote them.
 */
function maintainFunction(deleteBranch: string): string {
  return `
  create or replace function "document_chunk_stats_maintain"() returns trigger
  language plpgsql as $$
  begin
    if tg_op = 'TRUNCATE' then
      delete from document_chunk_stats;
      return null;
    end if;
    if tg_op in ('DELETE', 'UPDATE') then
${deleteBranch}
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
  $$;`;
}

/**
 * `document_chunk_stats_maintain` in linear time. The first version asked, for EVERY deleted chunk,
 * whether its document still had chunks (`not exists (… where c.document_id = o.document_id)`).
 * After a statement that deletes all of a document's n chunks, each of those n checks walks the
 * document's n index entries, all pointing at rows this statement just deleted: n² visibility
 * checks. Deleting one 20 MB document (31,000 chunks) kept a backend busy for over 15 minutes,
 * holding its locks. The check is now asked once per document touched, not once per chunk.
 */
const LINEAR = maintainFunction(`
      -- one row per document the statement touched, before any lookup in document_chunks
      with touched as (
        select o.document_id, count(*) as chunks,
               coalesce(sum((select sum(coalesce(array_length(u.positions, 1), 1)) from unnest(o.tsv) u)), 0) as tokens
          from old_chunks o
         group by o.document_id
      ), emptied as (
        delete from document_chunk_stats s
         using touched t
         where s.document_id = t.document_id
           and not exists (select 1 from document_chunks c where c.document_id = t.document_id)
        returning s.document_id
      )
      update document_chunk_stats s
         set chunks = s.chunks - t.chunks, tokens = s.tokens - t.tokens
        from touched t
       where s.document_id = t.document_id
         and t.document_id not in (select document_id from emptied);
`);

/** The function as Migration20261204100000_document_chunk_stats created it. */
const QUADRATIC = maintainFunction(`
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
`);

export class Migration20261204140000_chunk_stats_linear extends Migration {
  override async up(): Promise<void> {
    this.addSql(LINEAR);
  }

  override async down(): Promise<void> {
    this.addSql(QUADRATIC);
  }
}
