import { Migration } from '@mikro-orm/migrations';

/**
 * Usage analytics per feature (issue 16): sign-ins, searches, conversation exports and shares per
 * user per UTC day beside the existing uploads, bytes, questions and answer tokens. Counters only:
 * no content and no e-mail address is ever stored in these rows.
 */
export class Migration20261205060000_usage_features extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table "usage_daily"
        add column "sign_ins" int not null default 0,
        add column "searches" int not null default 0,
        add column "exports" int not null default 0,
        add column "shares" int not null default 0;`);
    this.addSql(`alter table "usage_daily" drop constraint "usage_daily_counters_check";`);
    this.addSql(`
      alter table "usage_daily" add constraint "usage_daily_counters_check" check (
        uploads >= 0 and bytes_ingested >= 0 and questions >= 0 and answer_tokens >= 0
        and sign_ins >= 0 and searches >= 0 and exports >= 0 and shares >= 0);`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "usage_daily" drop constraint "usage_daily_counters_check";`);
    this.addSql(`
      alter table "usage_daily"
        drop column "sign_ins",
        drop column "searches",
        drop column "exports",
        drop column "shares";`);
    this.addSql(`
      alter table "usage_daily" add constraint "usage_daily_counters_check"
        check (uploads >= 0 and bytes_ingested >= 0 and questions >= 0 and answer_tokens >= 0);`);
  }
}
