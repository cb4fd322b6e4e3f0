import { Module } from '@nestjs/common';
import { IngestionNotificationsSubscriber } from './events/ingestion-notifications.subscriber';
import { NotificationsModule } from './notifications.module';
import { NotificationsPurgeProcessor } from './worker/notifications-purge';

/**
 * The worker side of notifications: reacts to ingestion events (stored notifications, socket
 * pushes through the Redis emitter, batch summary mail) and purges old notifications.
 */
@Module({
  // NotificationsModule brings (and, re-exported, exposes) the RealtimeEmitter
  imports: [NotificationsModule],
  providers: [IngestionNotificationsSubscriber, NotificationsPurgeProcessor],
  exports: [NotificationsModule],
})
export class NotificationsWorkerModule {}
