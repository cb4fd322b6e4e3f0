import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Job } from 'bull';
import type { NotificationSettings } from '@docent/config';
import { JOBS, type MaintenanceJobPayload, MaintenanceTasks } from '@docent/queue';
import { NotificationsService } from '../notifications.service';

/** How often the retention purge runs. */
export const NOTIFICATIONS_PURGE_EVERY_MS = 3_600_000;
/** The repeatable job's id: one schedule, however many workers start. */
export const NOTIFICATIONS_PURGE_JOB_ID = 'notifications.purge';

/**
 * Thin: every NOTIFICATIONS_PURGE_EVERY_MS, deletes notifications older than
 * NOTIFICATION_RETENTION, in batches.
 */
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
    tasks.register(JOBS.maintenance.notificationsPurge, (job) => this.purge(job), {
      jobId: NOTIFICATIONS_PURGE_JOB_ID,
      everyMs: NOTIFICATIONS_PURGE_EVERY_MS,
    });
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
