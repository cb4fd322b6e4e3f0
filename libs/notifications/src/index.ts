export * from './notifications-http.module';
export * from './notifications-worker.module';
export * from './notifications.module';
export * from './notification.types';
export * from './entities';
export {
  NotificationsService,
  type NotificationContent,
  type NotificationMail,
  type NotifyOptions,
  type NotifyResult,
} from './notifications.service';
export { NotificationPreferencesService } from './notification-preferences.service';
export {
  NOTIFICATIONS_PURGE_EVERY_MS,
  NOTIFICATIONS_PURGE_JOB_ID,
} from './worker/notifications-purge';
export * from './realtime/realtime.events';
export { RealtimeEmitter } from './realtime/realtime.emitter';
export { RedisIoAdapter, SOCKET_IO_PATH } from './realtime/redis-io.adapter';
export { UNREAD_COUNT_SOURCE, type UnreadCountSource } from './http/notifications.gateway';
