import { MikroORM } from '@mikro-orm/core';
import { getQueueToken } from '@nestjs/bull';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { Queue } from 'bull';
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import type { StorageSettings } from '@docent/config';
import { QUEUE_NAMES } from '@docent/queue';
import { REDIS_CLIENT, type RedisClient } from '@docent/redis';
import { withTimeout } from './timeout';

/** Each dependency gets this long to answer; the whole readiness check stays under 2 s. */
export const CHECK_TIMEOUT_MS = 1500;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Up with what `probe` resolves to; down with the message of what it threw (after `prefix`). */
async function upOrDown(
  indicator: ReturnType<HealthIndicatorService['check']>,
  probe: () => Promise<Record<string, unknown> | undefined>,
  prefix = '',
): Promise<HealthIndicatorResult> {
  try {
    return indicator.up(await probe());
  } catch (error) {
    return indicator.down({ message: prefix + messageOf(error) });
  }
}

@Injectable()
export class DatabaseIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly moduleRef: ModuleRef,
  ) {}

  async check(key = 'database'): Promise<HealthIndicatorResult> {
    const started = Date.now();
    return upOrDown(this.indicators.check(key), async () => {
      const orm = this.moduleRef.get(MikroORM, { strict: false });
      await withTimeout(orm.em.getConnection().execute('select 1'), CHECK_TIMEOUT_MS, 'PostgreSQL');
      return { latencyMs: Date.now() - started };
    });
  }
}

/**
 * PING through an existing connection. A connection that is still opening (lazily created by
 * bull) gets the check's time budget to become ready; one that is reconnecting or closed is
 * reported down at once instead of queueing a PING behind the outage.
 */
async function pingRedis(client: RedisClient, what: string): Promise<number> {
  const started = Date.now();
  if (['wait', 'connecting', 'connect'].includes(client.status)) {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        client.once('ready', resolve);
        client.once('error', reject);
      }),
      CHECK_TIMEOUT_MS,
      what,
    );
  }
  if (client.status !== 'ready') throw new Error(`${what} connection is ${client.status}`);
  await withTimeout(client.ping(), CHECK_TIMEOUT_MS - (Date.now() - started), what);
  return Date.now() - started;
}

@Injectable()
export class RedisIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS_CLIENT) private readonly client: RedisClient,
  ) {}

  async check(key = 'redis'): Promise<HealthIndicatorResult> {
    return upOrDown(this.indicators.check(key), async () => ({
      latencyMs: await pingRedis(this.client, 'Redis'),
    }));
  }
}

@Injectable()
export class QueueIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly moduleRef: ModuleRef,
  ) {}

  async check(key = 'queue'): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    const queues: Record<string, unknown> = {};
    let healthy = true;
    await Promise.all(
      QUEUE_NAMES.map(async (name) => {
        const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
        try {
          await pingRedis(queue.client, `queue ${name}`);
          const waiting = await withTimeout(
            queue.getWaitingCount(),
            CHECK_TIMEOUT_MS,
            `queue ${name}`,
          );
          queues[name] = { status: 'up', waiting };
        } catch (error) {
          healthy = false;
          queues[name] = { status: 'down', message: messageOf(error) };
        }
      }),
    );
    return healthy ? indicator.up(queues) : indicator.down(queues);
  }
}

@Injectable()
export class StorageIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly config: ConfigService,
  ) {}

  async check(key = 'storage'): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    const { dir } = this.config.getOrThrow<StorageSettings>('storage');
    return upOrDown(
      indicator,
      async () => {
        await mkdir(dir, { recursive: true });
        await withTimeout(
          access(dir, constants.R_OK | constants.W_OK),
          CHECK_TIMEOUT_MS,
          'storage',
        );
        return undefined;
      },
      'storage directory is not writable: ',
    );
  }
}
