import { Module } from '@nestjs/common';

/** `/api/v1/notifications` and the socket.io gateway (SPEC §8): imported by the api only. */
@Module({})
export class NotificationsHttpModule {}
