export * from './notifications-http.module';
export * from './notifications-worker.module';
