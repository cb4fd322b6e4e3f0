import { RequestContext } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type request from 'supertest';
import { AuditEvent } from '@docent/audit';
import { AccountService, User } from '@docent/auth';
import {
  Document,
  DocumentShare,
  DocumentsHttpModule,
  IngestionProducer,
  ingestionJobId,
  StorageDeletion,
} from '@docent/documents';
import { FILE_STORAGE, type FileStorage, StorageModule } from '@docent/storage';
import { corpus, type UploadFile, uploadAccepted, uploadRequest } from './support/documents';
import { newIdentity, type Stack, startStack } from './support/stack';

type Http = ReturnType<typeof request>;
interface Caller {
  token: string;
  id: string;
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Parses a binary response body into a Buffer (supertest leaves binary types unparsed). */
function binary(res: request.Response, callback: (error: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}

describe('documents over HTTP (real PostgreSQL, Redis, bull, encrypted storage)', () => {
  let stack: Stack;
  let http: Http;
  let queue: Queue;
  let storageDir: string;

  beforeAll(async () => {
    // small limits so the limit paths are cheap to reach with corpus files
    stack = await startStack(
      { UPLOAD_MAX_BYTES: '20000', UPLOAD_MAX_FILES: '3' },
      { imports: [StorageModule, DocumentsHttpModule] },
    );
    http = stack.http;
    queue = stack.api.get<Queue>(getQueueToken('ingestion'), { strict: false });
    storageDir = stack.config.storage.dir;
  });

  afterAll(async () => {
    await stack?.close();
  });

  async function register(): Promise<Caller> {
    const res = await http.post('/api/v1/auth/register').send(newIdentity('doc')).expect(201);
    return { token: res.body.accessToken as string, id: res.body.user.id as string };
  }

  async function setRole(userId: string, role: string) {
    const accounts = stack.api.get(AccountService);
    await RequestContext.create(stack.api.get(EntityManager), async () => {
      await accounts.setRole((await accounts.findById(userId))!, role);
    });
  }

  const em = () => stack.api.get(EntityManager).fork();
  const rowsOf = (ownerId: string) => em().find(Document, { owner: ownerId });

  /** Every stored file (encrypted blobs), relative to the storage directory. */
  async function storedFiles(): Promise<string[]> {
    const entries = await readdir(storageDir, { recursive: true, withFileTypes: true }).catch(
      () => [],
    );
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name))
      .sort();
  }

  const upload = (caller: Caller, files: UploadFile[]) => uploadRequest(http, caller, files);

  async function uploadOne(caller: Caller, name = 'minimal-document.pdf', content?: Buffer) {
    const file = { name, content: content ?? (await corpus(name)) };
    return (await uploadAccepted(http, caller, [file])).accepted[0];
  }

  describe('POST /documents', () => {
    it('accepts valid files and rejects the others with codes, in one batch', async () => {
      const owner = await register();
      const filesBefore = await storedFiles();
      const pdf = await corpus('minimal-document.pdf');
      const res = await upload(owner, [
        { name: '../../etc/minimal document.pdf', content: pdf },
        { name: 'renamed.pdf', content: await corpus('single-paragraph.docx') },
        { name: 'empty.txt', content: Buffer.alloc(0) },
      ]);
      expect(res.status).toBe(202);
      expect(res.body).toEqual({
        batchId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        accepted: [
          {
            id: expect.stringMatching(/^[0-9a-f-]{36}$/),
            filename: 'minimal document.pdf',
            mimeType: 'application/pdf',
            sizeBytes: pdf.length,
            sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
            ownerId: owner.id,
            status: 'queued',
            stage: 'validating',
            progress: 0,
            attempts: 0,
            error: null,
            pageCount: null,
            chunkCount: null,
            createdAt: expect.any(String),
            updatedAt: expect.any(String),
            completedAt: null,
          },
        ],
        rejected: [
          { filename: 'renamed.pdf', code: 'type_mismatch', message: expect.any(String) },
          { filename: 'empty.txt', code: 'empty_file', message: expect.any(String) },
        ],
      });
      const id = res.body.accepted[0].id as string;

      const row = await em().findOneOrFail(Document, id);
      expect(row.batchId).toBe(res.body.batchId);
      expect(row.storageKey).toBe(`documents/${id}`);
      expect(row.enqueuedAt).toBeInstanceOf(Date);
      const job = await queue.getJob(ingestionJobId(id, 1));
      expect(job?.data).toMatchObject({ documentId: id, ingestionVersion: 1 });
      expect(job?.data.requestId).toBe(res.headers['x-request-id']);

      const audit = await em().find(AuditEvent, { action: 'document.uploaded', targetId: id });
      expect(audit).toHaveLength(1);
      expect(audit[0].actorId).toBe(owner.id);
      expect(await rowsOf(owner.id)).toHaveLength(1);
      // only the accepted file is kept, encrypted (not the plaintext)
      const filesAfter = await storedFiles();
      expect(filesAfter).toHaveLength(filesBefore.length + 1);
      const stored = await readFile(filesAfter.find((file) => !filesBefore.includes(file))!);
      expect(stored.includes(pdf.subarray(0, 64))).toBe(false);
    });

    it('rejects content the caller already owns as duplicate, with the existing id (422)', async () => {
      const owner = await register();
      const first = await uploadOne(owner);
      const filesBefore = await storedFiles();
      const res = await upload(owner, [
        { name: 'again.pdf', content: await corpus('minimal-document.pdf') },
      ]);
      expect(res.status).toBe(422);
      expect(res.body).toEqual({
        type: 'https://docent.dev/problems/no_file_accepted',
        title: 'Unprocessable Entity',
        status: 422,
        detail: expect.any(String),
        instance: '/api/v1/documents',
        requestId: res.headers['x-request-id'],
        code: 'no_file_accepted',
        batchId: expect.any(String),
        accepted: [],
        rejected: [
          {
            filename: 'again.pdf',
            code: 'duplicate',
            message: expect.any(String),
            existingId: first.id,
          },
        ],
      });
      expect(await storedFiles()).toEqual(filesBefore);
      expect(await rowsOf(owner.id)).toHaveLength(1);

      // the same content twice in one request: the second is the duplicate of the first
      const other = await register();
      const both = await upload(other, [
        { name: 'a.pdf', content: await corpus('minimal-document.pdf') },
        { name: 'b.pdf', content: await corpus('minimal-document.pdf') },
      ]).expect(202);
      expect(both.body.accepted).toHaveLength(1);
      expect(both.body.rejected).toEqual([
        expect.objectContaining({ code: 'duplicate', existingId: both.body.accepted[0].id }),
      ]);
    });

    it('answers 422 problem details carrying the upload result when no file is accepted', async () => {
      const owner = await register();
      const res = await upload(owner, [
        { name: 'tool.exe', content: Buffer.from('MZ\x90\x00binary', 'latin1') },
        { name: 'notes.pdf', content: Buffer.from('just text') },
      ]);
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 422, code: 'no_file_accepted' });
      expect(res.body.batchId).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body.accepted).toEqual([]);
      expect(res.body.rejected.map((r: { code: string }) => r.code)).toEqual([
        'unsupported_type',
        'type_mismatch',
      ]);
      expect(await rowsOf(owner.id)).toHaveLength(0);
    });

