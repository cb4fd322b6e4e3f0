import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { JOBS, type MaintenanceJobPayload, QUEUES } from '@docent/queue';

/** How often the per-user chat indexes are pruned. */
export const CHAT_PRUNE_EVERY_MS = 15 * 60_000;
const PRUNE_JOB_ID = 'chat-prune-index';

/**
 * The only code that enqueues chat maintenance: at worker start it schedules the repeatable
 * `chat.prune-index` job. Idempotent across restarts and replicas: bull keys a repeatable job by
 * (name, jobId, interval), so every worker adding the same schedule leaves exactly one; a
 * schedule left by an older interval is removed.
 */
@Injectable()
export class ChatMaintenanceProducer implements OnApplicationBootstrap {
  private readonly logger = new Logger('ChatMaintenance');

  constructor(@InjectQueue(QUEUES.maintenance) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.schedulePruning();
    } catch (error) {
      // Redis down at start-up: the next worker start schedules it; lazy pruning still works
      this.logger.warn(`could not schedule chat index pruning: ${String(error)}`);
    }
  }

  async schedulePruning(every = CHAT_PRUNE_EVERY_MS): Promise<void> {
    for (const job of await this.queue.getRepeatableJobs()) {
      if (job.name === JOBS.maintenance.chatPruneIndex && Number(job.every) !== every) {
        await this.queue.removeRepeatableByKey(job.key);
      }
    }
    const payload: MaintenanceJobPayload = { task: JOBS.maintenance.chatPruneIndex };
    await this.queue.add(JOBS.maintenance.chatPruneIndex, payload, {
      jobId: PRUNE_JOB_ID,
      repeat: { every },
      removeOnComplete: 100,
      removeOnFail: 100,
    });
  }
}
