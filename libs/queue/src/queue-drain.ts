import { getQueueToken } from '@nestjs/bull';
import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bull';
import type { AppSettings } from '@docent/config';
import { QUEUE_NAMES } from './queue.contracts';

/**
 * Worker side of a graceful stop: take no new jobs, let active ones finish, but not longer than
 * SHUTDOWN_TIMEOUT. A job still running then keeps its lock until it expires and bull hands it to
 * another worker (stalled-job recovery), so nothing is lost.
 */
@Injectable()
export class QueueDrain implements BeforeApplicationShutdown {
  private readonly logger = new Logger('QueueDrain');

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly config: ConfigService,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    const { shutdownTimeoutMs } = this.config.getOrThrow<AppSettings>('app');
    const queues = QUEUE_NAMES.map((name) =>
      this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }),
    );
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const drained = Promise.all(queues.map((queue) => queue.pause(true, false))).then(() => true);
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), shutdownTimeoutMs);
      timer.unref();
    });
    const finished = await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    if (finished) {
      this.logger.log(`queues drained in ${Date.now() - started} ms`);
    } else {
      this.logger.warn(
        `active jobs still running after ${shutdownTimeoutMs} ms; they will be retried by another worker`,
      );
      await Promise.all(queues.map((queue) => queue.close(true).catch(() => undefined)));
    }
  }
}
