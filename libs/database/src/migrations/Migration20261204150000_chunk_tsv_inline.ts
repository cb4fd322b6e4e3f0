import { Migration } from '@mikro-orm/migrations';

/**
 * Keeps a chunk's `tsv` in the row and lets `content` go to TOAST instead (issue 14, search at
 * scale). A chunk row (about 1 kB of text and a 1.4 kB tsvector) is over the 2 kB TOAST
 * threshold, and a tsvector barely compresses, so with the default (`extended`) PostgreSQL moved
 * the tsvector out of line: every candidate the ranking scored cost a TOAST index lookup and a
 * second heap read, which was most of the search time at 100k chunks (bench/RESULTS.md, section
 * search-scale). Ranking reads the tsvector of every candidate and the content of the few hits
 * it returns, so `main` (compressed if it helps, out of line only as a last resort) goes on the
 * tsvector and the content, still `extended`, is the one moved out.
 *
 * Storage applies to rows written from now on (a re-indexed document gets it); existing rows
 * keep their layout until rewritten (`VACUUM FULL document_chunks`, or pg_repack online), which
 * this migration does not do: it would hold an exclusive lock for the whole table's rewrite.
 */
export class Migration20261204150000_chunk_tsv_inline extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "document_chunks" alter column "tsv" set storage main;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "document_chunks" alter column "tsv" set storage extended;`);
  }
}
