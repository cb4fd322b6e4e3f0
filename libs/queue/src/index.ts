export * from './queue.contracts';
export * from './queue.module';
export * from './queue-drain';
export * from './maintenance';
export * from './repeatable-jobs';
export * from './job-trace';
export * from './job-failure';
