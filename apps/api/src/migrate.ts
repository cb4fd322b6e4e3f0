// first: refuses an unsupported Node.js with one line, before anything else loads
import '@docent/common/node-version';
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { ConfigValidationError, loadConfig } from '@docent/config';
import {
  createMigration,
  grantAppRole,
  migrateDown,
  migrateUp,
  openOrm,
  pendingMigrations,
} from '@docent/database';
import { ENTITIES } from '@docent/schema';

const USAGE = 'usage: migrate <up|down|pending|create [name] [--blank]>';

/** `npm run migration:up` / `migration:create`: schema changes outside the running apps. */
async function main(argv: string[]): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const [command, ...rest] = argv;
  if (!command || !['up', 'down', 'pending', 'create'].includes(command)) {
    console.error(USAGE);
    process.exit(2);
  }
  const config = loadConfig(process.env);
  const orm = await openOrm(config.database, ENTITIES);
  try {
    if (command === 'up') {
      const applied = await migrateUp(orm);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      const { appRole } = config.database;
      if (appRole) {
        await grantAppRole(orm, appRole);
        console.log(
          `role ${appRole.name}: read/write on rows only (no DDL, audit log append-only)`,
        );
      }
    } else if (command === 'down') {
      const reverted = await migrateDown(orm);
      console.log(reverted.length ? `reverted: ${reverted.join(', ')}` : 'nothing to revert');
    } else if (command === 'pending') {
      const pending = await pendingMigrations(orm);
      console.log(pending.length ? `pending: ${pending.join(', ')}` : 'no pending migrations');
    } else {
      const name = rest.find((arg) => !arg.startsWith('--'));
      const file = await createMigration(orm, name, rest.includes('--blank'));
      console.log(file ? `created ${file}` : 'no schema changes found; nothing created');
    }
  } finally {
    await orm.close(true);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof ConfigValidationError ? error.message : error);
  process.exit(1);
});
