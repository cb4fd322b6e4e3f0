import { Module } from '@nestjs/common';

/**
 * The worker side of notifications: reacts to ingestion events (stored notifications, socket
 * pushes through the Redis emitter, batch summary mail) and purges old notifications.
 */
@Module({})
export class NotificationsWorkerModule {}
