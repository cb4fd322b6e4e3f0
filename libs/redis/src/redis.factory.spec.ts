import type { RedisSettings } from '@docent/config';
import { redisOptions } from './redis.factory';

const settings: RedisSettings = {
  url: 'redis://127.0.0.1:6379/2',
  keyPrefix: 'docent:',
  commandTimeoutMs: 1000,
};

describe('redisOptions', () => {
  it('makes request-path clients fail fast: a command timeout and one retry while reconnecting', () => {
    const options = redisOptions(settings, { name: 'main' });
    expect(options).toMatchObject({
      host: '127.0.0.1',
      port: 6379,
      db: 2,
      keyPrefix: 'docent:',
      commandTimeout: 1000,
      maxRetriesPerRequest: 1,
    });
    // it keeps reconnecting by itself, at most every 2 s
    expect(options.retryStrategy?.(1000)).toBe(2000);
  });

  it('lets blocking and subscriber connections wait (no command timeout)', () => {
    const options = redisOptions(settings, {
      name: 'bull-bclient',
      keyPrefix: false,
      failFast: false,
      overrides: { maxRetriesPerRequest: null },
    });
    expect(options.commandTimeout).toBeUndefined();
    expect(options.maxRetriesPerRequest).toBeNull();
    expect(options.keyPrefix).toBeUndefined();
  });
});
