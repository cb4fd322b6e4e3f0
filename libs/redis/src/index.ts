export * from './redis.constants';
export * from './redis.factory';
export * from './redis-cluster';
export { RedisModule, type DocentCache } from './redis.module';
