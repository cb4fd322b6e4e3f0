import { Migration } from '@mikro-orm/migrations';

/**
 * The outbox of stored files to remove. A trigger on `documents` writes one row per deleted
 * document in the deleting transaction, so every path is covered (the api's delete, the cascade
 * from a deleted user, manual SQL) and a rolled-back deletion leaves no row behind. The worker
 * drains the table (`documents.remove-files` on the maintenance queue), removes each file
 * idempotently, audits it and deletes the row; a failure moves `next_attempt_at` into the future
 * (backoff) and keeps the row until the file is gone. Statement-level, with a transition table,
 * so deleting a user with thousands of documents runs the insert once per statement.
 */
export class Migration20261204110000_storage_deletions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "storage_deletions" (
        "storage_key" text not null primary key,
        "document_id" uuid null,
        "owner_id" uuid null,
        "attempts" int not null default 0,
        "next_attempt_at" timestamptz not null,
        "last_error" text null,
        "created_at" timestamptz not null
      );`);
    this.addSql(
      `create index "storage_deletions_next_attempt_idx" on "storage_deletions" ("next_attempt_at");`,
    );
    this.addSql(`
      create function "documents_queue_file_removal"() returns trigger
      language plpgsql as $$
      begin
        insert into storage_deletions (storage_key, document_id, owner_id, next_attempt_at, created_at)
        select storage_key, id, owner_id, now(), now() from removed_documents
        on conflict (storage_key) do nothing;
        return null;
      end;
      $$;`);
    this.addSql(`
      create trigger "documents_queue_file_removal" after delete on "documents"
        referencing old table as removed_documents
        for each statement execute function documents_queue_file_removal();`);
    // files of documents deleted before this migration are already gone (the api removed them
    // inline); nothing to backfill
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "documents_queue_file_removal" on "documents";`);
    this.addSql(`drop function if exists "documents_queue_file_removal"();`);
    this.addSql(`drop table if exists "storage_deletions";`);
  }
}
