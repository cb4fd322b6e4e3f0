import { ENTITIES } from '@docent/schema';
import { openOrm, pendingMigrations } from '@docent/database';
import { testConfig } from './support/config';

/** The migrations (hand-written SQL) and the entities must describe the same schema. */
describe('database schema', () => {
  it('has every migration applied and nothing the entities would change', async () => {
    const orm = await openOrm(testConfig().database, ENTITIES);
    try {
      expect(await pendingMigrations(orm)).toEqual([]);
      const diff = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false, safe: false });
      expect(diff.trim()).toBe('');
    } finally {
      await orm.close(true);
    }
  });

  it('keeps the audit log append-only', async () => {
    const orm = await openOrm(testConfig().database, ENTITIES);
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
});
