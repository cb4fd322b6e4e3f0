import { MikroORM, RequestContext as OrmRequestContext } from '@mikro-orm/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { type EntityManager, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { type DynamicModule, Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { currentRequest } from '@docent/common';
import type { DatabaseSettings } from '@docent/config';
import { buildOrmOptions, type EntityList } from './orm.config';

/** The application's root entity manager, known once the ORM is up (one per app instance). */
interface RootEntityManager {
  em?: EntityManager;
}

const ROOT_ENTITY_MANAGER = Symbol('RootEntityManager');

@Injectable()
class RootEntityManagerBinding implements OnModuleInit {
  constructor(
    private readonly orm: MikroORM,
    @Inject(ROOT_ENTITY_MANAGER) private readonly root: RootEntityManager,
  ) {}

  onModuleInit(): void {
    this.root.em = this.orm.em as EntityManager;
  }
}

/**
 * Which entity manager the injected (global) one stands for at this moment: a transaction's, or
 * one opened with MikroORM's `RequestContext.create` (jobs, socket handlers), or else the HTTP
 * request's own fork, made the first time the request touches the database. MikroORM's own
 * request-context middleware forked one for every request, database or not, behind one more
 * middleware and one more async context; here the request's context is the one it already has
 * (`currentRequest`), and a route that never queries pays nothing. Outside all of these it is
 * the global manager, which refuses to work (`allowGlobalContext: false`).
 */
function requestScopedContext(root: RootEntityManager) {
  return (name: string): EntityManager | undefined => {
    const opened = OrmRequestContext.getEntityManager(name) as EntityManager | undefined;
    if (opened) return opened;
    const request = currentRequest();
    if (!request || !root.em) return undefined;
    request.entityManager ??= root.em.fork({ disableContextResolution: true });
    return request.entityManager as EntityManager;
  };
}

/**
 * MikroORM on PostgreSQL. The entity list comes from `@docent/schema` (apps and the migration
 * CLI share it); every request and job works in its own context (see requestScopedContext).
 */
@Module({})
export class DatabaseModule {
  static forRoot(entities: EntityList): DynamicModule {
    const root: RootEntityManager = {};
    return {
      module: DatabaseModule,
      imports: [
        MikroOrmModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            ...buildOrmOptions(config.getOrThrow<DatabaseSettings>('database'), entities),
            registerRequestContext: false,
            context: requestScopedContext(root),
          }),
          driver: PostgreSqlDriver,
        }),
      ],
      providers: [{ provide: ROOT_ENTITY_MANAGER, useValue: root }, RootEntityManagerBinding],
    };
  }
}
