import { Migration } from '@mikro-orm/migrations';

/**
 * Security hardening of accounts (issue 12):
 * - indexes the maintenance purge uses to find ended sessions, old spent refresh tokens and used
 *   or expired reset tokens without scanning whole tables;
 * - `sign_in_devices`: the devices (hashed network + coarse user agent) each user signed in
 *   from, for the `security.new_sign_in` notice; they go with their user;
 * - security notices can no longer be switched off: stored opt-outs of them are dropped (they
 *   are ignored from now on anyway).
 */
export class Migration20261204120000_auth_hardening extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index "sessions_idle_expires_at_idx" on "sessions" ("idle_expires_at");`);
    this.addSql(
      `create index "sessions_revoked_at_idx" on "sessions" ("revoked_at") where "revoked_at" is not null;`,
    );
    this.addSql(
      `create index "spent_refresh_tokens_spent_at_idx" on "spent_refresh_tokens" ("spent_at");`,
    );
    this.addSql(
      `create index "password_reset_tokens_expires_at_idx" on "password_reset_tokens" ("expires_at");`,
    );
    this.addSql(`
      create table "sign_in_devices" (
        "user_id" uuid not null,
        "fingerprint" text not null,
        "first_seen_at" timestamptz not null,
        "last_seen_at" timestamptz not null,
        constraint "sign_in_devices_pkey" primary key ("user_id", "fingerprint"),
        constraint "sign_in_devices_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade
      );`);
    this.addSql(
      `create index "sign_in_devices_user_last_seen_idx" on "sign_in_devices" ("user_id", "last_seen_at");`,
    );
    this.addSql(`delete from "notification_preferences" where "type" like 'security.%';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "sign_in_devices";`);
    this.addSql(`drop index if exists "password_reset_tokens_expires_at_idx";`);
    this.addSql(`drop index if exists "spent_refresh_tokens_spent_at_idx";`);
    this.addSql(`drop index if exists "sessions_revoked_at_idx";`);
    this.addSql(`drop index if exists "sessions_idle_expires_at_idx";`);
  }
}
