export * from './file-storage';
export * from './local-encrypted-storage';
export * from './storage.module';
export * from './storage.errors';
