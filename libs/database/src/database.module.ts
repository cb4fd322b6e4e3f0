import { MikroOrmModule } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { DatabaseSettings } from '@docent/config';
import { buildOrmOptions, type EntityList } from './orm.config';

/**
 * MikroORM on PostgreSQL. The entity list comes from `@docent/schema` (apps and the migration
 * CLI share it); every request and job works in its own request context.
 */
@Module({})
export class DatabaseModule {
  static forRoot(entities: EntityList): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        MikroOrmModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            ...buildOrmOptions(config.getOrThrow<DatabaseSettings>('database'), entities),
            registerRequestContext: true,
          }),
          driver: PostgreSqlDriver,
        }),
      ],
    };
  }
}
