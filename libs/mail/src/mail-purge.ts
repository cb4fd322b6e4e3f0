import { InjectQueue } from '@nestjs/bull';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
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
/** When scheduling fails at start-up (Redis down), try again this often. */
const SCHEDULE_RETRY_MS = 30_000;

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

/** Schedules the purge at worker start (idempotent; retrying while Redis is unreachable). */
@Injectable()
export class MailPurgeScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('MailPurge');
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    @InjectQueue(QUEUES.maintenance) private readonly maintenance: Queue<MaintenanceJobPayload>,
  ) {}

  onApplicationBootstrap(): void {
    this.stopped = false;
    void this.tryToSchedule();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /**
   * Bull keys a repeatable job by name, job id and interval, so every worker start adds the same
   * one; a schedule with another interval (an older version) is removed first.
   */
  async schedule(everyMs = MAIL_PURGE_EVERY_MS): Promise<void> {
    const name = JOBS.maintenance.mailPurge;
    for (const repeatable of await this.maintenance.getRepeatableJobs()) {
      if (repeatable.name === name && Number(repeatable.every) !== everyMs) {
        await this.maintenance.removeRepeatableByKey(repeatable.key);
      }
    }
    await this.maintenance.add(
      name,
      { task: name },
      {
        jobId: MAIL_PURGE_JOB_ID,
        repeat: { every: everyMs },
        removeOnComplete: true,
        removeOnFail: 50,
      },
    );
  }

  private async tryToSchedule(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.schedule();
    } catch (error) {
      this.logger.warn(`could not schedule the purge, retrying: ${String(error)}`);
      this.timer = setTimeout(() => void this.tryToSchedule(), SCHEDULE_RETRY_MS);
      this.timer.unref();
    }
  }
}

/** Thin: runs the purge when the repeatable job fires. */
@Injectable()
export class MailPurgeProcessor {
  private readonly logger = new Logger('MailPurge');

  constructor(
    private readonly purge: MailPurge,
    tasks: MaintenanceTasks,
  ) {
    tasks.register(JOBS.maintenance.mailPurge, (job) => this.run(job));
  }

  async run(job: Job<MaintenanceJobPayload>): Promise<{ removed: number }> {
    const removed = await this.purge.run();
    if (removed > 0) this.logger.log(`removed ${removed} failed mail job(s) past retention`);
    this.logger.debug(`purge job=${String(job.id)} done`);
    return { removed };
  }
}
