/** The shared command connection (`ioredis`), prefixed with REDIS_KEY_PREFIX. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
/** cache-manager 5 cache backed by cache-manager-ioredis-yet, under `<prefix>cache:`. */
export const CACHE = Symbol('CACHE');
