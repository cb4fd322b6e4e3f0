export * from './redis.constants';
export * from './redis.factory';
export { RedisModule, type DocentCache } from './redis.module';
