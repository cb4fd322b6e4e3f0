import { Module } from '@nestjs/common';
import { AuthModule } from '@docent/auth';
import { ApiNotificationsSubscriber } from './events/api-notifications.subscriber';
import { SessionDisconnectsSubscriber } from './events/session-disconnects.subscriber';
import { NotificationsController } from './http/notifications.controller';
import { NotificationsGateway, UNREAD_COUNT_SOURCE } from './http/notifications.gateway';
import { NotificationsModule } from './notifications.module';
import { NotificationsService } from './notifications.service';

/** `/api/v1/notifications` and the socket.io gateway (SPEC §8): imported by the api only. */
@Module({
  // NotificationsModule brings the RealtimeEmitter (one per app) with the center's services
  imports: [AuthModule, NotificationsModule],
  controllers: [NotificationsController],
  providers: [
    NotificationsGateway,
    SessionDisconnectsSubscriber,
    ApiNotificationsSubscriber,
    { provide: UNREAD_COUNT_SOURCE, useExisting: NotificationsService },
  ],
})
export class NotificationsHttpModule {}
