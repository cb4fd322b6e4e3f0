import { Module } from '@nestjs/common';
import { AuthModule } from '@docent/auth';
import { NotificationEventsSubscriber } from './http/notification-events.subscriber';
import { NotificationsController } from './http/notifications.controller';
import { NotificationsModule } from './notifications.module';
import { NotificationsService } from './notifications.service';
import { NotificationsGateway, UNREAD_COUNT_SOURCE } from './realtime/notifications.gateway';
import { SessionDisconnects } from './realtime/session-disconnects';

/** `/api/v1/notifications` and the socket.io gateway (SPEC §8): imported by the api only. */
@Module({
  // NotificationsModule brings the RealtimeEmitter (one per app) with the center's services
  imports: [AuthModule, NotificationsModule],
  controllers: [NotificationsController],
  providers: [
    NotificationsGateway,
    SessionDisconnects,
    NotificationEventsSubscriber,
    { provide: UNREAD_COUNT_SOURCE, useExisting: NotificationsService },
  ],
})
export class NotificationsHttpModule {}
