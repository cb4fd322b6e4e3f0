import { getQueueToken } from '@nestjs/bull';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Job, Queue } from 'bull';
import { reportJobFailure } from '@docent/common';
import { BullConnections } from './bull-connections';
import { isFinalFailure, jobFailureReport } from './job-failure';
import { QUEUE_NAMES } from './queue.contracts';

/**
 * Owns the queues' process-level lifecycle:
 * - a bull queue re-emits Redis connection errors as 'error' events, and without a listener Node
 *   would crash on the first Redis outage: log them instead (once per outage per queue);
 * - a job that failed for good in this process (no attempt left, or discarded as permanent) goes
 *   to the error tracker, when there is one; a failed attempt that bull retries does not;
 * - on shutdown, close every queue, then the Redis connections bull will not close itself.
 */
@Injectable()
export class QueueLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Queue');

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly connections: BullConnections,
  ) {}

  private queues(): { name: string; queue: Queue }[] {
    return QUEUE_NAMES.map((name) => ({
      name,
      queue: this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }),
    }));
  }

  onModuleInit(): void {
    for (const { name, queue } of this.queues()) {
      let failing = false;
      queue.on('error', (error: Error) => {
        if (!failing) this.logger.warn(`queue ${name}: ${error.message}`);
        failing = true;
      });
      queue.client.on('ready', () => (failing = false));
      // bull emits `failed` in the process that ran the job (the worker), after counting the
      // attempt; a job that stalled too often arrives as null when it is already gone
      queue.on('failed', (job: Job | null, error: Error) => {
        if (job && isFinalFailure(job, error)) {
          reportJobFailure(jobFailureReport(name, job, error));
        }
      });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    // close() is memoised by bull, so the QueueDrain's earlier close and @nestjs/bull's own hook share it
    await Promise.all(this.queues().map(({ queue }) => queue.close().catch(() => undefined)));
    await this.connections.closeAll();
  }
}
