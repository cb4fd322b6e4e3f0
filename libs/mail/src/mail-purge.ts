import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { JOBS, type MaintenanceJobPayload, MaintenanceTasks, QUEUES } from '@docent/queue';
import { MAIL_FAILED_RETENTION_MS } from './mail.producer';
import type { SendMailJob } from './mail.job';

/** How often failed mail jobs past their retention are removed. */
export const MAIL_PURGE_EVERY_MS = 3_600_000;
/** The repeatable job's id: one schedule, however many workers start. */
export const MAIL_PURGE_JOB_ID = 'mail.purge-failed';
/** Jobs removed per call, so one call never holds Redis for long. */
const CLEAN_BATCH = 1000;

/** Removes failed mail jobs older than `MAIL_FAILED_RETENTION_MS`, in batches. */
@Injectable()
export class MailPurge {
  constructor(@InjectQueue(QUEUES.mail) private readonly queue: Queue<SendMailJob>) {}

  async run(retentionMs = MAIL_FAILED_RETENTION_MS): Promise<number> {
    let total = 0;
    for (;;) {
      const removed = await this.queue.clean(retentionMs, 'failed', CLEAN_BATCH);
      total += removed.length;
      if (removed.length < CLEAN_BATCH) return total;
    }
  }
}

/** Thin: schedules the purge (every MAIL_PURGE_EVERY_MS) and runs it when the job fires. */
@Injectable()
export class MailPurgeProcessor {
  private readonly logger = new Logger('MailPurge');

  constructor(
    private readonly purge: MailPurge,
    tasks: MaintenanceTasks,
  ) {
    tasks.register(JOBS.maintenance.mailPurge, (job) => this.run(job), {
      jobId: MAIL_PURGE_JOB_ID,
      everyMs: MAIL_PURGE_EVERY_MS,
    });
  }

  async run(job: Job<MaintenanceJobPayload>): Promise<{ removed: number }> {
    const removed = await this.purge.run();
    if (removed > 0) this.logger.log(`removed ${removed} failed mail job(s) past retention`);
    this.logger.debug(`purge job=${String(job.id)} done`);
    return { removed };
  }
}
