// globalSetup runs outside jest's module mapper: import the libraries by relative path.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { loadConfig } from '../../libs/config/src';
import { migrateUp, openOrm } from '../../libs/database/src';
import { assertServicesUp, TEST_DATABASE_URL, TEST_REDIS_URL } from './services';

/**
 * Once per run: check the services, create this run's own database, apply every migration the
 * way `npm run migration:up` does. Test workers inherit the variables set here.
 */
export default async function globalSetup(): Promise<void> {
  await assertServicesUp();
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const databaseName = `docent_test_${runId}`;
  const admin = new Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`create database "${databaseName}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${databaseName}`;
  process.env.DOCENT_TEST_RUN_ID = runId;
  process.env.DOCENT_TEST_DATABASE_URL = url.toString();
  process.env.DOCENT_TEST_DATABASE_NAME = databaseName;
  process.env.DOCENT_TEST_REDIS_URL = TEST_REDIS_URL;
  process.env.DOCENT_TEST_REDIS_PREFIX = `docent-test:${runId}:`;

  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: url.toString() });
  // migrations are plain SQL: no entity metadata needed (test/schema.e2e-spec.ts checks they agree)
  const orm = await openOrm(config.database, []);
  try {
    await migrateUp(orm);
  } finally {
    await orm.close(true);
  }
}
