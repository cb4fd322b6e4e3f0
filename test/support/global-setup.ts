// globalSetup runs outside jest's module mapper: import the libraries by relative path.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { loadConfig } from '../../libs/config/src';
import { grantAppRole } from '../../libs/database/src/app-role';
import { migrateUp, openOrm } from '../../libs/database/src/migrator';
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
  const ownerUrl = new URL(TEST_DATABASE_URL);
  ownerUrl.pathname = `/${databaseName}`;
  // the apps under test connect as the least-privilege role production uses (no DDL, audit log
  // append-only), granted by the same code `migration:up` runs; the owner URL is for test set-up
  const appRole = `docent_test_app_${runId}`;
  const appPassword = randomBytes(18).toString('base64url');
  const appUrl = new URL(ownerUrl);
  appUrl.username = appRole;
  appUrl.password = appPassword;
  process.env.DOCENT_TEST_RUN_ID = runId;
  process.env.DOCENT_TEST_DATABASE_URL = appUrl.toString();
  process.env.DOCENT_TEST_DATABASE_OWNER_URL = ownerUrl.toString();
  process.env.DOCENT_TEST_DATABASE_NAME = databaseName;
  process.env.DOCENT_TEST_DATABASE_APP_ROLE = appRole;
  process.env.DOCENT_TEST_REDIS_URL = TEST_REDIS_URL;
  process.env.DOCENT_TEST_REDIS_PREFIX = `docent-test:${runId}:`;

  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: ownerUrl.toString() });
  // migrations are plain SQL: no entity metadata needed (test/schema.e2e-spec.ts checks they agree)
  const orm = await openOrm(config.database, []);
  try {
    await migrateUp(orm);
    await grantAppRole(orm, { name: appRole, password: appPassword });
  } finally {
    await orm.close(true);
  }
}
