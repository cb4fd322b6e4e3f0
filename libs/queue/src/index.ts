export * from './queue.contracts';
export * from './queue.module';
export * from './queue-drain';
export * from './maintenance';
