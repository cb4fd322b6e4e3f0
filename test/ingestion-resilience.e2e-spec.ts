import { EntityManager } from '@mikro-orm/postgresql';
import { getQueueToken } from '@nestjs/bull';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Queue } from 'bull';
import { readdir } from 'node:fs/promises';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createWorkerApp } from '../apps/worker/src/bootstrap';
import { DomainEventBus, type DomainEventName } from '@docent/common';
import type { Env } from '@docent/config';
import {
  Document,
  DocumentChunk,
  IngestionProducer,
  INGESTION_ATTEMPTS,
  ingestionJobId,
  LOST_INGESTION_GRACE_MS,
  PendingIngestionScheduler,
} from '@docent/documents';
import type { IngestJobPayload } from '@docent/queue';
import { corpus, uploadOne } from './support/documents';
import { spawnBuiltWorker, ensureBuiltWorker, type WorkerProcess } from './support/built-worker';
import { testConfig, testEnv } from './support/config';
import { waitFor } from './support/http';
import { bearer, type SignedUp, signUp, type Stack, startStack } from './support/stack';
import { TcpProxy } from './support/tcp-proxy';

/** Every event of the given names a bus carries, in order. */
function record(bus: DomainEventBus, names: DomainEventName[]) {
  const seen: { event: string; documentId: string; payload: Record<string, unknown> }[] = [];
  const offs = names.map((event) =>
    bus.on(event, (payload) => {
      const body = payload as unknown as Record<string, unknown>;
      seen.push({ event, documentId: String(body.documentId), payload: body });
    }),
  );
  return {
    of: (documentId: string, event?: string) =>
      seen.filter((e) => e.documentId === documentId && (!event || e.event === event)),
    stop: () => offs.forEach((off) => off()),
  };
}

/** Chunks of a document: how many rows, and how many distinct positions. */
async function chunkStats(em: EntityManager, documentId: string) {
  const [row] = await em.execute<{ rows: string; positions: string }[]>(
    `select count(*) as rows, count(distinct chunk_index) as positions
       from document_chunks where document_id = ?`,
    [documentId],
  );
  return { rows: Number(row.rows), positions: Number(row.positions) };
}

/** A text file of about `megabytes` MB, many lines, searchable words. */
function bigText(megabytes: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < megabytes * 1_000_000; i += 1) {
    const line = `Line ${i} of the generated report on resilient ingestion, figure ${i * 7}.${
      i % 8 === 0 ? '\n' : ''
    }`;
    lines.push(line);
    size += line.length + 1;
  }
  return Buffer.from(lines.join('\n'));
}

async function upload(stack: Stack, owner: SignedUp, name: string, content: Buffer) {
  return { id: await uploadOne(stack.http, owner, name, content) };
}

jest.setTimeout(120_000);

