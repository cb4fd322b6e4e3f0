import Redis from 'ioredis';
import { Client } from 'pg';
import { deleteKeysWithPrefix } from './redis-keys';
import { TEST_DATABASE_URL } from './services';

/** Drops this run's database and every Redis key under its prefix. */
export default async function globalTeardown(): Promise<void> {
  const databaseName = process.env.DOCENT_TEST_DATABASE_NAME;
  if (databaseName && process.env.DOCENT_TEST_KEEP_DATABASE !== '1') {
    const admin = new Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`drop database if exists "${databaseName}" with (force)`);
      const appRole = process.env.DOCENT_TEST_DATABASE_APP_ROLE;
      if (appRole) await admin.query(`drop role if exists "${appRole}"`);
    } finally {
      await admin.end();
    }
  }
  const prefix = process.env.DOCENT_TEST_REDIS_PREFIX;
  const redisUrl = process.env.DOCENT_TEST_REDIS_URL;
  if (prefix && redisUrl) {
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      await deleteKeysWithPrefix(redis, prefix);
    } finally {
      redis.disconnect();
    }
  }
}
