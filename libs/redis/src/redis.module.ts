import {
  type DynamicModule,
  Global,
  Inject,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { caching, type Cache } from 'cache-manager';
import { redisInsStore, type RedisStore } from 'cache-manager-ioredis-yet';
import type { RedisSettings } from '@docent/config';
import { CACHE, REDIS_CLIENT } from './redis.constants';
import { closeRedisClient, createRedisClient, type RedisClient } from './redis.factory';

const CACHE_CLIENT = Symbol('CACHE_CLIENT');
const DEFAULT_CACHE_TTL_MS = 60_000;

export type DocentCache = Cache<RedisStore>;

export interface RedisModuleOptions {
  /**
   * Fail a command after REDIS_COMMAND_TIMEOUT (default true): right for the api, where a person
   * waits and an outage must answer 503 at once. The worker passes false: nobody waits on its
   * commands, which wait for Redis to come back instead, so a pause of the worker's event loop
   * (a long garbage collection, chunking a large document) never turns into a failed job.
   */
  failFast?: boolean;
}

/**
 * Redis for everything that is not a queue: the shared command client and the cache. Both are
 * closed after the HTTP server has drained (onApplicationShutdown).
 */
@Global()
@Module({})
export class RedisModule implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS_CLIENT) private readonly client: RedisClient,
    @Inject(CACHE_CLIENT) private readonly cacheClient: RedisClient,
  ) {}

  static forRoot(options: RedisModuleOptions = {}): DynamicModule {
    const failFast = options.failFast !== false;
    return {
      module: RedisModule,
      global: true,
      providers: [
        {
          provide: REDIS_CLIENT,
          inject: [ConfigService],
          useFactory: (config: ConfigService) =>
            createRedisClient(config.getOrThrow<RedisSettings>('redis'), {
              name: 'main',
              failFast,
            }),
        },
        {
          provide: CACHE_CLIENT,
          inject: [ConfigService],
          useFactory: (config: ConfigService) =>
            createRedisClient(config.getOrThrow<RedisSettings>('redis'), {
              name: 'cache',
              keyPrefix: 'cache:',
              failFast,
            }),
        },
        {
          provide: CACHE,
          inject: [CACHE_CLIENT],
          useFactory: (client: RedisClient): Promise<DocentCache> =>
            caching(redisInsStore(client, { ttl: DEFAULT_CACHE_TTL_MS })),
        },
      ],
      exports: [REDIS_CLIENT, CACHE],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([closeRedisClient(this.client), closeRedisClient(this.cacheClient)]);
  }
}
