import type { EntityManager } from '@mikro-orm/postgresql';
import type { MikroORM } from '@mikro-orm/core';
import type { Pool } from 'pg';
import { openOrm } from '@docent/database';
import { ENTITIES } from '@docent/schema';
import { testConfig } from './support/config';

/**
 * A connection that dies inside a transaction (the database restarts, the network drops it):
 * COMMIT and ROLLBACK both fail on it, and without libs/database/src/pool-guard.ts the pool never
 * got the client back. With one connection in the pool, the next query then waited for a free
 * connection until it gave up, and closing the ORM (every graceful shutdown) never finished.
 */
describe('the database connection pool after a connection dies mid-transaction', () => {
  let orm: MikroORM;
  let pool: Pool;

  beforeEach(async () => {
    const { database } = testConfig({ DATABASE_POOL_MAX: '1', DATABASE_CONNECT_TIMEOUT: '2s' });
    orm = await openOrm(database, ENTITIES);
    pool = (await orm.em.getConnection().getNativeClient()) as Pool;
  });

  afterEach(async () => {
    await orm.close(true);
  });

  /** A transaction whose own connection is terminated by the server in the middle. */
  async function brokenTransaction(): Promise<unknown> {
    return (orm.em.fork() as EntityManager).transactional(async (em) => {
      await em.execute('select 1');
      await em.execute('select pg_terminate_backend(pg_backend_pid())');
    });
  }

  it('drops the dead connection and serves the next query with a new one', async () => {
    await expect(brokenTransaction()).rejects.toThrow();
    const rows = await (orm.em.fork() as EntityManager).execute<{ ok: number }[]>('select 1 as ok');
    expect(rows).toEqual([{ ok: 1 }]);
    expect(pool.totalCount).toBe(1);
  });

  it('keeps serving after several such failures (no connection is lost each time)', async () => {
    for (let i = 0; i < 3; i += 1) await expect(brokenTransaction()).rejects.toThrow();
    const em = orm.em.fork() as EntityManager;
    const rows = await em.transactional((tx) => tx.execute<{ n: number }[]>('select 2 as n'));
    expect(rows).toEqual([{ n: 2 }]);
  });

  it('closes: nothing stays checked out', async () => {
    await expect(brokenTransaction()).rejects.toThrow();
    await orm.close();
    expect(pool.totalCount).toBe(0);
  });
});
