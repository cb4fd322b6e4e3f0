import { Logger } from '@nestjs/common';
import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisSettings } from '@docent/config';

/**
 * A Docent Redis connection: one node (`Redis`) or a Redis Cluster (`Cluster`), by REDIS_URL.
 * Both have the same command methods; what differs (SCAN, cross-slot commands, pipelines over
 * several slots) goes through the helpers in redis-cluster.ts.
 */
export type RedisClient = Redis | Cluster;

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
  /**
   * Cluster only: a subscriber for sharded pub/sub (SSUBSCRIBE), with one connection per master
   * so each channel is subscribed on the node that owns its slot.
   */
  shardedSubscriber?: boolean;
}

const MAX_RECONNECT_DELAY_MS = 2000;

/** ioredis options derived from the settings: URL, TLS for rediss://, bounded reconnect delay. */
export function redisOptions(settings: RedisSettings, options: RedisClientOptions): RedisOptions {
  if (settings.cluster) throw new Error('redisOptions() is for one node; use clusterOptions()');
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
 * ioredis Cluster options with the same behaviour as one node: the same per-node connection
 * settings (TLS, credentials, timeouts, bull's overrides), REDIS_KEY_PREFIX applied by the
 * cluster client, and reconnection forever at most every 2 s. During a failover, commands for
 * the lost master's slots are retried (MOVED/CLUSTERDOWN/closed connection) for about 2 s and
 * then fail like any Redis outage.
 */
export function clusterOptions(
  settings: RedisSettings,
  options: RedisClientOptions,
): ClusterOptions {
  const cluster = settings.cluster;
  if (!cluster) throw new Error('clusterOptions() needs a cluster REDIS_URL');
  // options that ioredis takes at the cluster level; the rest apply to every node connection
  const { enableReadyCheck, enableOfflineQueue, lazyConnect, ...nodeOverrides } =
    options.overrides ?? {};
  return {
    keyPrefix:
      options.keyPrefix === false ? undefined : settings.keyPrefix + (options.keyPrefix ?? ''),
    clusterRetryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    // no clusterNodeRetryStrategy: a node connection that closes is dropped and the slot map is
    // refreshed (MOVED, periodic refresh), which is how a promoted replica is found; reconnecting
    // to the dead master instead left commands queued on it (measured: requests hung for good)
    enableReadyCheck: enableReadyCheck ?? true,
    enableOfflineQueue: enableOfflineQueue ?? true,
    lazyConnect,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 200,
    maxRedirections: 10,
    slotsRefreshTimeout: 2000,
    slotsRefreshInterval: 5000,
    shardedSubscribers: options.shardedSubscriber === true,
    // with TLS the certificates name the hosts: keep the names the cluster announces
    dnsLookup: settings.tls ? (address, callback) => callback(null, address) : undefined,
    redisOptions: {
      username: cluster.username,
      password: cluster.password,
      tls: settings.tls
        ? { ca: settings.tls.ca, rejectUnauthorized: settings.tls.rejectUnauthorized }
        : undefined,
      connectionName: `docent:${options.name}`,
      maxRetriesPerRequest: 2,
      // request paths fail within REDIS_COMMAND_TIMEOUT (503), as on one node
      ...(options.failFast === false ? {} : { commandTimeout: settings.commandTimeoutMs }),
      connectTimeout: 5000,
      enableReadyCheck: enableReadyCheck ?? true,
      ...nodeOverrides,
    },
  };
}

/**
 * The one way Docent creates a Redis connection: a `Cluster` for the cluster form of REDIS_URL,
 * a `Redis` otherwise, with the same settings. Errors are logged once per outage, never thrown
 * as unhandled events.
 */
export function createRedisClient(
  settings: RedisSettings,
  options: RedisClientOptions,
): RedisClient {
  const client: RedisClient = settings.cluster
    ? new Cluster(settings.cluster.nodes, clusterOptions(settings, options))
    : new Redis(redisOptions(settings, options));
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
export async function closeRedisClient(client: RedisClient): Promise<void> {
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
