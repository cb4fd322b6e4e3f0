import Redis, { Cluster } from 'ioredis';
import type { RedisSettings } from '@docent/config';
import { clusterOptions, closeRedisClient, createRedisClient, redisOptions } from './redis.factory';
import { getMany, isCluster, scanKeys, setManyPx } from './redis-cluster';

const CLUSTER: RedisSettings = {
  url: 'rediss+cluster://app:pw@10.0.0.1:7000,10.0.0.2:7001',
  keyPrefix: 'docent:',
  commandTimeoutMs: 1000,
  tls: { ca: 'PEM', rejectUnauthorized: true },
  cluster: {
    nodes: [
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
    ],
    username: 'app',
    password: 'pw',
  },
};

describe('the Redis client factory', () => {
  it('makes a Cluster for the cluster form, a Redis otherwise, with the same settings', async () => {
    const cluster = createRedisClient(CLUSTER, {
      name: 'main',
      overrides: { lazyConnect: true },
    });
    const single = createRedisClient(
      { url: 'redis://127.0.0.1:6379', keyPrefix: 'docent:', commandTimeoutMs: 1000 },
      { name: 'main', overrides: { lazyConnect: true } },
    );
    try {
      expect(cluster).toBeInstanceOf(Cluster);
      expect(isCluster(cluster)).toBe(true);
      expect(single).toBeInstanceOf(Redis);
      expect(isCluster(single)).toBe(false);
      expect(cluster.options.keyPrefix).toBe('docent:');
      expect(single.options.keyPrefix).toBe('docent:');
    } finally {
      await Promise.all([closeRedisClient(cluster), closeRedisClient(single)]);
    }
  });

  it('puts node settings on every node and cluster settings on the cluster', () => {
    const options = clusterOptions(CLUSTER, { name: 'cache', keyPrefix: 'cache:' });
    expect(options).toMatchObject({
      keyPrefix: 'docent:cache:',
      enableReadyCheck: true,
      shardedSubscribers: false,
      redisOptions: {
        username: 'app',
        password: 'pw',
        tls: { ca: 'PEM', rejectUnauthorized: true },
        connectionName: 'docent:cache',
        maxRetriesPerRequest: 2,
      },
    });
    // no reconnecting to a dead master: the slot map refresh finds the promoted replica
    expect(options.clusterNodeRetryStrategy).toBeUndefined();
    // TLS certificates name the hosts the cluster announces
    expect(options.dnsLookup).toBeInstanceOf(Function);
  });

  it("applies bull's overrides where bull checks them (the nodes' options) and at the cluster level", () => {
    const options = clusterOptions(CLUSTER, {
      name: 'bull-bclient',
      keyPrefix: false,
      overrides: { maxRetriesPerRequest: null, enableReadyCheck: false },
    });
    expect(options.keyPrefix).toBeUndefined();
    expect(options.enableReadyCheck).toBe(false);
    expect(options.redisOptions).toMatchObject({
      maxRetriesPerRequest: null,
      enableReadyCheck: false,
    });
  });

  it('asks for sharded subscribers only for the socket.io subscriber', () => {
    expect(
      clusterOptions(CLUSTER, { name: 'socket.io-sub', shardedSubscriber: true })
        .shardedSubscribers,
    ).toBe(true);
  });

  it('keeps the one-node options to one node', () => {
    expect(() => redisOptions(CLUSTER, { name: 'main' })).toThrow(/one node/);
  });
});

describe('helpers for commands over several slots (one node here; the cluster in e2e)', () => {
  const prefix = `docent-test-${process.pid}-${Date.now()}:`;
  let client: Redis;

  beforeAll(() => {
    client = createRedisClient(
      { url: 'redis://127.0.0.1:6379', keyPrefix: prefix, commandTimeoutMs: 1000 },
      { name: 'spec' },
    ) as Redis;
  });

  afterAll(async () => {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys.map((key) => key.slice(prefix.length)));
    await closeRedisClient(client);
  });

  it('sets and reads several keys', async () => {
    await setManyPx(client, ['a', 'b'], '1', 60_000);
    expect(await getMany(client, ['a', 'missing', 'b'])).toEqual(['1', null, '1']);
    expect(await client.pttl('a')).toBeGreaterThan(50_000);
    expect(await getMany(client, [])).toEqual([]);
  });

  it('scans every key of a pattern (full names)', async () => {
    await setManyPx(
      client,
      Array.from({ length: 30 }, (_, i) => `scan:${i}`),
      'x',
      60_000,
    );
    const seen: string[] = [];
    await scanKeys(client, `${prefix}scan:*`, async (keys) => void seen.push(...keys), 7);
    expect(seen.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `${prefix}scan:${i}`).sort());
  });
});

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
