import { Migration } from '@mikro-orm/migrations';

/** Per-user, per-day usage counters (SPEC §9 usage analytics), incremented by upserts. */
export class Migration20261126060000_usage extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "usage_daily" (
        "user_id" uuid not null,
        "day" date not null,
        "uploads" int not null default 0,
        "bytes_ingested" bigint not null default 0,
        "questions" int not null default 0,
        "answer_tokens" bigint not null default 0,
        constraint "usage_daily_pkey" primary key ("user_id", "day"),
        constraint "usage_daily_counters_check" check (uploads >= 0 and bytes_ingested >= 0 and questions >= 0 and answer_tokens >= 0),
        constraint "usage_daily_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade
      );`);
    this.addSql(`create index "usage_daily_day_idx" on "usage_daily" ("day");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "usage_daily";`);
  }
}