    it('refuses more than UPLOAD_MAX_FILES files with 400 and keeps nothing', async () => {
      const owner = await register();
      const filesBefore = await storedFiles();
      const names = [
        'minimal-document.pdf',
        'single-paragraph.docx',
        'tables.docx',
        'imagemagick-images.pdf',
      ];
      const res = await upload(
        owner,
        await Promise.all(names.map(async (name) => ({ name, content: await corpus(name) }))),
      );
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('too_many_files');
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(await rowsOf(owner.id)).toHaveLength(0);
      expect(await storedFiles()).toEqual(filesBefore);
    });

    it('answers 413 for the whole request when a file is over UPLOAD_MAX_BYTES', async () => {
      const owner = await register();
      const filesBefore = await storedFiles();
      const res = await upload(owner, [
        { name: 'minimal-document.pdf', content: await corpus('minimal-document.pdf') },
        { name: 'multicolumn.pdf', content: await corpus('multicolumn.pdf') },
      ]);
      expect(res.status).toBe(413);
      expect(res.body.code).toBe('file_too_large');
      expect(await rowsOf(owner.id)).toHaveLength(0);
      expect(await storedFiles()).toEqual(filesBefore);
    });

    it('answers 400 without files and 415 for a body that is not multipart', async () => {
      const owner = await register();
      const none = await http
        .post('/api/v1/documents')
        .set(bearer(owner.token))
        .field('note', 'no files here');
      expect(none.status).toBe(400);
      expect(none.body.code).toBe('no_files');
      const json = await http.post('/api/v1/documents').set(bearer(owner.token)).send({ a: 1 });
      expect(json.status).toBe(415);
    });

