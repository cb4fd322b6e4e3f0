import { InjectQueue } from '@nestjs/bull';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Job, Queue } from 'bull';
import type { NotificationSettings } from '@docent/config';
import { JOBS, type MaintenanceJobPayload, MaintenanceTasks, QUEUES } from '@docent/queue';
import { NotificationsService } from '../notifications.service';

/** How often the retention purge runs. */
export const NOTIFICATIONS_PURGE_EVERY_MS = 3_600_000;
/** The repeatable job's id: one schedule, however many workers start. */
export const NOTIFICATIONS_PURGE_JOB_ID = 'notifications.purge';
/** When scheduling fails at start-up (Redis down), try again this often. */
const SCHEDULE_RETRY_MS = 30_000;

/** The only code that enqueues the purge. */
@Injectable()
export class NotificationsPurgeProducer {
  constructor(
    @InjectQueue(QUEUES.maintenance) private readonly queue: Queue<MaintenanceJobPayload>,
  ) {}

  /**
   * Idempotent: bull keys a repeatable job by name, job id and interval, so every worker start
   * adds the same one. A schedule with another interval (an older version) is removed first.
   */
  async schedule(everyMs = NOTIFICATIONS_PURGE_EVERY_MS): Promise<void> {
    const name = JOBS.maintenance.notificationsPurge;
    for (const repeatable of await this.queue.getRepeatableJobs()) {
      if (repeatable.name === name && Number(repeatable.every) !== everyMs) {
        await this.queue.removeRepeatableByKey(repeatable.key);
      }
    }
    await this.queue.add(
      name,
      { task: name },
      {
        jobId: NOTIFICATIONS_PURGE_JOB_ID,
        repeat: { every: everyMs },
        removeOnComplete: true,
        removeOnFail: 50,
      },
    );
  }
}

/** Schedules the purge at worker start (retrying while Redis is unreachable). */
@Injectable()
export class NotificationsPurgeScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('NotificationsPurge');
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly producer: NotificationsPurgeProducer) {}

  onApplicationBootstrap(): void {
    this.stopped = false;
    void this.tryToSchedule();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async tryToSchedule(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.producer.schedule();
    } catch (error) {
      this.logger.warn(`could not schedule the purge, retrying: ${String(error)}`);
      this.timer = setTimeout(() => void this.tryToSchedule(), SCHEDULE_RETRY_MS);
      this.timer.unref();
    }
  }
}

/** Thin: deletes notifications older than NOTIFICATION_RETENTION, in batches. */
@Injectable()
export class NotificationsPurgeProcessor {
  private readonly logger = new Logger('NotificationsPurge');
  private readonly retentionMs: number;

  constructor(
    private readonly notifications: NotificationsService,
    config: ConfigService,
    tasks: MaintenanceTasks,
  ) {
    this.retentionMs = config.getOrThrow<NotificationSettings>('notifications').retentionMs;
    tasks.register(JOBS.maintenance.notificationsPurge, (job) => this.purge(job));
  }

  async purge(job: Job<MaintenanceJobPayload>): Promise<{ deleted: number }> {
    const cutoff = new Date(Date.now() - this.retentionMs);
    const deleted = await this.notifications.purgeOlderThan(cutoff);
    if (deleted > 0) {
      this.logger.log(`purged ${deleted} notification(s) older than ${cutoff.toISOString()}`);
    }
    this.logger.debug(`purge job=${String(job.id)} done`);
    return { deleted };
  }
}
