import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DocentConfig, type Env, loadConfig } from '@docent/config';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the e2e tests through jest (npm test)`);
  return value;
}

/**
 * A configuration for one app instance under test: this run's database, a Redis key prefix of
 * its own (so queues and keys of parallel test files never meet), a temporary storage folder.
 */
export function testEnv(overrides: Env = {}): Env {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    WORKER_HTTP_PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: required('DOCENT_TEST_DATABASE_URL'),
    REDIS_URL: required('DOCENT_TEST_REDIS_URL'),
    REDIS_KEY_PREFIX: `${required('DOCENT_TEST_REDIS_PREFIX')}${randomBytes(4).toString('hex')}:`,
    STORAGE_DIR: mkdtempSync(join(tmpdir(), 'docent-test-storage-')),
    CORS_ORIGINS: 'http://allowed.test',
    SHUTDOWN_GRACE_PERIOD: '0',
    SHUTDOWN_TIMEOUT: '10s',
    JWT_ACCESS_SECRET: randomBytes(48).toString('base64'),
    DATA_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    ...overrides,
  };
}

/**
 * This run's database as its owner (the role migrations run as): for test set-up that the apps'
 * least-privilege role may not do (DDL, roles, the audit log's owner-side guards).
 */
export function ownerDatabaseUrl(): string {
  return required('DOCENT_TEST_DATABASE_OWNER_URL');
}

export function testConfig(overrides: Env = {}): DocentConfig {
  return loadConfig(testEnv(overrides));
}
