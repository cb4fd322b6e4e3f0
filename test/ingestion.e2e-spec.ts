import { MikroORM, RequestContext } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { getQueueToken } from '@nestjs/bull';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Bull, { type Queue } from 'bull';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { createWorkerApp } from '../apps/worker/src/bootstrap';
import { User } from '@docent/auth';
import { DomainEventBus, uuidv7 } from '@docent/common';
import {
  Document,
  DocumentChunk,
  DocumentsWorkerModule,
  IngestionProducer,
  ingestionJobId,
  INGESTION_ATTEMPTS,
  MIME_BY_KIND,
  type DocumentKind,
} from '@docent/documents';
import { type IngestJobPayload, JOBS, QUEUES } from '@docent/queue';
import { METRICS_REGISTRY } from '@docent/health';
import { FILE_STORAGE, type FileStorage } from '@docent/storage';
import type { Registry } from 'prom-client';
import { CHUNK_INSERT_ROWS } from '../libs/documents/src/document-chunk.repository';
import { chunkPages } from '../libs/documents/src/ingestion/chunker';
import { ExtractionError } from '../libs/documents/src/ingestion/errors';
import * as extractInChild from '../libs/documents/src/worker/extract-in-child';
import { CHUNK_BATCH } from '../libs/documents/src/worker/extract-in-child';
import {
  INGESTION_CHUNK_OPTIONS,
  IngestionPipeline,
} from '../libs/documents/src/worker/ingestion.pipeline';
import { INGEST_PROCESS_OPTIONS } from '../libs/documents/src/worker/ingestion.processor';
import { PendingIngestionScheduler } from '../libs/documents/src/worker/pending-ingestion.scheduler';
import { testConfig } from './support/config';
import { waitFor } from './support/http';
import { CORPUS_DIR as CORPUS } from './support/shared';

/** ../shared/corpus/README.md, row by row: what ingestion must make of each file. */
const CORPUS_CASES: {
  file: string;
  status: 'completed' | 'failed';
  code?: string;
  pageCount?: number;
  search?: string;
  contains?: string[];
}[] = [
  {
    file: 'minimal-document.pdf',
    status: 'completed',
    pageCount: 1,
    contains: ['Lorem ipsum dolor sit amet'],
  },
  { file: 'pdflatex-4-pages.pdf', status: 'completed', pageCount: 4 },
  {
    file: 'google-doc-document.pdf',
    status: 'completed',
    pageCount: 1,
    search: 'Readability counts',
  },
  { file: 'multicolumn.pdf', status: 'completed', contains: ['Two-Column Document'] },
  { file: 'imagemagick-images.pdf', status: 'failed', code: 'no_extractable_text' },
  { file: 'libreoffice-writer-password.pdf', status: 'failed', code: 'encrypted_pdf' },
  { file: 'single-paragraph.docx', status: 'completed', pageCount: 1, search: 'imported air' },
  { file: 'tables.docx', status: 'completed', contains: ['Top left', 'Bottom right'] },
  { file: 'footnotes.docx', status: 'completed', contains: ['Ouch.'] },
  { file: 'empty.docx', status: 'failed', code: 'no_extractable_text' },
];

