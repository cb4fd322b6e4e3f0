import type Redis from 'ioredis';

/** Every key matching `pattern`, by SCAN (never KEYS: it would block a shared Redis). */
export async function scanKeys(redis: Redis, pattern: string, count = 1000): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', count);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

/** Removes every key under `prefix` (a test run's or a test's own). */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  const keys = await scanKeys(redis, `${prefix}*`);
  for (let start = 0; start < keys.length; start += 1000) {
    await redis.unlink(...keys.slice(start, start + 1000));
  }
}
