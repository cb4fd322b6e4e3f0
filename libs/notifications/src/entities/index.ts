export * from './notification.entity';
export * from './notification-preference.entity';
