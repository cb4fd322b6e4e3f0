import { Cluster } from 'ioredis';
import type { RedisClient } from './redis.factory';

/** Whether the client talks to a Redis Cluster (REDIS_URL `redis+cluster://`). */
export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/**
 * GET of several keys. One MGET on a single node; on a cluster the keys may live in different
 * slots (MGET would fail with CROSSSLOT), so one GET each, sent together.
 */
export async function getMany(client: RedisClient, keys: string[]): Promise<(string | null)[]> {
  if (keys.length === 0) return [];
  if (!isCluster(client)) return client.mget(keys);
  return Promise.all(keys.map((key) => client.get(key)));
}

/**
 * SET of several keys to one value with one TTL: in one pipeline on a single node; on a cluster
 * one SET each, sent together (a cluster pipeline must stay within one slot).
 */
export async function setManyPx(
  client: RedisClient,
  keys: string[],
  value: string,
  ttlMs: number,
): Promise<void> {
  if (keys.length === 0) return;
  if (isCluster(client)) {
    await Promise.all(keys.map((key) => client.set(key, value, 'PX', ttlMs)));
    return;
  }
  const pipeline = client.pipeline();
  for (const key of keys) pipeline.set(key, value, 'PX', ttlMs);
  const results = await pipeline.exec();
  for (const [error] of results ?? []) if (error) throw error;
}

/**
 * SCAN over every key matching `pattern` (a full key name pattern: the client's keyPrefix is not
 * added to MATCH). A cluster's keyspace is split over its masters, so there every master is
 * scanned (replicas hold copies). `visit` gets each batch of full key names.
 */
export async function scanKeys(
  client: RedisClient,
  pattern: string,
  visit: (keys: string[]) => Promise<void>,
  count = 200,
): Promise<void> {
  const nodes = isCluster(client) ? client.nodes('master') : [client];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      cursor = next;
      if (keys.length > 0) await visit(keys);
    } while (cursor !== '0');
  }
}
