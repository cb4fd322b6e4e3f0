import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { grantAppRole, openOrm } from '@docent/database';
import { ensureBuiltApi } from './support/built-worker';
import { ownerDatabaseUrl, testConfig } from './support/config';

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** One statement as the given URL's role; resolves with the SQLSTATE it failed with, or 'ok'. */
async function outcome(url: string, sql: string): Promise<string> {
  try {
    await query(url, sql);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

const INSUFFICIENT_PRIVILEGE = '42501';

/**
 * The apps run as a least-privilege role (issue 12 #10): rows only, no DDL, the audit log
 * append-only. Every e2e test already runs the apps as this role (test/support/global-setup.ts
 * grants it with the same code `migration:up` runs); this file proves what the role cannot do.
 */
describe('the application database role', () => {
  const appUrl = () => testConfig().database.url;

  it('reads and writes rows', async () => {
    expect(await outcome(appUrl(), 'select count(*) from users')).toBe('ok');
    expect(await outcome(appUrl(), 'select count(*) from mikro_orm_migrations')).toBe('ok');
    expect(
      await outcome(
        appUrl(),
        `insert into audit_events (id, occurred_at, action, outcome, metadata)
         values (gen_random_uuid(), now(), 'test.role', 'success', '{}')`,
      ),
    ).toBe('ok');
  });

  it.each([
    ['create a table', 'create table sneaky (id int)'],
    ['alter a table', 'alter table documents add column sneaky int'],
    ['drop a table', 'drop table document_shares'],
    ['truncate a table', 'truncate document_shares'],
    ['add a trigger function', 'create function sneaky() returns int language sql as $$select 1$$'],
    ['change the audit log', `update audit_events set action = 'x' where action = 'test.role'`],
    ['delete from the audit log', `delete from audit_events where action = 'test.role'`],
    ['rewrite the migration history', `delete from mikro_orm_migrations`],
    ['create a role', 'create role sneaky login'],
  ])('may not %s', async (_what, sql) => {
    expect(await outcome(appUrl(), sql)).toBe(INSUFFICIENT_PRIVILEGE);
  });

  it('is granted tables that later migrations add, and re-granting is idempotent', async () => {
    const table = `later_${randomBytes(4).toString('hex')}`;
    const role = new URL(appUrl()).username;
    expect(await outcome(ownerDatabaseUrl(), `create table ${table} (id int)`)).toBe('ok');
    try {
      expect(await outcome(appUrl(), `insert into ${table} values (1)`)).toBe(
        INSUFFICIENT_PRIVILEGE,
      );
      const orm = await openOrm({ ...testConfig().database, url: ownerDatabaseUrl() }, []);
      try {
        await grantAppRole(orm, { name: role });
        await grantAppRole(orm, { name: role });
      } finally {
        await orm.close(true);
      }
      expect(await outcome(appUrl(), `insert into ${table} values (1)`)).toBe('ok');
      expect(await outcome(appUrl(), `alter table ${table} add column x int`)).toBe(
        INSUFFICIENT_PRIVILEGE,
      );
    } finally {
      await outcome(ownerDatabaseUrl(), `drop table ${table}`);
    }
  });

  it('refuses to make the owner role its own least-privilege role', async () => {
    const owner = new URL(ownerDatabaseUrl()).username;
    const orm = await openOrm({ ...testConfig().database, url: ownerDatabaseUrl() }, []);
    try {
      await expect(grantAppRole(orm, { name: owner })).rejects.toThrow(/must be a separate role/);
    } finally {
      await orm.close(true);
    }
  });

  it('is created by `migration:up` when DATABASE_APP_ROLE is set, on a fresh database', async () => {
    const entry = ensureBuiltApi();
    const suffix = randomBytes(4).toString('hex');
    const database = `docent_role_${suffix}`;
    const role = `docent_cli_${suffix}`;
    const password = `pw?'${suffix}"$$`;
    expect(await outcome(ownerDatabaseUrl(), `create database ${database}`)).toBe('ok');
    try {
      const owner = new URL(ownerDatabaseUrl());
      owner.pathname = `/${database}`;
      const migrate = spawnSync(process.execPath, [join(entry, '..', 'migrate.js'), 'up'], {
        encoding: 'utf8',
        cwd: join(__dirname, '..'),
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'test',
          DATABASE_URL: owner.toString(),
          DATABASE_APP_ROLE: role,
          DATABASE_APP_PASSWORD: password,
        },
      });
      expect(migrate.stderr).toBe('');
      expect(migrate.status).toBe(0);
      expect(migrate.stdout).toContain(`role ${role}: read/write on rows only`);
      const app = new URL(owner);
      app.username = role;
      app.password = password;
      expect(await outcome(app.toString(), 'select count(*) from documents')).toBe('ok');
      expect(await outcome(app.toString(), 'create table sneaky (id int)')).toBe(
        INSUFFICIENT_PRIVILEGE,
      );
      expect(
        await query(
          owner.toString(),
          'select rolsuper, rolcreaterole, rolcreatedb from pg_roles where rolname = $1',
          [role],
        ),
      ).toEqual([{ rolsuper: false, rolcreaterole: false, rolcreatedb: false }]);
    } finally {
      await outcome(ownerDatabaseUrl(), `drop database if exists ${database} with (force)`);
      await outcome(ownerDatabaseUrl(), `drop role if exists ${role}`);
    }
  });
});
