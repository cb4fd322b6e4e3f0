import { Migration } from '@mikro-orm/migrations';

/**
 * Accounts, sessions and the audit log.
 * - roles with the built-in admin, member and viewer;
 * - users (e-mail stored lower-case, unique), sessions (refresh-token families) with the spent
 *   tokens that reveal reuse, single-use password-reset tokens;
 * - audit_events, append-only: a trigger refuses UPDATE and DELETE whoever the database user is.
 */
export class Migration20261126030000_accounts_and_audit extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "roles" (
        "id" uuid not null primary key,
        "name" text not null,
        "description" text not null default '',
        "built_in" boolean not null default false,
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null,
        constraint "roles_name_key" unique ("name"),
        constraint "roles_name_check" check ("name" ~ '^[a-z][a-z0-9_-]{1,47}$')
      );`);
    this.addSql(`
      insert into "roles" ("id", "name", "description", "built_in", "created_at", "updated_at") values
        ('01936f00-0000-7000-8000-000000000001', 'admin', 'Manages everything: users, roles, audit log, queues, every document.', true, now(), now()),
        ('01936f00-0000-7000-8000-000000000002', 'member', 'Uploads documents, shares them, chats over what they can read.', true, now(), now()),
        ('01936f00-0000-7000-8000-000000000003', 'viewer', 'Reads documents shared with them and chats over them.', true, now(), now());`);

    this.addSql(`
      create table "users" (
        "id" uuid not null primary key,
        "email" text not null,
        "display_name" text not null,
        "password_hash" text not null,
        "status" text not null default 'active',
        "role_id" uuid not null,
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null,
        "password_changed_at" timestamptz not null,
        constraint "users_email_key" unique ("email"),
        constraint "users_email_lower_check" check ("email" = lower("email")),
        constraint "users_status_check" check ("status" in ('active', 'disabled')),
        constraint "users_role_id_foreign" foreign key ("role_id") references "roles" ("id") on update cascade on delete restrict
      );`);
    this.addSql(`create index "users_role_id_idx" on "users" ("role_id");`);

    this.addSql(`
      create table "sessions" (
        "id" uuid not null primary key,
        "user_id" uuid not null,
        "token_hash" text not null,
        "created_at" timestamptz not null,
        "last_used_at" timestamptz not null,
        "idle_expires_at" timestamptz not null,
        "absolute_expires_at" timestamptz not null,
        "ip" text null,
        "user_agent" text null,
        "revoked_at" timestamptz null,
        "revoked_reason" text null,
        constraint "sessions_token_hash_key" unique ("token_hash"),
        constraint "sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade
      );`);
    this.addSql(`create index "sessions_user_id_idx" on "sessions" ("user_id", "created_at");`);

    this.addSql(`
      create table "spent_refresh_tokens" (
        "token_hash" text not null primary key,
        "session_id" uuid not null,
        "spent_at" timestamptz not null,
        constraint "spent_refresh_tokens_session_id_foreign" foreign key ("session_id") references "sessions" ("id") on update cascade on delete cascade
      );`);
    this.addSql(
      `create index "spent_refresh_tokens_session_id_idx" on "spent_refresh_tokens" ("session_id");`,
    );

    this.addSql(`
      create table "password_reset_tokens" (
        "id" uuid not null primary key,
        "user_id" uuid not null,
        "token_hash" text not null,
        "created_at" timestamptz not null,
        "expires_at" timestamptz not null,
        "used_at" timestamptz null,
        constraint "password_reset_tokens_token_hash_key" unique ("token_hash"),
        constraint "password_reset_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade
      );`);
    this.addSql(
      `create index "password_reset_tokens_user_id_idx" on "password_reset_tokens" ("user_id");`,
    );

    this.addSql(`
      create table "audit_events" (
        "id" uuid not null primary key,
        "occurred_at" timestamptz not null,
        "actor_id" uuid null,
        "action" text not null,
        "target_type" text null,
        "target_id" text null,
        "outcome" text not null default 'success',
        "ip" text null,
        "user_agent" text null,
        "request_id" text null,
        "metadata" jsonb not null default '{}',
        constraint "audit_events_outcome_check" check ("outcome" in ('success', 'failure', 'denied'))
      );`);
    this.addSql(
      `create index "audit_events_occurred_at_idx" on "audit_events" ("occurred_at", "id");`,
    );
    this.addSql(
      `create index "audit_events_actor_idx" on "audit_events" ("actor_id", "occurred_at");`,
    );
    this.addSql(
      `create index "audit_events_target_idx" on "audit_events" ("target_type", "target_id", "occurred_at");`,
    );
    this.addSql(
      `create index "audit_events_action_idx" on "audit_events" ("action", "occurred_at");`,
    );
    this.addSql(`
      create function "audit_events_append_only"() returns trigger language plpgsql as $$
      begin
        raise exception 'audit_events is append-only' using errcode = 'insufficient_privilege';
      end;
      $$;`);
    this.addSql(`
      create trigger "audit_events_no_update_or_delete"
        before update or delete on "audit_events"
        for each row execute function "audit_events_append_only"();`);
    this.addSql(`
      create trigger "audit_events_no_truncate"
        before truncate on "audit_events"
        for each statement execute function "audit_events_append_only"();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "audit_events";`);
    this.addSql(`drop function if exists "audit_events_append_only"();`);
    this.addSql(`drop table if exists "password_reset_tokens";`);
    this.addSql(`drop table if exists "spent_refresh_tokens";`);
    this.addSql(`drop table if exists "sessions";`);
    this.addSql(`drop table if exists "users";`);
    this.addSql(`drop table if exists "roles";`);
  }
}
