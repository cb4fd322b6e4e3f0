import type { MikroORM } from '@mikro-orm/postgresql';

export interface AppRoleOptions {
  name: string;
  /** Set (or changed) on every run; undefined leaves an existing role's password alone. */
  password?: string;
}

/**
 * One server-side block, so identifiers and the password are quoted by PostgreSQL's `format`
 * (`%I`, `%L`) and never pass through client-side SQL text. Its inputs arrive as transaction-local
 * settings. The apps' role gets what they need and nothing else: connect, use the schema, read and
 * write rows. No DDL (no CREATE on the schema, owner of nothing, so no ALTER or DROP), no
 * TRUNCATE, REFERENCES or TRIGGER, the audit log INSERT and SELECT only, the migration history
 * read-only.
 */
const GRANT_APP_ROLE = `
do $grant$
declare
  app text := current_setting('docent.app_role');
  secret text := nullif(current_setting('docent.app_password'), '');
  attributes text := 'login nosuperuser nocreatedb nocreaterole noreplication nobypassrls';
begin
  if app = current_user then
    raise exception 'DATABASE_APP_ROLE (%) is the role migrations run as; it must be a separate role', app;
  end if;
  if exists (select 1 from pg_roles where rolname = app) then
    execute format('alter role %I ', app) || attributes;
  else
    execute format('create role %I ', app) || attributes;
  end if;
  if secret is not null then
    execute format('alter role %I password %L', app, secret);
  end if;
  -- PostgreSQL before 15 lets every role create objects in public
  execute 'revoke create on schema public from public';
  execute format('grant connect on database %I to %I', current_database(), app);
  execute format('grant usage on schema public to %I', app);
  execute format('revoke create on schema public from %I', app);
  execute format('grant select, insert, update, delete on all tables in schema public to %I', app);
  execute format('revoke truncate, references, trigger on all tables in schema public from %I', app);
  execute format('grant usage, select on all sequences in schema public to %I', app);
  execute format('revoke insert, update, delete on mikro_orm_migrations from %I', app);
  execute format('revoke update, delete on audit_events from %I', app);
end
$grant$`;

/**
 * Creates or updates the role the apps run as (see GRANT_APP_ROLE). Runs after every
 * `migration:up`, as the owner role that ran the migrations, so tables added by new migrations are
 * granted too; idempotent.
 */
export async function grantAppRole(orm: MikroORM, role: AppRoleOptions): Promise<void> {
  await orm.em.fork().transactional(async (em) => {
    const connection = em.getConnection();
    const context = em.getTransactionContext();
    await connection.execute(
      `select set_config('docent.app_role', ?, true), set_config('docent.app_password', ?, true)`,
      [role.name, role.password ?? ''],
      'all',
      context,
    );
    await connection.execute(GRANT_APP_ROLE, [], 'run', context);
  });
}
