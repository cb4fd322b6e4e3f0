import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrateUp, openOrm } from '@docent/database';
import { testConfig } from './config';
import { TEST_DATABASE_URL } from './services';

/**
 * A database of its own, migrated, for a test that needs an empty one (the run's shared
 * database holds every other test file's rows). Call `drop()` when done.
 */
export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `docent_fresh_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const orm = await openOrm(testConfig({ DATABASE_URL: url.toString() }).database, []);
  try {
    await migrateUp(orm);
  } finally {
    await orm.close(true);
  }
  return {
    url: url.toString(),
    async drop() {
      const client = new Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`drop database if exists "${name}" with (force)`);
      await client.end();
    },
  };
}
