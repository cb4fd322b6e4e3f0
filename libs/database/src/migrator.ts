import type { Migrator } from '@mikro-orm/migrations';
import { MikroORM } from '@mikro-orm/postgresql';
import { readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DatabaseSettings } from '@docent/config';
import { buildOrmOptions, type EntityList, MIGRATIONS_SOURCE_DIR } from './orm.config';

/** Opens a short-lived ORM for schema work (CLI, test setup). */
export async function openOrm(settings: DatabaseSettings, entities: EntityList): Promise<MikroORM> {
  return MikroORM.init(buildOrmOptions(settings, entities));
}

/** The SQL migrator registered in `buildOrmOptions` (`extensions: [Migrator]`). */
function migrator(orm: MikroORM): Migrator {
  return orm.migrator as Migrator;
}

/** Applies every pending migration in one transaction; returns the names applied. */
export async function migrateUp(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((migration) => migration.name);
}

export async function migrateDown(orm: MikroORM): Promise<string[]> {
  const reverted = await orm.migrator.down();
  return reverted.map((migration) => migration.name);
}

export async function pendingMigrations(orm: MikroORM): Promise<string[]> {
  return (await migrator(orm).getPending()).map((migration) => migration.name);
}

/**
 * Writes a migration for the difference between the entities and the database into the source
 * folder, then regenerates `migrations/index.ts` so the new class is compiled into the list.
 */
export async function createMigration(
  orm: MikroORM,
  name?: string,
  blank = false,
): Promise<string | undefined> {
  const dir = resolve(MIGRATIONS_SOURCE_DIR);
  const result = await migrator(orm).create(dir, blank, false, name);
  if (!result.fileName) return undefined;
  writeMigrationIndex(dir);
  return join(MIGRATIONS_SOURCE_DIR, result.fileName);
}

export function writeMigrationIndex(dir: string): void {
  const files = readdirSync(dir)
    .filter((file) => /^Migration\d.*\.ts$/.test(file))
    .sort();
  const classes = files.map((file) => file.replace(/\.ts$/, ''));
  const lines = [
    '// The compiled list of migrations, oldest first. `npm run migration:create` rewrites this file.',
    "import type { MigrationObject } from '@mikro-orm/core';",
    ...classes.map((cls) => `import { ${cls.replace(/[^A-Za-z0-9_]/g, '_')} } from './${cls}';`),
    '',
    `export const MIGRATIONS: MigrationObject[] = [${classes.length ? '\n' : ''}${classes
      .map((cls) => `  { name: '${cls}', class: ${cls.replace(/[^A-Za-z0-9_]/g, '_')} },\n`)
      .join('')}];`,
    '',
  ];
  writeFileSync(join(dir, 'index.ts'), lines.join('\n'));
}
