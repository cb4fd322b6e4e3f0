import { BullModule } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { RedisSettings } from '@docent/config';
import { createRedisClient } from '@docent/redis';
import { BullConnections, BullConnectionsModule } from './bull-connections';
import { QUEUE_NAMES, type QueueName } from './queue.contracts';
import { QueueLifecycle } from './queue-lifecycle';

/**
 * Where a queue's keys live. One node: `<REDIS_KEY_PREFIX>bull:<queue>:…`, as always. A Redis
 * Cluster: `<REDIS_KEY_PREFIX>bull:{<queue>}:<queue>:…`, a hash tag per queue, so every key of a
 * queue is in one slot (bull's Lua scripts touch several of them at once) while the queues spread
 * over the masters. The single-node layout is kept so an upgrade finds its waiting jobs; a move to
 * a cluster starts with empty queues (README, "Redis Cluster").
 */
export function bullPrefix(settings: RedisSettings, queue: QueueName): string {
  return settings.cluster ? `${settings.keyPrefix}bull:{${queue}}` : `${settings.keyPrefix}bull`;
}

/**
 * Bull root configuration: one Redis factory, prefix under REDIS_KEY_PREFIX, all queues
 * registered once and available to every module (producers inject them with @InjectQueue).
 */
@Global()
@Module({
  imports: [
    BullConnectionsModule,
    BullModule.forRootAsync({
      imports: [BullConnectionsModule],
      inject: [ConfigService, BullConnections],
      useFactory: (config: ConfigService, connections: BullConnections) => {
        const settings = config.getOrThrow<RedisSettings>('redis');
        return {
          prefix: `${settings.keyPrefix}bull`,
          // bull requires these for its blocking and subscriber connections; it applies its own prefix
          createClient: (type) =>
            connections.track(
              createRedisClient(settings, {
                name: `bull-${type}`,
                keyPrefix: false,
                // blocking pops and long scripts; uploads bound their enqueue themselves
                failFast: false,
                overrides:
                  type === 'client' ? {} : { maxRetriesPerRequest: null, enableReadyCheck: false },
              }),
            ),
          defaultJobOptions: {
            removeOnComplete: { age: 24 * 3600, count: 1000 },
            removeOnFail: { age: 14 * 24 * 3600 },
          },
        };
      },
    }),
    BullModule.registerQueueAsync(
      ...QUEUE_NAMES.map((name) => ({
        name,
        inject: [ConfigService],
        useFactory: (config: ConfigService) => ({
          prefix: bullPrefix(config.getOrThrow<RedisSettings>('redis'), name),
        }),
      })),
    ),
  ],
  providers: [QueueLifecycle],
  exports: [BullModule],
})
export class QueueModule {}
