import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { caching, type Cache } from 'cache-manager';
import { redisInsStore, type RedisStore } from 'cache-manager-ioredis-yet';
import type { RedisSettings } from '@docent/config';
import { CACHE, REDIS_CLIENT } from './redis.constants';
import { closeRedisClient, createRedisClient, type RedisClient } from './redis.factory';

const CACHE_CLIENT = Symbol('CACHE_CLIENT');
const DEFAULT_CACHE_TTL_MS = 60_000;

export type DocentCache = Cache<RedisStore>;

/**
 * Redis for everything that is not a queue: the shared command client and the cache. Both are
 * closed after the HTTP server has drained (onApplicationShutdown).
 */
@Global()
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [ConfigService],
      useFactory: (config: ConfigService) =>
        createRedisClient(config.getOrThrow<RedisSettings>('redis'), { name: 'main' }),
    },
    {
      provide: CACHE_CLIENT,
      inject: [ConfigService],
      useFactory: (config: ConfigService) =>
        createRedisClient(config.getOrThrow<RedisSettings>('redis'), {
          name: 'cache',
          keyPrefix: 'cache:',
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
})
export class RedisModule implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS_CLIENT) private readonly client: RedisClient,
    @Inject(CACHE_CLIENT) private readonly cacheClient: RedisClient,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([closeRedisClient(this.client), closeRedisClient(this.cacheClient)]);
  }
}
