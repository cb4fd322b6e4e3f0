import { ENTITIES } from '@docent/schema';
import { migrateUp, openOrm, pendingMigrations } from '@docent/database';
import { ownerDatabaseUrl, testConfig } from './support/config';

/** The migrations (hand-written SQL) and the entities must describe the same schema. */
describe('database schema', () => {
  it('has every migration applied and nothing the entities would change', async () => {
    // as the owner: information_schema shows check constraints only to a table's owner
    const orm = await openOrm({ ...testConfig().database, url: ownerDatabaseUrl() }, ENTITIES);
    try {
      expect(await pendingMigrations(orm)).toEqual([]);
      const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false, safe: false });
      expect(diff.trim()).toBe('');
    } finally {
      await orm.close(true);
    }
  });

  it("keeps a chunk's tsvector in the row, so ranking reads no TOAST for it", async () => {
    // the storage is no part of the entities (the diff above cannot see it): without `main`,
    // PostgreSQL moves a chunk's tsvector out of line and every scored candidate costs a TOAST
    // lookup (bench/RESULTS.md, section search-scale)
    const orm = await openOrm({ ...testConfig().database, url: ownerDatabaseUrl() }, ENTITIES);
    try {
      const rows = await orm.em.getConnection().execute<{ attname: string; attstorage: string }[]>(
        `select attname, attstorage from pg_attribute
          where attrelid = 'document_chunks'::regclass and attname in ('tsv', 'content')
          order by attname`,
      );
      expect(rows).toEqual([
        { attname: 'content', attstorage: 'x' },
        { attname: 'tsv', attstorage: 'm' },
      ]);
      // nor a chunk's vector (2 KB that does not compress): plain, in the row
      const vectors = await orm.em.getConnection().execute<{ attstorage: string }[]>(
        `select attstorage from pg_attribute
          where attrelid = 'document_chunk_embeddings'::regclass and attname = 'embedding'`,
      );
      expect(vectors).toEqual([{ attstorage: 'p' }]);
    } finally {
      await orm.close(true);
    }
  });

  it('keeps the audit log append-only, even for its owner', async () => {
    const orm = await openOrm({ ...testConfig().database, url: ownerDatabaseUrl() }, ENTITIES);
    try {
      const connection = orm.em.getConnection();
      await connection.execute(
        `insert into audit_events (id, occurred_at, action, outcome, metadata) values (gen_random_uuid(), now(), 'test.append_only', 'success', '{}')`,
      );
      await expect(
        connection.execute(
          `update audit_events set action = 'x' where action = 'test.append_only'`,
        ),
      ).rejects.toThrow(/append-only/);
      await expect(
        connection.execute(`delete from audit_events where action = 'test.append_only'`),
      ).rejects.toThrow(/append-only/);
      await expect(connection.execute(`truncate audit_events`)).rejects.toThrow(/append-only/);
    } finally {
      await orm.close(true);
    }
  });

  it("leaves the app's own (non-superuser) database role unable to change audit entries", async () => {
    const suffix = Math.random().toString(36).slice(2, 8);
    const role = `docent_app_${suffix}`;
    const database = `docent_priv_${suffix}`;
    const admin = await openOrm({ ...testConfig().database, url: ownerDatabaseUrl() }, []);
    const base = new URL(ownerDatabaseUrl());
    try {
      await admin.em.getConnection().execute(`create role "${role}" login`);
      await admin.em.getConnection().execute(`create database "${database}" owner "${role}"`);
      const url = new URL(base.toString());
      url.username = role;
      url.password = '';
      url.pathname = `/${database}`;
      const appOrm = await openOrm({ ...testConfig().database, url: url.toString() }, []);
      try {
        await migrateUp(appOrm);
        const connection = appOrm.em.getConnection();
        const [rights] = await connection.execute<
          { update: boolean; delete: boolean; insert: boolean; select: boolean }[]
        >(
          `select has_table_privilege('audit_events', 'UPDATE') as "update",
                  has_table_privilege('audit_events', 'DELETE') as "delete",
                  has_table_privilege('audit_events', 'INSERT') as "insert",
                  has_table_privilege('audit_events', 'SELECT') as "select"`,
        );
        expect(rights).toEqual({ update: false, delete: false, insert: true, select: true });
        await connection.execute(
          `insert into audit_events (id, occurred_at, action, outcome, metadata) values (gen_random_uuid(), now(), 'x', 'success', '{}')`,
        );
        await expect(connection.execute(`delete from audit_events`)).rejects.toThrow(
          /permission denied/,
        );
      } finally {
        await appOrm.close(true);
      }
    } finally {
      await admin.em.getConnection().execute(`drop database if exists "${database}" with (force)`);
      await admin.em.getConnection().execute(`drop role if exists "${role}"`);
      await admin.close(true);
    }
  });
});
