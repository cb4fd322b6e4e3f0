import { Migration } from '@mikro-orm/migrations';

/**
 * The notification center (SPEC §8): notifications, with an index for the per-user list newest
 * first, a partial index for unread ones (count and `?unread=true`), and one on `created_at` for
 * the retention purge; and per-type channel preferences (rows only for types a user changed).
 * Both go with their user. The built-in roles already hold read/update/delete on their own
 * Notification (Migration20261126040000_role_permissions).
 */
export class Migration20261126080000_notifications extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "notifications" (
        "id" uuid not null primary key,
        "user_id" uuid not null,
        "type" text not null,
        "title" text not null,
        "body" text not null,
        "data" jsonb not null default '{}',
        "read_at" timestamptz null,
        "created_at" timestamptz not null,
        constraint "notifications_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade
      );`);
    this.addSql(
      `create index "notifications_user_created_idx" on "notifications" ("user_id", "created_at" desc, "id" desc);`,
    );
    this.addSql(
      `create index "notifications_user_unread_idx" on "notifications" ("user_id", "created_at" desc, "id" desc) where "read_at" is null;`,
    );
    this.addSql(`create index "notifications_created_at_idx" on "notifications" ("created_at");`);

    this.addSql(`
      create table "notification_preferences" (
        "user_id" uuid not null,
        "type" text not null,
        "in_app" boolean not null,
        "email" boolean not null,
        "updated_at" timestamptz not null,
        constraint "notification_preferences_pkey" primary key ("user_id", "type"),
        constraint "notification_preferences_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade
      );`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "notification_preferences";`);
    this.addSql(`drop table if exists "notifications";`);
  }
}
