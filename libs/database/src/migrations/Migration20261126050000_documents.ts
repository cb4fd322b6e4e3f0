import { Migration } from '@mikro-orm/migrations';

/**
 * Documents, their chunks (with a generated tsvector behind a GIN index for full-text search) and
 * shares. Chunks and shares go with their document; documents go with their owner.
 */
export class Migration20261126050000_documents extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "documents" (
        "id" uuid not null primary key,
        "owner_id" uuid not null,
        "batch_id" uuid not null,
        "filename" text not null,
        "kind" text not null,
        "mime_type" text not null,
        "size_bytes" bigint not null,
        "sha256" text not null,
        "storage_key" text not null,
        "status" text check ("status" in ('queued', 'processing', 'completed', 'failed', 'cancelled')) not null default 'queued',
        "stage" text check ("stage" in ('validating', 'extracting', 'chunking', 'indexing', 'done')) not null default 'validating',
        "progress" smallint not null default 0,
        "attempts" int not null default 0,
        "error_code" text null,
        "error_message" text null,
        "page_count" int null,
        "chunk_count" int null,
        "ingestion_version" int not null default 1,
        "enqueued_at" timestamptz null,
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null,
        "completed_at" timestamptz null,
        constraint "documents_owner_sha256_key" unique ("owner_id", "sha256"),
        constraint "documents_progress_check" check ("progress" >= 0 and "progress" <= 100),
        constraint "documents_owner_id_foreign" foreign key ("owner_id") references "users" ("id") on update cascade on delete cascade
      );`);
    this.addSql(
      `create index "documents_owner_created_idx" on "documents" ("owner_id", "created_at", "id");`,
    );
    this.addSql(`create index "documents_status_idx" on "documents" ("status", "updated_at");`);

    this.addSql(`
      create table "document_chunks" (
        "id" uuid not null primary key,
        "document_id" uuid not null,
        "chunk_index" int not null,
        "page" int null,
        "content" text not null,
        "tsv" tsvector generated always as (to_tsvector('english', content)) stored,
        "created_at" timestamptz not null,
        constraint "document_chunks_document_index_key" unique ("document_id", "chunk_index"),
        constraint "document_chunks_document_id_foreign" foreign key ("document_id") references "documents" ("id") on update cascade on delete cascade
      );`);
    this.addSql(`create index "document_chunks_tsv_idx" on "document_chunks" using gin ("tsv");`);

    this.addSql(`
      create table "document_shares" (
        "document_id" uuid not null,
        "user_id" uuid not null,
        "permission" text check ("permission" in ('read', 'write')) not null,
        "created_at" timestamptz not null,
        constraint "document_shares_pkey" primary key ("document_id", "user_id"),
        constraint "document_shares_document_id_foreign" foreign key ("document_id") references "documents" ("id") on update cascade on delete cascade,
        constraint "document_shares_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade
      );`);
    this.addSql(`create index "document_shares_user_id_idx" on "document_shares" ("user_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "document_shares";`);
    this.addSql(`drop table if exists "document_chunks";`);
    this.addSql(`drop table if exists "documents";`);
  }
}
