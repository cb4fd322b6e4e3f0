import type { Pool, PoolClient } from 'pg';

type Release = (error?: Error | boolean) => void;

/**
 * Gives a pooled connection that dies while checked out back to the pool as broken.
 *
 * MikroORM 7 runs `em.transactional` on a Kysely controlled transaction, which hands its
 * connection back to the pool only once BEGIN, COMMIT or ROLLBACK has succeeded. When the
 * connection dies in the middle (the database restarts, the network drops it), those fail and the
 * client stays checked out for ever: the pool loses one connection per broken transaction (so
 * enough outages exhaust it and every request waits for a connection that never comes back), and
 * `pool.end()`, the ORM's close on shutdown, waits for it without end (seen as a shutdown that
 * ran out of time after a PostgreSQL cut in the chaos suite).
 *
 * Here every client's `release` becomes idempotent (pg-pool throws on a second call), and a
 * client whose connection ends while it is checked out is released with an error, which makes
 * the pool drop it and open a fresh one when needed. Whoever held it gets the connection error
 * from its next query, as before.
 */
export function releaseDeadConnections(pool: Pool): void {
  const guarded = new WeakSet<PoolClient>();
  pool.on('acquire', (client: PoolClient) => {
    if (guarded.has(client)) return;
    guarded.add(client);
    /** pg-pool's release for the current checkout; unset while the client is idle. */
    let current: Release | undefined;
    const release: Release = (error) => {
      const pending = current;
      current = undefined;
      pending?.(error);
    };
    // pg-pool assigns `client.release` right after 'acquire', on every checkout
    Object.defineProperty(client, 'release', {
      configurable: true,
      enumerable: false,
      get: () => release,
      set: (fn: Release) => {
        current = fn;
      },
    });
    client.once('end', () => {
      if (current) release(new Error('PostgreSQL connection ended while checked out'));
    });
  });
}
