import { BullModule } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { RedisSettings } from '@docent/config';
import { createRedisClient } from '@docent/redis';
import { BullConnections, BullConnectionsModule } from './bull-connections';
import { QUEUE_NAMES } from './queue.contracts';
import { QueueLifecycle } from './queue-lifecycle';

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
    BullModule.registerQueue(...QUEUE_NAMES.map((name) => ({ name }))),
  ],
  providers: [QueueLifecycle],
  exports: [BullModule],
})
export class QueueModule {}
