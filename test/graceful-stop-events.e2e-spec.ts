import { EntityManager } from '@mikro-orm/postgresql';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createWorkerApp } from '../apps/worker/src/bootstrap';
import { shutdownGracefully } from '@docent/health';
import { uploadOne } from './support/documents';
import { waitFor } from './support/http';
import { bearer, signUp, type Stack, startStack } from './support/stack';

jest.setTimeout(180_000);

/** A text file of about `megabytes` MB: long enough that its ingestion is still running. */
function bigText(megabytes: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < megabytes * 1_000_000; i += 1) {
    const line = `Line ${i} of the report written while the worker stops, figure ${i * 3}.`;
    lines.push(i % 8 === 0 ? `${line}\n` : line);
    size += line.length + 1;
  }
  return Buffer.from(lines.join('\n'));
}

/**
 * Found by the chaos suite (test/chaos): the in-process subscribers that turn domain events into
 * notifications unsubscribed in onModuleDestroy, which Nest runs BEFORE the api drains its HTTP
 * requests and before the worker lets its active jobs finish. A job completing during a graceful
 * stop (rolling restart) then left no notification, and a share answered during the drain none.
 */
describe('domain events during a graceful stop still reach their subscribers', () => {
  let stack: Stack;
  const em = () => stack.api.get(EntityManager).fork();
  const notificationsOf = (userId: string, type: string, documentId: string) =>
    em().execute<{ id: string }[]>(
      `select id from notifications where user_id = ? and type = ? and data->>'documentId' = ?`,
      [userId, type, documentId],
    );

  beforeAll(async () => {
    // the drain waits for the active job however slow the machine is
    stack = await startStack({ INGESTION_CONCURRENCY: '1', SHUTDOWN_TIMEOUT: '90s' });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('worker: a job that finishes while the worker drains stores its completion notification', async () => {
    const worker: NestFastifyApplication = await createWorkerApp({ config: stack.config });
    await worker.init();
    const owner = await signUp(stack, { prefix: 'drain' });
    const id = await uploadOne(stack.http, owner, 'drain.txt', bigText(4), 'text/plain');
    const statusOf = async () =>
      (
        await em().execute<{ status: string }[]>(`select status from documents where id = ?`, [id])
      )[0].status;
    await waitFor(async () => (await statusOf()) === 'processing', 60_000, 20);

    // SIGTERM mid-job: the worker takes no new job and lets this one finish
    await expect(
      shutdownGracefully(worker, 'SIGTERM', {
        graceMs: 0,
        timeoutMs: 90_000,
        logger: new Logger('test'),
      }),
    ).resolves.toBe(0);
    expect(await statusOf()).toBe('completed');
    expect(await notificationsOf(owner.id, 'ingestion.completed', id)).toHaveLength(1);
  });

  it('api: a share answered while the api drains its requests notifies the recipient', async () => {
    const owner = await signUp(stack, { prefix: 'drainowner' });
    const recipient = await signUp(stack, { prefix: 'drainrecipient' });
    const note = 'A short note about draining.';
    const id = await uploadOne(stack.http, owner, 'note.txt', note, 'text/plain');

    // app.close() runs the module-destroy hooks first, then drains HTTP: a request still in
    // flight at that moment is answered by an app whose destroy hooks have run
    await (stack.api as unknown as { callDestroyHook(): Promise<void> }).callDestroyHook();
    await stack.http
      .post(`/api/v1/documents/${id}/shares`)
      .set(bearer(owner.token))
      .send({ userId: recipient.id, permission: 'read' })
      .expect(201);
    expect(await notificationsOf(recipient.id, 'document.shared', id)).toHaveLength(1);
  });
});
