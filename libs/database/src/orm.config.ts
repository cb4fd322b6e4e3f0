import { Logger } from '@nestjs/common';
import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, type Options } from '@mikro-orm/postgresql';
import type { DatabaseSettings } from '@docent/config';
import { MIGRATIONS } from './migrations';
import { releaseDeadConnections } from './pool-guard';

const ormLogger = new Logger('PostgreSQL');

export type EntityList = NonNullable<Options['entities']>;

/** Where `migration:create` writes new migrations (source, TypeScript). */
export const MIGRATIONS_SOURCE_DIR = 'libs/database/src/migrations';

function sslOption(settings: DatabaseSettings) {
  if (settings.sslMode === 'disable') return undefined;
  return {
    rejectUnauthorized: settings.sslMode === 'verify-full',
    ca: settings.sslCa,
  };
}

/**
 * The one MikroORM configuration, shared by both apps, the migration runner and the tests.
 * Entities are listed explicitly (no globs); migrations come from a compiled list, so the same
 * code runs from TypeScript sources and from `dist/`.
 */
export function buildOrmOptions(settings: DatabaseSettings, entities: EntityList) {
  return defineConfig({
    clientUrl: settings.url,
    entities,
    // registered explicitly: MikroORM's fallback lookup depends on the working directory
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: false },
    forceUtcTimezone: true,
    allowGlobalContext: false,
    ensureDatabase: false,
    debug: false,
    // what MikroORM logs without debug mode (deprecations) goes through the app's structured
    // logger instead of the console, without terminal colours
    logger: (message: string) => ormLogger.warn(message),
    colors: false,
    // legacy (experimental) decorators with emitDecoratorMetadata: types come from reflect-metadata
    metadataProvider: ReflectMetadataProvider,
    pool: { min: 0, max: settings.poolMax },
    // node-postgres Pool options: connectionTimeoutMillis bounds both a new connection and the
    // wait for a free one, so a down or saturated database fails fast instead of queueing
    driverOptions: {
      ssl: sslOption(settings),
      connectionTimeoutMillis: settings.connectTimeoutMs,
      keepAlive: true,
      application_name: 'docent',
      // a connection that dies inside a transaction would otherwise never return to the pool
      onPoolCreated: releaseDeadConnections,
    },
    // the schema is written by hand in the migrations, triggers and their functions included:
    // the entities describe tables, and the comparison (test/schema.e2e-spec.ts) leaves those alone
    schemaGenerator: { ignoreTriggers: true, ignoreRoutines: true },
    migrations: {
      tableName: 'mikro_orm_migrations',
      migrationsList: MIGRATIONS,
      path: MIGRATIONS_SOURCE_DIR,
      pathTs: MIGRATIONS_SOURCE_DIR,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
      // the migrate CLI reports what it applied; MikroORM 7 would also log every step
      silent: true,
    },
  });
}
