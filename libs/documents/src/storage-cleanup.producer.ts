import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { JOBS, type MaintenanceJobPayload, QUEUES } from '@docent/queue';

/** How often the worker drains the file-removal outbox even when no hint arrived (the sweep). */
export const REMOVE_FILES_SWEEP_EVERY_MS = 60_000;
/** How long a request waits for Redis before leaving the removal to the sweep. */
const HINT_TIMEOUT_MS = 3000;

const TASK = JOBS.maintenance.documentsRemoveFiles;

/**
 * The only code that enqueues `documents.remove-files`. The outbox (`storage_deletions`, written
 * by a trigger in the deleting transaction) is the source of truth; jobs only say "drain now".
 * So a hint that cannot be queued (Redis down) loses nothing: the repeatable sweep drains the row
 * later. Hints must be sent after the deleting transaction committed, or the worker finds nothing.
 */
@Injectable()
export class StorageCleanupProducer {
  private readonly logger = new Logger('StorageCleanup');

  constructor(
    @InjectQueue(QUEUES.maintenance) private readonly queue: Queue<MaintenanceJobPayload>,
  ) {}

  /**
   * Asks a worker to drain the outbox now, or after `delayMs` (a retry after backoff). Hints for
   * the same instant share a job id, so repeated passes schedule one retry, not many.
   */
  async hint(options: { delayMs?: number; requestId?: string } = {}): Promise<void> {
    const delay = Math.max(0, Math.ceil(options.delayMs ?? 0));
    await this.queue.add(
      TASK,
      { task: TASK, requestId: options.requestId },
      {
        ...(delay > 0
          ? { delay, jobId: `${TASK}:at:${Math.ceil((Date.now() + delay) / 1000)}` }
          : {}),
        removeOnComplete: true,
        removeOnFail: 100,
      },
    );
  }

  /** `hint()` for request paths: never fails and waits at most a few seconds for Redis. */
  async hintQuietly(requestId?: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.hint({ requestId }),
        new Promise((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error('hint timed out')), HINT_TIMEOUT_MS).unref();
        }),
      ]);
    } catch (error) {
      this.logger.warn(
        { err: error },
        'could not ask the worker to remove files now; the periodic sweep will',
      );
    } finally {
      clearTimeout(timer);
    }
  }
}
