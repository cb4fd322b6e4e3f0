import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { MailModule } from '@docent/mail';
import { Notification, NotificationPreference } from './entities';
import { NotificationMetrics } from './notification.metrics';
import { NotificationPreferencesService } from './notification-preferences.service';
import { NotificationsService } from './notifications.service';
import { RealtimeEmitter } from './realtime/realtime.emitter';

/**
 * The notifications core, shared by both apps: entities, the center and delivery service
 * (`notify`), preferences, the socket emitter (through Redis) and the metrics. Needs from the
 * app: config, the database, RedisModule (`REDIS_CLIENT`, `CACHE`), QueueModule (mail),
 * AuditModule and HealthModule (`METRICS_REGISTRY`).
 */
@Module({
  imports: [MikroOrmModule.forFeature([Notification, NotificationPreference]), MailModule],
  providers: [
    NotificationsService,
    NotificationPreferencesService,
    NotificationMetrics,
    RealtimeEmitter,
  ],
  exports: [NotificationsService, NotificationPreferencesService, RealtimeEmitter],
})
export class NotificationsModule {}
