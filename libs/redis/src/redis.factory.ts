import { Logger } from '@nestjs/common';
import Redis, { type RedisOptions } from 'ioredis';
import type { RedisSettings } from '@docent/config';

export interface RedisClientOptions {
  /** Shown in `CLIENT LIST` and in logs. */
  name: string;
  /** Appended to REDIS_KEY_PREFIX for this client's keys; `false` for clients (bull) that prefix themselves. */
  keyPrefix?: string | false;
  /** Extra ioredis options (bull needs `maxRetriesPerRequest: null`, `enableReadyCheck: false`). */
  overrides?: RedisOptions;
  /**
   * `false` for connections whose commands may rightly wait (blocking pops, subscriptions, bull's
   * own scripts): no command timeout. Request paths keep the default: fail fast.
   */
  failFast?: boolean;
}

const MAX_RECONNECT_DELAY_MS = 2000;

/** ioredis options derived from the settings: URL, TLS for rediss://, bounded reconnect delay. */
export function redisOptions(settings: RedisSettings, options: RedisClientOptions): RedisOptions {
  const url = new URL(settings.url);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 6379,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: settings.tls
      ? { ca: settings.tls.ca, rejectUnauthorized: settings.tls.rejectUnauthorized }
      : undefined,
    connectionName: `docent:${options.name}`,
    keyPrefix:
      options.keyPrefix === false ? undefined : settings.keyPrefix + (options.keyPrefix ?? ''),
    // keep trying forever, at most every 2 s, so readiness recovers without a restart
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    // a request fails within REDIS_COMMAND_TIMEOUT (503) when Redis is gone or hangs, instead of
    // waiting in the offline queue through the whole reconnect backoff; the client keeps
    // reconnecting by itself, so the next request after Redis is back succeeds
    ...(options.failFast === false
      ? { maxRetriesPerRequest: 2 }
      : { maxRetriesPerRequest: 1, commandTimeout: settings.commandTimeoutMs }),
    connectTimeout: 5000,
    ...options.overrides,
  };
}

/**
 * The one way Docent creates a Redis connection. Errors are logged once per outage, never
 * thrown as unhandled events.
 */
export function createRedisClient(settings: RedisSettings, options: RedisClientOptions): Redis {
  const client = new Redis(redisOptions(settings, options));
  const logger = new Logger(`Redis:${options.name}`);
  let failing = false;
  client.on('error', (error: Error) => {
    if (!failing) {
      failing = true;
      logger.warn(`connection error: ${error.message}`);
    }
  });
  client.on('ready', () => {
    if (failing) logger.log('connection restored');
    failing = false;
  });
  return client;
}

/** Closes a client without waiting on a dead server forever. */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    await Promise.race([
      client.quit(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('quit timed out')), 1000).unref(),
      ),
    ]);
  } catch {
    client.disconnect();
  }
}
