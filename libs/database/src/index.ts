export * from './database.module';
export * from './orm.config';
export * from './migrator';
export * from './app-role';