describe('ingestion worker (real PostgreSQL, Redis, bull and storage)', () => {
  const config = testConfig();
  let app: NestFastifyApplication;
  let orm: MikroORM;
  let storage: FileStorage;
  let producer: IngestionProducer;
  let queue: Queue<IngestJobPayload>;
  /** An independent view of the same queue, like another process would have. */
  let observer: Queue<IngestJobPayload>;
  let ownerId: string;

  const em = () => orm.em.fork() as EntityManager;

  beforeAll(async () => {
    app = await createWorkerApp({ config, imports: [DocumentsWorkerModule] });
    await app.init();
    orm = app.get(MikroORM);
    storage = app.get<FileStorage>(FILE_STORAGE);
    producer = app.get(IngestionProducer);
    queue = app.get<Queue<IngestJobPayload>>(getQueueToken(QUEUES.ingestion));
    observer = new Bull(QUEUES.ingestion, config.redis.url, {
      prefix: `${config.redis.keyPrefix}bull`,
    });
    const fork = em();
    const role = await fork.execute<{ id: string }[]>(`select id from roles where name = 'member'`);
    const owner = fork.create(User, {
      email: `ingestion-${uuidv7()}@docent.test`,
      displayName: 'Ingestion',
      passwordHash: 'not-a-real-hash',
      role: role[0].id,
    });
    await fork.flush();
    ownerId = owner.id;
  });

  afterAll(async () => {
    await observer?.close();
    await app?.close();
  });

  /** Stores a corpus file and inserts its Document row, as the upload endpoint would. */
  async function createDocument(
    file: string,
    overrides: Partial<Pick<Document, 'status' | 'createdAt'>> = {},
  ): Promise<Document> {
    const id = uuidv7();
    const storageKey = `documents/${ownerId}/${id}`;
    const stored = await storage.put(storageKey, createReadStream(join(CORPUS, file)));
    const kind = file.split('.').pop() as DocumentKind;
    const fork = em();
    const document = fork.create(Document, {
      id,
      owner: ownerId,
      batchId: uuidv7(),
      filename: file,
      kind,
      mimeType: MIME_BY_KIND[kind],
      sizeBytes: String(stored.sizeBytes),
      // unique per owner: the same corpus file is stored more than once here
      sha256: randomBytes(32).toString('hex'),
      storageKey,
      ...overrides,
    });
    await fork.flush();
    return document;
  }

  const reload = (id: string) => em().findOne(Document, id);

  async function waitForFinal(id: string, timeoutMs = 20_000): Promise<Document> {
    let document: Document | null = null;
    await waitFor(async () => {
      document = await reload(id);
      return document?.status === 'completed' || document?.status === 'failed';
    }, timeoutMs);
    return document!;
  }

  const chunksOf = (id: string) =>
    em().find(DocumentChunk, { document: id }, { orderBy: { chunkIndex: 'asc' } });

  const search = (id: string, query: string) =>
    em().execute<{ content: string; page: number }[]>(
      `select content, page from document_chunks
        where document_id = ? and tsv @@ websearch_to_tsquery('english', ?)`,
      [id, query],
    );

  describe('the corpus', () => {
    const documents = new Map<string, Document>();

    beforeAll(async () => {
      for (const { file } of CORPUS_CASES) {
        const document = await createDocument(file);
        await producer.enqueue(document);
        documents.set(file, document);
      }
      await Promise.all([...documents.values()].map((d) => waitForFinal(d.id, 60_000)));
    }, 90_000);

    it.each(CORPUS_CASES.filter((c) => c.status === 'completed'))(
      '$file is completed, with pages and searchable chunks',
      async ({ file, pageCount, search: query, contains }) => {
        const document = (await reload(documents.get(file)!.id))!;
        expect(document).toMatchObject({
          status: 'completed',
          stage: 'done',
          progress: 100,
          attempts: 1,
          errorCode: null,
          errorMessage: null,
        });
        expect(document.completedAt).toBeInstanceOf(Date);
        expect(document.enqueuedAt).toBeInstanceOf(Date);
        expect(document.pageCount).toBeGreaterThanOrEqual(1);
        if (pageCount !== undefined) expect(document.pageCount).toBe(pageCount);
        const chunks = await chunksOf(document.id);
        expect(chunks.length).toBeGreaterThan(0);
        expect(document.chunkCount).toBe(chunks.length);
        expect(chunks.map((c) => c.chunkIndex)).toEqual(chunks.map((_, i) => i));
        // at most a whole paragraph of 2 × size tokens (and 16 characters a token)
        const { size } = INGESTION_CHUNK_OPTIONS;
        for (const chunk of chunks) {
          expect(chunk.content.split(/\s+/).length).toBeLessThanOrEqual(2 * size);
          expect(chunk.content.length).toBeLessThanOrEqual(2 * 16 * size);
        }
        const text = chunks.map((c) => c.content).join('\n');
        for (const phrase of contains ?? []) expect(text).toContain(phrase);
        if (query) {
          const found = await search(document.id, query);
          expect(found.length).toBeGreaterThan(0);
        }
      },
    );

    it('finds "imported air" in single-paragraph.docx through the full-text index', async () => {
      const found = await search(documents.get('single-paragraph.docx')!.id, 'imported air');
      expect(found[0].content).toContain('Walking on imported air');
    });

    it('keeps the page numbers of pdflatex-4-pages.pdf (1–4)', async () => {
      const chunks = await chunksOf(documents.get('pdflatex-4-pages.pdf')!.id);
      expect([...new Set(chunks.map((c) => c.page))].sort()).toEqual([1, 2, 3, 4]);
    });

    it.each(CORPUS_CASES.filter((c) => c.status === 'failed'))(
      '$file fails at once with $code, after exactly one attempt',
      async ({ file, code }) => {
        const document = (await reload(documents.get(file)!.id))!;
        expect(document).toMatchObject({ status: 'failed', errorCode: code, attempts: 1 });
        expect(document.errorMessage).toEqual(expect.any(String));
        expect(document.errorMessage!.length).toBeGreaterThan(0);
        expect(document.progress).toBeLessThan(100);
        expect(await chunksOf(document.id)).toEqual([]);
        // bull recorded one attempt and will not retry (discarded)
        const jobId = ingestionJobId(document.id, document.ingestionVersion);
        await waitFor(async () => (await observer.getJob(jobId))?.failedReason !== undefined, 5000);
        const job = (await observer.getJob(jobId))!;
        expect(await job.getState()).toBe('failed');
        expect(job.attemptsMade).toBe(1);
      },
    );

    it('a re-delivered job of a completed run changes nothing and adds no chunks', async () => {
      const document = (await reload(documents.get('tables.docx')!.id))!;
      const before = await chunksOf(document.id);
      const job = await observer.add(
        JOBS.ingestion.ingest,
        { documentId: document.id, ingestionVersion: document.ingestionVersion },
        { jobId: `redelivered-${document.id}` },
      );
      await waitFor(async () => (await job.getState()) === 'completed', 10_000);
      expect((await observer.getJob(job.id))!.returnvalue).toBe('skipped');
      const after = await chunksOf(document.id);
      expect(after.map((c) => c.id)).toEqual(before.map((c) => c.id));
      expect((await reload(document.id))!.completedAt).toEqual(document.completedAt);
    });

    it('a run interrupted after indexing (worker killed) re-runs without duplicate chunks', async () => {
      const document = (await reload(documents.get('pdflatex-4-pages.pdf')!.id))!;
      const before = await chunksOf(document.id);
      // what a killed worker leaves behind: still processing, chunks already written
      await em().nativeUpdate(Document, { id: document.id }, { status: 'processing' });
      const job = await observer.add(
        JOBS.ingestion.ingest,
        { documentId: document.id, ingestionVersion: document.ingestionVersion },
        { jobId: `stalled-${document.id}` },
      );
      await waitFor(async () => (await job.getState()) === 'completed', 20_000);
      const after = (await reload(document.id))!;
      expect(after).toMatchObject({ status: 'completed', progress: 100, stage: 'done' });
      const chunks = await chunksOf(document.id);
      expect(chunks).toHaveLength(before.length);
      expect(after.chunkCount).toBe(before.length);
      expect(chunks.map((c) => c.content)).toEqual(before.map((c) => c.content));
    });
  });

  it('a document deleted before its job runs makes the job a no-op', async () => {
    const document = await createDocument('single-paragraph.docx');
    await em().nativeDelete(Document, { id: document.id });
    const job = await observer.add(
      JOBS.ingestion.ingest,
      { documentId: document.id, ingestionVersion: 1 },
      { jobId: `deleted-${document.id}` },
    );
    await waitFor(async () => (await job.getState()) === 'completed', 10_000);
    expect((await observer.getJob(job.id))!.returnvalue).toBe('skipped');
    expect(await chunksOf(document.id)).toEqual([]);
  });

  it('a cancelled document, or one reingested since (newer version), is left alone', async () => {
    const cancelled = await createDocument('single-paragraph.docx', { status: 'cancelled' });
    const reingested = await createDocument('tables.docx');
    await em().nativeUpdate(Document, { id: reingested.id }, { ingestionVersion: 2 });
    const jobs = await Promise.all([
      observer.add(
        JOBS.ingestion.ingest,
        { documentId: cancelled.id, ingestionVersion: 1 },
        { jobId: `cancelled-${cancelled.id}` },
      ),
      observer.add(
        JOBS.ingestion.ingest,
        { documentId: reingested.id, ingestionVersion: 1 },
        { jobId: `old-run-${reingested.id}` },
      ),
    ]);
    for (const job of jobs) {
      await waitFor(async () => (await job.getState()) === 'completed', 10_000);
      expect((await observer.getJob(job.id))!.returnvalue).toBe('skipped');
    }
    expect(await reload(cancelled.id)).toMatchObject({ status: 'cancelled', progress: 0 });
    expect(await reload(reingested.id)).toMatchObject({
      status: 'queued',
      progress: 0,
      ingestionVersion: 2,
    });
    expect(await chunksOf(cancelled.id)).toEqual([]);
    expect(await chunksOf(reingested.id)).toEqual([]);
  });

  it('enqueuePending queues a document whose job was never queued, exactly once', async () => {
    const document = await createDocument('footnotes.docx');
    expect(document.enqueuedAt).toBeNull();
    const add = jest.spyOn(queue, 'add');
    try {
      await producer.enqueuePending();
      await producer.enqueuePending();
      const forDocument = add.mock.calls.filter(
        (call) => (call[1] as IngestJobPayload | undefined)?.documentId === document.id,
      );
      expect(forDocument).toHaveLength(1);
    } finally {
      add.mockRestore();
    }
    expect((await reload(document.id))!.enqueuedAt).toBeInstanceOf(Date);
    const final = await waitForFinal(document.id);
    expect(final).toMatchObject({ status: 'completed', attempts: 1 });
    expect(await search(document.id, 'Ouch')).not.toEqual([]);
  });

  it('the maintenance loop picks up documents older than 10 s that were never queued', async () => {
    const document = await createDocument('single-paragraph.docx', {
      createdAt: new Date(Date.now() - 60_000),
    });
    const fresh = await createDocument('tables.docx');
    const scheduler = app.get(PendingIngestionScheduler);
    // overlapping calls share one pass
    const [first, second] = [scheduler.tick(), scheduler.tick()];
    expect(first).toBe(second);
    expect((await first).pending).toBeGreaterThanOrEqual(1);
    expect((await reload(document.id))!.enqueuedAt).toBeInstanceOf(Date);
    expect((await reload(fresh.id))!.enqueuedAt).toBeNull();
    expect((await waitForFinal(document.id)).status).toBe('completed');
    await em().nativeDelete(Document, { id: fresh.id });
  });

  it('processes with the configured INGESTION_CONCURRENCY', () => {
    expect(INGEST_PROCESS_OPTIONS.concurrency).toBe(config.documents.ingestionConcurrency);
  });

  describe('failures (pipeline called directly)', () => {
    const run = (id: string, attempt: number) =>
      RequestContext.create(orm.em, () =>
        app.get(IngestionPipeline).run(id, 1, attempt, INGESTION_ATTEMPTS),
      );

    it('a transient failure is retried, and marks the document failed only on the last attempt', async () => {
      const document = await createDocument('single-paragraph.docx');
      await storage.delete(document.storageKey); // storage_not_found: not a permanent error
      await expect(run(document.id, 1)).rejects.toMatchObject({ code: 'storage_not_found' });
      expect(await reload(document.id)).toMatchObject({
        status: 'processing',
        attempts: 1,
        errorCode: null,
        progress: 10,
      });
      await expect(run(document.id, INGESTION_ATTEMPTS)).rejects.toMatchObject({
        code: 'storage_not_found',
      });
      const failed = (await reload(document.id))!;
      expect(failed).toMatchObject({
        status: 'failed',
        attempts: INGESTION_ATTEMPTS,
        errorCode: 'ingestion_failed',
      });
      expect(failed.errorMessage).not.toContain(document.storageKey);
    });

    it('refuses a stored file larger than the recorded size', async () => {
      const document = await createDocument('single-paragraph.docx');
      await em().nativeUpdate(Document, { id: document.id }, { sizeBytes: '10' });
      await expect(run(document.id, 1)).rejects.toMatchObject({
        code: 'corrupt_file',
        permanent: true,
      });
      expect(await reload(document.id)).toMatchObject({
        status: 'failed',
        errorCode: 'corrupt_file',
      });
    });

    /** A stored .txt document of `text`, as the upload endpoint would leave it. */
    async function createTextDocument(text: string): Promise<Document> {
      const id = uuidv7();
      const storageKey = `documents/${ownerId}/${id}`;
      const stored = await storage.put(storageKey, Readable.from([Buffer.from(text)]));
      const fork = em();
      const document = fork.create(Document, {
        id,
        owner: ownerId,
        batchId: uuidv7(),
        filename: 'streamed.txt',
        kind: 'txt',
        mimeType: MIME_BY_KIND.txt,
        sizeBytes: String(stored.sizeBytes),
        sha256: randomBytes(32).toString('hex'),
        storageKey,
      });
      await fork.flush();
      return document;
    }

    /** Prose of about `chars` characters, paragraphs and lines included, the same every time. */
    function prose(chars: number): string {
      const words = ['quartz', 'willow', 'signal', 'orchard', 'beacon', 'tundra', 'ledger'];
      const parts: string[] = [];
      let length = 0;
      for (let i = 0; length < chars; i += 1) {
        const part = words[(i * 5) % words.length] + (i % 89 === 88 ? '.\n\n' : ' ');
        parts.push(part);
        length += part.length;
      }
      return parts.join('');
    }

    const statsOf = async (id: string) =>
      (
        await em().execute<{ chunks: number }[]>(
          'select chunks from document_chunk_stats where document_id = ?',
          [id],
        )
      )[0]?.chunks;

    it('a document whose chunks span several batches is complete and consistent', async () => {
      const text = prose(1_300_000);
      const expected = await chunkPages([{ page: 1, text }], INGESTION_CHUNK_OPTIONS);
      // more chunks than one batch from the extraction process, and than one INSERT
      expect(expected.length).toBeGreaterThan(2 * Math.max(CHUNK_BATCH, CHUNK_INSERT_ROWS));
      const document = await createTextDocument(text);
      await expect(run(document.id, 1)).resolves.toBe('completed');
      const chunks = await chunksOf(document.id);
      expect(chunks.map((c) => [c.chunkIndex, c.page, c.content])).toEqual(
        expected.map((c) => [c.index, c.page, c.content]),
      );
      expect(await reload(document.id)).toMatchObject({
        status: 'completed',
        chunkCount: expected.length,
        pageCount: 1,
      });
      expect(Number(await statsOf(document.id))).toBe(expected.length);
    });

    it('a failure mid-stream leaves no chunks and a failed document', async () => {
      const text = prose(1_300_000);
      const document = await createTextDocument(text);
      // the extraction process dies after two batches were written (e.g. killed over its
      // memory cap): its stream fails as extractChunks reports such a failure
      const real = extractInChild.extractChunks;
      let batches = 0;
      const spy = jest
        .spyOn(extractInChild, 'extractChunks')
        .mockImplementation(async (...args) => {
          const stream = await real(...args);
          return {
            ...stream,
            pageCount: stream.pageCount,
            next: async () => {
              batches += 1;
              if (batches === 3) {
                throw new ExtractionError(
                  'limit_exceeded',
                  'Extracting this document needs more than 1024 MB of memory.',
                );
              }
              return stream.next();
            },
          };
        });
      try {
        await expect(run(document.id, 1)).rejects.toMatchObject({ code: 'limit_exceeded' });
      } finally {
        spy.mockRestore();
      }
      expect(batches).toBe(3);
      expect(await reload(document.id)).toMatchObject({
        status: 'failed',
        errorCode: 'limit_exceeded',
        chunkCount: null,
      });
      expect(await chunksOf(document.id)).toEqual([]);
      expect(await statsOf(document.id)).toBeUndefined();
    });

    it('progress never goes down when a run starts again', async () => {
      const document = await createDocument('single-paragraph.docx');
      await em().nativeUpdate(
        Document,
        { id: document.id },
        { status: 'processing', stage: 'indexing', progress: 80 },
      );
      const seen: number[] = [];
      const poll = setInterval(() => {
        void reload(document.id).then((d) => d && seen.push(d.progress));
      }, 5);
      try {
        await expect(run(document.id, 2)).resolves.toBe('completed');
      } finally {
        clearInterval(poll);
      }
      seen.push((await reload(document.id))!.progress);
      expect(seen.every((p) => p >= 80)).toBe(true);
      expect(seen.at(-1)).toBe(100);
    });
  });

  describe('observability: ingestion events and metrics', () => {
    /** What the worker's DomainEventBus carried, in order (the notifications library subscribes there). */
    const messages: { event: string; payload: { documentId: string; progress?: number } }[] = [];
    const unsubscribe: (() => void)[] = [];
    const eventsOf = (documentId: string) =>
      messages.filter((m) => m.payload.documentId === documentId);

    beforeAll(() => {
      const bus = app.get(DomainEventBus);
      for (const event of [
        'ingestion.progress',
        'ingestion.completed',
        'ingestion.failed',
      ] as const) {
        unsubscribe.push(bus.on(event, (payload) => void messages.push({ event, payload })));
      }
      // a batch has no document id of its own: recorded under each of its documents
      unsubscribe.push(
        bus.on('ingestion.batch_settled', (payload) => {
          for (const { documentId } of payload.documents) {
            messages.push({
              event: 'ingestion.batch_settled',
              payload: { ...payload, documentId },
            });
          }
        }),
      );
    });

    afterAll(() => {
      for (const off of unsubscribe) off();
    });

    it('publishes monotonic ingestion.progress events, then ingestion.completed and ingestion.batch_settled', async () => {
      const document = await createDocument('single-paragraph.docx');
      await producer.enqueue(document);
      expect((await waitForFinal(document.id)).status).toBe('completed');
      await waitFor(
        async () => eventsOf(document.id).some((m) => m.event === 'ingestion.batch_settled'),
        5000,
      );
      const events = eventsOf(document.id);
      const progress = events.filter((m) => m.event === 'ingestion.progress');
      expect(progress.map((m) => m.payload)).toEqual([
        {
          documentId: document.id,
          ownerId,
          status: 'processing',
          stage: 'extracting',
          progress: 10,
        },
        { documentId: document.id, ownerId, status: 'processing', stage: 'chunking', progress: 60 },
        { documentId: document.id, ownerId, status: 'processing', stage: 'indexing', progress: 80 },
        { documentId: document.id, ownerId, status: 'completed', stage: 'done', progress: 100 },
      ]);
      const values = progress.map((m) => m.payload.progress ?? -1);
      expect(values).toEqual([...values].sort((a, b) => a - b));
      const runId = ingestionJobId(document.id, document.ingestionVersion);
      expect(events.at(-2)).toEqual({
        event: 'ingestion.completed',
        payload: {
          documentId: document.id,
          ownerId,
          batchId: document.batchId,
          filename: 'single-paragraph.docx',
          ingestionVersion: document.ingestionVersion,
          runId,
        },
      });
      // the batch of one document settled with it
      expect(events.at(-1)).toEqual({
        event: 'ingestion.batch_settled',
        payload: {
          documentId: document.id,
          batchId: document.batchId,
          ownerId,
          documents: [
            {
              documentId: document.id,
              runId,
              filename: 'single-paragraph.docx',
              status: 'completed',
              error: null,
            },
          ],
        },
      });
    });

    it('waits for the ingestion.completed subscribers before the job ends', async () => {
      const document = await createDocument('tables.docx');
      const jobId = ingestionJobId(document.id, document.ingestionVersion);
      const statesDuringHandler: (string | undefined)[] = [];
      const off = app.get(DomainEventBus).on('ingestion.completed', async (payload) => {
        if (payload.documentId !== document.id) return;
        // a slow subscriber (storing the notification): the job is still running meanwhile
        await new Promise((resolve) => setTimeout(resolve, 300));
        statesDuringHandler.push(await (await observer.getJob(jobId))?.getState());
      });
      try {
        await producer.enqueue(document);
        await waitFor(async () => statesDuringHandler.length > 0, 20_000);
      } finally {
        off();
      }
      expect(statesDuringHandler).toEqual(['active']);
      expect((await reload(document.id))!.status).toBe('completed');
    });

    it('publishes ingestion.failed with the error code of a failed document', async () => {
      const document = await createDocument('libreoffice-writer-password.pdf');
      await producer.enqueue(document);
      expect((await waitForFinal(document.id)).status).toBe('failed');
      await waitFor(
        async () => eventsOf(document.id).some((m) => m.event === 'ingestion.batch_settled'),
        5000,
      );
      const events = eventsOf(document.id);
      const error = { code: 'encrypted_pdf', message: expect.any(String) };
      expect(events.at(-2)).toMatchObject({
        event: 'ingestion.failed',
        payload: {
          documentId: document.id,
          ownerId,
          batchId: document.batchId,
          filename: 'libreoffice-writer-password.pdf',
          ingestionVersion: document.ingestionVersion,
          runId: ingestionJobId(document.id, document.ingestionVersion),
          error,
        },
      });
      expect(events.some((m) => m.event === 'ingestion.completed')).toBe(false);
      expect(events.at(-3)).toMatchObject({
        event: 'ingestion.progress',
        payload: { documentId: document.id, status: 'failed' },
      });
      expect(events.at(-1)).toMatchObject({
        event: 'ingestion.batch_settled',
        payload: { documents: [{ documentId: document.id, status: 'failed', error }] },
      });
    });

    it('exposes ingestion_job_duration_seconds and ingestion_failures_total on /metrics', async () => {
      // the two tests above completed one document and failed one
      const res = await app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      const text = res.body;
      expect(text).toContain('# TYPE ingestion_job_duration_seconds histogram');
      expect(text).toContain('# TYPE ingestion_failures_total counter');
      expect(text).toMatch(
        /ingestion_job_duration_seconds_count\{[^}]*outcome="completed"[^}]*\} [1-9]/,
      );
      expect(text).toMatch(
        /ingestion_job_duration_seconds_count\{[^}]*outcome="failed"[^}]*\} [1-9]/,
      );
      expect(text).toMatch(/ingestion_failures_total\{[^}]*code="encrypted_pdf"[^}]*\} [1-9]/);
      // the same registry the app serves
      expect(await app.get<Registry>(METRICS_REGISTRY).metrics()).toContain(
        'ingestion_failures_total{code="encrypted_pdf"',
      );
    });

    it('exposes where ingestion time goes: ingestion_step_duration_seconds by step', async () => {
      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(text).toContain('# TYPE ingestion_step_duration_seconds histogram');
      // the completed run went through every step
      for (const step of ['queue', 'read', 'extract', 'chunk', 'index', 'embed']) {
        expect(text).toMatch(
          new RegExp(`ingestion_step_duration_seconds_count\\{[^}]*step="${step}"[^}]*\\} [1-9]`),
        );
      }
    });
  });
});