    it('forbids viewers (403) and anonymous callers (401)', async () => {
      const viewer = await register();
      await setRole(viewer.id, 'viewer');
      const res = await upload(viewer, [
        { name: 'minimal-document.pdf', content: await corpus('minimal-document.pdf') },
      ]);
      expect(res.status).toBe(403);
      expect(await rowsOf(viewer.id)).toHaveLength(0);
      await http.post('/api/v1/documents').expect(401);
    });

    it('still answers 202 when the queue is down; the document stays queued, not enqueued', async () => {
      const owner = await register();
      const producer = stack.api.get(IngestionProducer, { strict: false });
      const spy = jest
        .spyOn(producer, 'enqueue')
        .mockRejectedValueOnce(new Error('Connection is closed.'));
      try {
        const accepted = await uploadOne(owner, 'tables.docx');
        const row = await em().findOneOrFail(Document, accepted.id);
        expect(row.status).toBe('queued');
        expect(row.enqueuedAt).toBeNull();
        expect(await queue.getJob(ingestionJobId(accepted.id, 1))).toBeNull();
      } finally {
        spy.mockRestore();
      }
    });
  });

  describe('reading', () => {
    let owner: Caller;
    let stranger: Caller;
    let ids: string[];

    beforeAll(async () => {
      owner = await register();
      stranger = await register();
      ids = [];
      for (const name of ['minimal-document.pdf', 'single-paragraph.docx', 'tables.docx']) {
        ids.push((await uploadOne(owner, name)).id);
      }
      await uploadOne(stranger, 'imagemagick-images.pdf');
    });

    it('lists own documents newest first, with a keyset cursor, status and q filters', async () => {
      const first = await http
        .get('/api/v1/documents?limit=2')
        .set(bearer(owner.token))
        .expect(200);
      expect(first.body.items.map((d: { id: string }) => d.id)).toEqual([ids[2], ids[1]]);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await http
        .get(`/api/v1/documents?limit=2&cursor=${first.body.nextCursor}`)
        .set(bearer(owner.token))
        .expect(200);
      expect(second.body).toEqual({
        items: [expect.objectContaining({ id: ids[0] })],
        nextCursor: null,
      });

      const q = await http.get('/api/v1/documents?q=TABLE').set(bearer(owner.token)).expect(200);
      expect(q.body.items.map((d: { id: string }) => d.id)).toEqual([ids[2]]);
      const wildcard = await http
        .get('/api/v1/documents?q=%25')
        .set(bearer(owner.token))
        .expect(200);
      expect(wildcard.body.items).toEqual([]);
      const failed = await http
        .get('/api/v1/documents?status=failed')
        .set(bearer(owner.token))
        .expect(200);
      expect(failed.body.items).toEqual([]);
      await http.get('/api/v1/documents?status=nope').set(bearer(owner.token)).expect(400);
      await http.get('/api/v1/documents?cursor=garbage').set(bearer(owner.token)).expect(400);
    });

    it('gets one document and streams its original bytes as an attachment', async () => {
      const got = await http
        .get(`/api/v1/documents/${ids[0]}`)
        .set(bearer(owner.token))
        .expect(200);
      expect(got.body).toMatchObject({ id: ids[0], filename: 'minimal-document.pdf' });

      const original = await corpus('minimal-document.pdf');
      const res = await http
        .get(`/api/v1/documents/${ids[0]}/content`)
        .set(bearer(owner.token))
        .buffer(true)
        .parse(binary)
        .expect(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.headers['content-disposition']).toBe(
        `attachment; filename="minimal-document.pdf"; filename*=UTF-8''minimal-document.pdf`,
      );
      expect(Buffer.compare(res.body as Buffer, original)).toBe(0);
    });

    it("answers 404 for another user's document, everywhere", async () => {
      for (const req of [
        http.get(`/api/v1/documents/${ids[0]}`),
        http.get(`/api/v1/documents/${ids[0]}/content`),
        http.delete(`/api/v1/documents/${ids[0]}`),
        http.post(`/api/v1/documents/${ids[0]}/reingest`),
      ]) {
        const res = await req.set(bearer(stranger.token));
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('document_not_found');
      }
      const list = await http.get('/api/v1/documents').set(bearer(stranger.token)).expect(200);
      expect(list.body.items).toHaveLength(1);
      await http.get('/api/v1/documents/not-a-uuid').set(bearer(owner.token)).expect(400);
    });

    it('lets a user read documents shared with them, but not delete them (403)', async () => {
      const reader = await register();
      const fork = em();
      fork.create(DocumentShare, {
        document: fork.getReference(Document, ids[1]),
        user: fork.getReference(User, reader.id),
        permission: 'read',
      });
      await fork.flush();
      const list = await http.get('/api/v1/documents').set(bearer(reader.token)).expect(200);
      expect(list.body.items.map((d: { id: string }) => d.id)).toEqual([ids[1]]);
      await http.get(`/api/v1/documents/${ids[1]}`).set(bearer(reader.token)).expect(200);
      await http.delete(`/api/v1/documents/${ids[1]}`).set(bearer(reader.token)).expect(403);
      await http.post(`/api/v1/documents/${ids[1]}/reingest`).set(bearer(reader.token)).expect(403);
    });
  });

  describe('changes', () => {
    it('reingest bumps the version, resets the state and enqueues a new job', async () => {
      const owner = await register();
      const { id } = await uploadOne(owner);
      await em().nativeUpdate(
        Document,
        { id },
        {
          status: 'failed',
          stage: 'extracting',
          progress: 40,
          errorCode: 'corrupt_file',
          errorMessage: 'bad',
        },
      );
      const res = await http
        .post(`/api/v1/documents/${id}/reingest`)
        .set(bearer(owner.token))
        .expect(202);
      expect(res.body).toMatchObject({
        id,
        status: 'queued',
        stage: 'validating',
        progress: 0,
        error: null,
      });
      const row = await em().findOneOrFail(Document, id);
      expect(row.ingestionVersion).toBe(2);
      expect(row.enqueuedAt).toBeInstanceOf(Date);
      expect(await queue.getJob(ingestionJobId(id, 1))).toBeNull();
      const job = await queue.getJob(ingestionJobId(id, 2));
      expect(job?.data).toMatchObject({ documentId: id, ingestionVersion: 2 });
      expect(await em().count(AuditEvent, { action: 'document.reingested', targetId: id })).toBe(1);
    });

    it('delete removes the row and the pending job, and queues the file for the worker (204)', async () => {
      const owner = await register();
      const { id } = await uploadOne(owner);
      const key = (await em().findOneOrFail(Document, id)).storageKey;
      const storage = stack.api.get<FileStorage>(FILE_STORAGE, { strict: false });
      expect(await storage.exists(key)).toBe(true);
      expect(await queue.getJob(ingestionJobId(id, 1))).not.toBeNull();

      await http.delete(`/api/v1/documents/${id}`).set(bearer(owner.token)).expect(204);
      expect(await em().findOne(Document, id)).toBeNull();
      // the worker removes the file (test/document-file-removal.e2e-spec.ts); this stack has none
      expect(await em().findOne(StorageDeletion, { storageKey: key })).toMatchObject({
        documentId: id,
        ownerId: owner.id,
      });
      const maintenance = stack.api.get<Queue>(getQueueToken('maintenance'), { strict: false });
      const hints = await maintenance.getJobs(['waiting', 'delayed']);
      expect(hints.map((job) => job.name)).toContain('documents.remove-files');
      expect(await queue.getJob(ingestionJobId(id, 1))).toBeNull();
      expect(await em().count(AuditEvent, { action: 'document.deleted', targetId: id })).toBe(1);
      await http.get(`/api/v1/documents/${id}`).set(bearer(owner.token)).expect(404);
    });

    it('an admin may delete anyone’s document', async () => {
      const owner = await register();
      const admin = await register();
      await setRole(admin.id, 'admin');
      const { id } = await uploadOne(owner, 'single-paragraph.docx');
      await http.delete(`/api/v1/documents/${id}`).set(bearer(admin.token)).expect(204);
      expect(await em().findOne(Document, id)).toBeNull();
    });
  });

  it('documents the endpoints in OpenAPI with bearer auth', async () => {
    const spec = await http.get('/docs-json').expect(200);
    const paths = spec.body.paths as Record<string, Record<string, { security?: unknown }>>;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/documents',
        '/api/v1/documents/{id}',
        '/api/v1/documents/{id}/content',
        '/api/v1/documents/{id}/reingest',
      ]),
    );
    expect(paths['/api/v1/documents'].post.security).toEqual([{ bearer: [] }]);
  });
});