describe('ingestion resilience (real PostgreSQL, Redis, bull, worker processes)', () => {
  describe('jobs lost mid-flight (the sweeper)', () => {
    let stack: Stack;
    let worker: NestFastifyApplication;
    let queue: Queue<IngestJobPayload>;
    let scheduler: PendingIngestionScheduler;
    let producer: IngestionProducer;
    let owner: SignedUp;
    let events: ReturnType<typeof record>;

    beforeAll(async () => {
      stack = await startStack({}, { worker: true });
      worker = stack.worker!;
      queue = worker.get<Queue<IngestJobPayload>>(getQueueToken('ingestion'), { strict: false });
      scheduler = worker.get(PendingIngestionScheduler, { strict: false });
      producer = worker.get(IngestionProducer, { strict: false });
      owner = await signUp(stack, { prefix: 'lost' });
      events = record(worker.get(DomainEventBus), [
        'ingestion.progress',
        'ingestion.completed',
        'ingestion.failed',
      ]);
    });

    afterAll(async () => {
      events?.stop();
      await stack?.close();
    });

    const em = () => stack.api.get(EntityManager).fork();
    const reload = (id: string) => em().findOneOrFail(Document, id);

    /** What a lost run leaves behind: `processing`, untouched for longer than the grace period. */
    async function strand(id: string, attempts = 1): Promise<void> {
      await em().execute(
        `update documents set status = 'processing', stage = 'extracting', progress = 10,
           attempts = ?, updated_at = now() - interval '10 minutes' where id = ?`,
        [attempts, id],
      );
    }

    /** The add() calls the worker's queue got for one document. */
    function spyAdds() {
      const add = jest.spyOn(queue, 'add');
      return {
        for: (id: string) =>
          add.mock.calls.filter((call) => (call[1] as IngestJobPayload)?.documentId === id),
        restore: () => add.mockRestore(),
      };
    }

    async function waitForFinal(id: string): Promise<Document> {
      await waitFor(
        async () => ['completed', 'failed'].includes((await reload(id)).status),
        30_000,
      );
      return reload(id);
    }

    it('a job removed from Redis under a processing document is queued again once, and completes once', async () => {
      await queue.pause(true); // this worker takes no job while the scene is set
      let id: string;
      try {
        ({ id } = await upload(stack, owner, 'lost.docx', await corpus('tables.docx')));
        const job = await queue.getJob(ingestionJobId(id, 1));
        expect(await job!.getState()).toBe('waiting');
        await strand(id);
        await job!.remove();
      } finally {
        await queue.resume(true);
      }

      const adds = spyAdds();
      try {
        // two sweepers at once (two workers): one wins
        const [pass, direct] = await Promise.all([
          scheduler.tick(),
          producer.requeueLost(LOST_INGESTION_GRACE_MS),
        ]);
        expect(
          pass.requeued + direct.requeued.filter((d: string) => d === id).length,
        ).toBeGreaterThan(0);
        expect(adds.for(id)).toHaveLength(1);
        expect(adds.for(id)[0][1]).toMatchObject({ documentId: id, ingestionVersion: 2 });
        expect(adds.for(id)[0][2]).toMatchObject({ jobId: ingestionJobId(id, 2) });

        const final = await waitForFinal(id);
        expect(final).toMatchObject({
          status: 'completed',
          ingestionVersion: 2,
          // the lost run counts
          attempts: 2,
          progress: 100,
        });
        // a later pass finds nothing to do
        await scheduler.tick();
        expect(adds.for(id)).toHaveLength(1);
      } finally {
        adds.restore();
      }
      const stats = await chunkStats(em(), id);
      expect(stats.rows).toBeGreaterThan(0);
      expect(stats.positions).toBe(stats.rows);
      expect((await reload(id)).chunkCount).toBe(stats.rows);
      expect(events.of(id, 'ingestion.completed')).toHaveLength(1);
      expect(events.of(id, 'ingestion.progress').map((e) => e.payload.progress)).toEqual([
        10, 60, 80, 100,
      ]);
    });

    it('a document left processing although its job failed for good is queued again as a new run', async () => {
      const { id } = await upload(
        stack,
        owner,
        'locked.pdf',
        await corpus('libreoffice-writer-password.pdf'),
      );
      expect((await waitForFinal(id)).errorCode).toBe('encrypted_pdf');
      // bull moves the job to the failed set right after the pipeline recorded the failure
      await waitFor(
        async () => (await (await queue.getJob(ingestionJobId(id, 1)))?.getState()) === 'failed',
        10_000,
      );
      // the failure was never recorded on the document (say, the database write failed)
      await strand(id);

      const pass = await scheduler.tick();
      expect(pass.requeued).toBeGreaterThanOrEqual(1);
      await waitFor(async () => (await reload(id)).ingestionVersion === 2, 5000);
      const final = await waitForFinal(id);
      expect(final).toMatchObject({
        status: 'failed',
        errorCode: 'encrypted_pdf',
        ingestionVersion: 2,
        attempts: 2,
      });
    });

    it('leaves a document alone while its job is still in the queue', async () => {
      await queue.pause(true);
      let id: string;
      try {
        ({ id } = await upload(
          stack,
          owner,
          'waiting.docx',
          await corpus('single-paragraph.docx'),
        ));
        await strand(id);
        const adds = spyAdds();
        try {
          await scheduler.tick();
          expect(adds.for(id)).toEqual([]);
        } finally {
          adds.restore();
        }
        expect(await reload(id)).toMatchObject({ status: 'processing', ingestionVersion: 1 });
      } finally {
        await queue.resume(true);
      }
      expect(await waitForFinal(id)).toMatchObject({ status: 'completed', ingestionVersion: 1 });
    });

    it('fails a lost document that has no attempt left instead of queueing it again', async () => {
      await queue.pause(true);
      let id: string;
      try {
        ({ id } = await upload(stack, owner, 'poison.docx', await corpus('footnotes.docx')));
        await strand(id, INGESTION_ATTEMPTS);
        await (await queue.getJob(ingestionJobId(id, 1)))!.remove();
      } finally {
        await queue.resume(true);
      }
      const pass = await scheduler.tick();
      expect(pass.exhausted).toBeGreaterThanOrEqual(1);
      expect(await reload(id)).toMatchObject({
        status: 'failed',
        errorCode: 'ingestion_failed',
        ingestionVersion: 1,
      });
      expect(await queue.getJob(ingestionJobId(id, 2))).toBeNull();
      expect(events.of(id, 'ingestion.failed')).toEqual([
        expect.objectContaining({
          payload: expect.objectContaining({
            ownerId: owner.id,
            filename: 'poison.docx',
            error: { code: 'ingestion_failed', message: expect.any(String) },
          }),
        }),
      ]);
    });
  });

  describe('Redis down during an upload', () => {
    let proxy: TcpProxy;
    let stack: Stack;
    let worker: NestFastifyApplication;
    let server: Server;

    beforeAll(async () => {
      const redisUrl = process.env.DOCENT_TEST_REDIS_URL as string;
      proxy = TcpProxy.forUrl(redisUrl, 6379);
      await proxy.start();
      const env = testEnv();
      // the api reaches Redis through the proxy, the worker directly (same prefix and storage)
      stack = await startStack({ ...env, REDIS_URL: proxy.urlFor(redisUrl) });
      worker = await createWorkerApp({ config: testConfig(env) });
      await worker.init();
      server = stack.api.getHttpServer() as Server;
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });

    afterAll(async () => {
      await proxy?.start().catch(() => undefined);
      await worker?.close();
      await stack?.close();
      await proxy?.stop();
    });

    /** Every stored file (not directories). */
    async function storedFiles(): Promise<string[]> {
      const entries = await readdir(stack.config.storage.dir, {
        recursive: true,
        withFileTypes: true,
      }).catch(() => []);
      return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
    }

    it('keeps the upload queued while Redis is unreachable, and ingests it exactly once when Redis is back', async () => {
      const owner = await signUp(stack, { prefix: 'redisdown' });
      const events = record(worker.get(DomainEventBus), ['ingestion.completed']);
      const workerQueue = worker.get<Queue<IngestJobPayload>>(getQueueToken('ingestion'), {
        strict: false,
      });
      const content = bigText(1);
      const boundary = '----docent-redis-down';
      const head = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="outage.txt"\r\n` +
          `Content-Type: text/plain\r\n\r\n`,
      );
      const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
      const body = Buffer.concat([head, content, tail]);
      const before = await storedFiles();

      const { port } = server.address() as AddressInfo;
      const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/api/v1/documents',
            headers: {
              ...bearer(owner.token),
              'Content-Type': `multipart/form-data; boundary=${boundary}`,
              'Content-Length': body.length,
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
            );
          },
        );
        req.on('error', reject);
        // the first part of the file: authentication (which reads Redis) is over and storage
        // has started writing when the file appears on disk
        req.write(body.subarray(0, 256 * 1024));
        void (async () => {
          await waitFor(async () => (await storedFiles()).length > before.length, 10_000, 20);
          await proxy.stop(); // Redis goes away mid-upload
          req.end(body.subarray(256 * 1024));
        })().catch(reject);
      });

      const res = await response;
      expect(res.status).toBe(202);
      const accepted = JSON.parse(res.body).accepted as { id: string; status: string }[];
      expect(accepted).toHaveLength(1);
      const id = accepted[0].id;
      const em = () => stack.api.get(EntityManager).fork();
      // stored and committed, but its job could not be queued
      const stranded = await em().findOneOrFail(Document, id);
      expect(stranded).toMatchObject({ status: 'queued', enqueuedAt: null, ingestionVersion: 1 });
      expect(await workerQueue.getJob(ingestionJobId(id, 1))).toBeNull();
      expect((await storedFiles()).length).toBe(before.length + 1);

      await proxy.start(); // Redis is back
      // old enough for the sweeper (younger uploads may still be enqueueing themselves)
      await em().execute(
        `update documents set created_at = now() - interval '1 minute' where id = ?`,
        [id],
      );
      const scheduler = worker.get(PendingIngestionScheduler, { strict: false });
      const adds = jest.spyOn(workerQueue, 'add');
      try {
        await Promise.all([scheduler.tick(), scheduler.tick()]);
        await scheduler.tick();
        const forDocument = adds.mock.calls.filter(
          (call) => (call[1] as IngestJobPayload)?.documentId === id,
        );
        // the api may also have replayed its own attempt when Redis came back: same job id
        expect(forDocument.length).toBeLessThanOrEqual(1);
      } finally {
        adds.mockRestore();
      }
      await waitFor(
        async () => (await em().findOneOrFail(Document, id)).status === 'completed',
        60_000,
      );
      const final = await em().findOneOrFail(Document, id);
      expect(final).toMatchObject({ status: 'completed', attempts: 1, ingestionVersion: 1 });
      expect(final.enqueuedAt).toBeInstanceOf(Date);
      const stats = await chunkStats(em(), id);
      expect(stats.rows).toBe(final.chunkCount);
      expect(stats.positions).toBe(stats.rows);
      // settle: a replayed duplicate job would be a no-op, never a second completion
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(events.of(id)).toHaveLength(1);
      events.stop();
      const found = await em().execute<{ n: string }[]>(
        `select count(*) as n from document_chunks
          where document_id = ? and tsv @@ websearch_to_tsquery('english', 'resilient ingestion')`,
        [id],
      );
      expect(Number(found[0].n)).toBeGreaterThan(0);
    }, 90_000);
  });

  describe('a worker killed with SIGKILL mid-job', () => {
    let stack: Stack;
    let env: Env;
    let child: WorkerProcess | undefined;
    let survivor: NestFastifyApplication | undefined;

    beforeAll(async () => {
      ensureBuiltWorker(); // builds once when the compiled worker is missing or stale
      env = testEnv({ INGESTION_LOCK_DURATION: '3s', INGESTION_CONCURRENCY: '1' });
      stack = await startStack(env);
    }, 240_000);

    afterAll(async () => {
      if (child && child.child.exitCode === null && child.child.signalCode === null) {
        child.child.kill('SIGKILL');
        await child.exited;
      }
      await survivor?.close();
      await stack?.close();
    });

    it('another worker completes the document, once, with no duplicate chunks', async () => {
      const em = () => stack.api.get(EntityManager).fork();
      child = spawnBuiltWorker({ ...env, LOG_LEVEL: 'warn' });
      const owner = await signUp(stack, { prefix: 'sigkill' });
      const { id } = await upload(stack, owner, 'big-report.txt', bigText(4));

      // mid-job: the child took the job and is working on it
      await waitFor(
        async () => (await em().findOneOrFail(Document, id)).status === 'processing',
        60_000,
        20,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\nworker output:\n${child!.output.join('')}`);
      });
      child.child.kill('SIGKILL');
      expect(await child.exited).toBe('SIGKILL');

      const interrupted = await em().findOneOrFail(Document, id);
      expect(interrupted.status).toBe('processing');
      expect(interrupted.attempts).toBe(1);
      // indexing is one transaction: a run killed half-way leaves no chunk
      expect((await chunkStats(em(), id)).rows).toBe(0);
      const jobId = ingestionJobId(id, 1);
      const apiQueue = stack.api.get<Queue>(getQueueToken('ingestion'), { strict: false });
      expect(await (await apiQueue.getJob(jobId))!.getState()).toBe('active');

      // another worker: bull's stalled check hands it the job once the dead worker's lock lapses
      survivor = await createWorkerApp({ config: stack.config });
      const events = record(survivor.get(DomainEventBus), [
        'ingestion.progress',
        'ingestion.completed',
        'ingestion.failed',
      ]);
      await survivor.init();
      // INGESTION_LOCK_DURATION=3s on the ingestion queue: lock, renewal and stalled check
      const survivorQueue = survivor.get<Queue>(getQueueToken('ingestion'), { strict: false });
      expect((survivorQueue as unknown as { settings: object }).settings).toMatchObject({
        lockDuration: 3000,
        lockRenewTime: 1500,
        stalledInterval: 3000,
      });
      await waitFor(
        async () => (await em().findOneOrFail(Document, id)).status === 'completed',
        60_000,
      );
      const final = await em().findOneOrFail(Document, id);
      expect(final).toMatchObject({
        status: 'completed',
        progress: 100,
        ingestionVersion: 1,
        attempts: 1,
        errorCode: null,
      });
      const stats = await chunkStats(em(), id);
      expect(stats.rows).toBeGreaterThan(1000);
      expect(stats.positions).toBe(stats.rows);
      expect(final.chunkCount).toBe(stats.rows);
      const first = await em().findOneOrFail(DocumentChunk, { document: id, chunkIndex: 0 });
      expect(first.content.startsWith('Line 0 of the generated report')).toBe(true);
      // the survivor ran it once
      expect(events.of(id, 'ingestion.completed')).toHaveLength(1);
      expect(events.of(id, 'ingestion.failed')).toHaveLength(0);
      expect(
        events.of(id, 'ingestion.progress').filter((e) => e.payload.stage === 'extracting'),
      ).toHaveLength(1);
      events.stop();
    }, 150_000);
  });
});
