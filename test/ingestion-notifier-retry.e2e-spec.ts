import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { createWorkerApp } from '../apps/worker/src/bootstrap';
import { uuidv7 } from '@docent/common';
import { IngestionNotificationsSubscriber } from '../libs/notifications/src/events/ingestion-notifications.subscriber';
import { ownerDatabaseUrl, testConfig } from './support/config';
import { signUp, type Stack, startStack } from './support/stack';
import { TcpProxy } from './support/tcp-proxy';

jest.setTimeout(60_000);

/**
 * Found by the chaos suite: the completion notification is written after the document's commit,
 * by an in-process event; PostgreSQL restarting at that moment lost it for good (the failure was
 * only logged). The notifier now retries, and never stores it twice.
 */
describe('ingestion notifications survive a dependency blip right after the commit', () => {
  let stack: Stack;
  let worker: NestFastifyApplication;
  let notifier: IngestionNotificationsSubscriber;
  const pgProxy = TcpProxy.forUrl(process.env.DOCENT_TEST_DATABASE_URL ?? '', 5432);
  const redisProxy = TcpProxy.forUrl(process.env.DOCENT_TEST_REDIS_URL ?? '', 6379);
  const owner = new Client({ connectionString: ownerDatabaseUrl() });

  beforeAll(async () => {
    await pgProxy.start();
    await redisProxy.start();
    await owner.connect();
    stack = await startStack();
    const config = testConfig({
      DATABASE_URL: pgProxy.urlFor(process.env.DOCENT_TEST_DATABASE_URL!),
      REDIS_URL: redisProxy.urlFor(process.env.DOCENT_TEST_REDIS_URL!),
    });
    worker = await createWorkerApp({ config });
    await worker.init();
    notifier = worker.get(IngestionNotificationsSubscriber, { strict: false });
    notifier.retryDelaysMs = [300, 600, 1200, 2400, 4800];
  });

  afterAll(async () => {
    await worker?.close();
    await stack?.close();
    await owner.end();
    await pgProxy.stop();
    await redisProxy.stop();
  });

  async function storedFor(documentId: string) {
    const { rows } = await owner.query<{ id: string }>(
      `select id from notifications where type = 'ingestion.completed' and data->>'documentId' = $1`,
      [documentId],
    );
    return rows.length;
  }

  const completion = (ownerId: string) => {
    const documentId = uuidv7();
    return {
      documentId,
      ownerId,
      batchId: uuidv7(),
      filename: 'blip.txt',
      ingestionVersion: 1,
      runId: `${documentId}:v1`,
    };
  };

  it('PostgreSQL gone when the notification is written: stored once it is back', async () => {
    const user = await signUp(stack, { prefix: 'pgblip' });
    const event = completion(user.id);
    await pgProxy.stop();
    const delivered = notifier.completed(event);
    setTimeout(() => void pgProxy.start(), 1500);
    await delivered;
    expect(await storedFor(event.documentId)).toBe(1);
  });

  it('Redis gone after the insert (cached count, socket push): stored once, not twice', async () => {
    const user = await signUp(stack, { prefix: 'redisblip' });
    const event = completion(user.id);
    await redisProxy.stop();
    const delivered = notifier.completed(event);
    setTimeout(() => void redisProxy.start(), 1500);
    await delivered;
    expect(await storedFor(event.documentId)).toBe(1);
  });
});
