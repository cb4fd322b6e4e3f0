import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import type { RedisSettings } from '@docent/config';
import { REDIS_CLIENT } from '@docent/redis';
import {
  type IngestionEventMessage,
  type IngestionEventName,
  type IngestionEvents,
  ingestionEventsChannel,
} from './ingestion-events';

/**
 * Publishes ingestion events to Redis pub/sub through the shared client, on
 * `<REDIS_KEY_PREFIX>events:ingestion` (prefixed here: ioredis' keyPrefix does not apply to
 * channel names). Best effort: a failure is logged, never thrown, because the state is persisted
 * on the document anyway. The notifications issue delivers these events over socket.io (SPEC §8)
 * from the api, which subscribes to the same channel; the worker never emits over HTTP.
 *
 * Events of one document keep their order: they go over one connection, in call order.
 */
@Injectable()
export class IngestionEventPublisher {
  private readonly logger = new Logger('IngestionEventPublisher');
  readonly channel: string;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    config: ConfigService,
  ) {
    this.channel = ingestionEventsChannel(config.getOrThrow<RedisSettings>('redis').keyPrefix);
  }

  /** Never rejects. */
  async publish<E extends IngestionEventName>(
    event: E,
    payload: IngestionEvents[E],
  ): Promise<void> {
    const message: IngestionEventMessage<E> = { event, payload, at: new Date().toISOString() };
    try {
      await this.redis.publish(this.channel, JSON.stringify(message));
    } catch (error) {
      this.logger.warn(
        `could not publish ${event} for document=${payload.documentId}: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
  }
}
