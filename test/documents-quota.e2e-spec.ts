import { EntityManager } from '@mikro-orm/postgresql';
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Document } from '@docent/documents';
import { uploadRequest } from './support/documents';
import { waitFor } from './support/http';
import { bearer, type SignedUp, signUp, type Stack, startStack } from './support/stack';

const QUOTA = 12_000;

/** A text file of exactly `size` bytes, unique (so never a duplicate). */
function textOf(size: number): Buffer {
  const unique = `${randomBytes(8).toString('hex')}\n`;
  return Buffer.from(unique + 'q'.repeat(size - unique.length));
}

/**
 * STORAGE_QUOTA_BYTES (issue 12): a user's documents may not add up to more; a file that would
 * cross it is rejected (`quota_exceeded`), its stream cut at the quota, and concurrent uploads
 * never overshoot. Also the 422 problem details of an upload with nothing accepted.
 */
describe('per-user storage quota', () => {
  let stack: Stack;
  let storageDir: string;

  beforeAll(async () => {
    stack = await startStack({ STORAGE_QUOTA_BYTES: String(QUOTA), RATE_LIMIT_UPLOAD: '1000/1m' });
    storageDir = stack.config.storage.dir;
  });

  afterAll(async () => {
    await stack?.close();
  });

  const em = () => stack.api.get(EntityManager).fork();

  async function usedBytes(ownerId: string): Promise<number> {
    const rows = await em().find(Document, { owner: ownerId });
    return rows.reduce((sum, row) => sum + Number(row.sizeBytes), 0);
  }

  /** Every file (and temp file) under the storage folder. */
  async function storedFiles(): Promise<string[]> {
    const entries = await readdir(storageDir, { recursive: true, withFileTypes: true }).catch(
      () => [],
    );
    return entries.filter((entry) => entry.isFile()).map((e) => join(e.parentPath, e.name));
  }

  const upload = (caller: SignedUp, files: Buffer[]) =>
    uploadRequest(
      stack.http,
      caller,
      files.map((content, index) => ({
        name: `f${index}.txt`,
        content,
        contentType: 'text/plain',
      })),
    );

  it('accepts files while they fit and rejects the one that would cross the quota', async () => {
    const owner = await signUp(stack, { prefix: 'quota' });
    await upload(owner, [textOf(5000), textOf(6000)]).expect(202);
    const before = await storedFiles();

    const res = await upload(owner, [textOf(800), textOf(1500)]);
    expect(res.status).toBe(202);
    expect(res.body.accepted.map((d: { sizeBytes: number }) => d.sizeBytes)).toEqual([800]);
    expect(res.body.rejected).toEqual([
      {
        filename: 'f1.txt',
        code: 'quota_exceeded',
        message: expect.stringContaining(`quota of ${QUOTA} bytes (200 bytes left)`),
      },
    ]);
    expect(await usedBytes(owner.id)).toBe(11_800);
    // the rejected file left nothing behind
    expect((await storedFiles()).length).toBe(before.length + 1);

    const usage = await stack.http
      .get('/api/v1/documents/usage')
      .set(bearer(owner.token))
      .expect(200);
    expect(usage.body).toEqual({
      usedBytes: 11_800,
      documents: 3,
      quotaBytes: QUOTA,
      remainingBytes: 200,
    });

    // deleting a document gives its room back
    const [first] = await em().find(
      Document,
      { owner: owner.id },
      { orderBy: { sizeBytes: 'desc' } },
    );
    await stack.http.delete(`/api/v1/documents/${first.id}`).set(bearer(owner.token)).expect(204);
    await upload(owner, [textOf(1500)]).expect(202);
    expect(await usedBytes(owner.id)).toBe(11_800 - 6000 + 1500);
  });

  it('answers 422 problem details with the upload result when the quota leaves no room', async () => {
    const owner = await signUp(stack, { prefix: 'quota' });
    await upload(owner, [textOf(QUOTA)]).expect(202);
    const before = await storedFiles();
    const res = await upload(owner, [textOf(100)]);
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toEqual({
      type: 'https://docent.dev/problems/no_file_accepted',
      title: 'Unprocessable Entity',
      status: 422,
      detail: expect.any(String),
      instance: '/api/v1/documents',
      requestId: res.headers['x-request-id'],
      code: 'no_file_accepted',
      batchId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      accepted: [],
      rejected: [
        {
          filename: 'f0.txt',
          code: 'quota_exceeded',
          message: expect.stringContaining('0 bytes left'),
        },
      ],
    });
    expect(await storedFiles()).toEqual(before);
    expect(await usedBytes(owner.id)).toBe(QUOTA);
  });

  it('never lets concurrent uploads of one user overshoot the quota', async () => {
    const owner = await signUp(stack, { prefix: 'quota' });
    const before = (await storedFiles()).length;
    // hold every insert into documents (reads still pass) until all six uploads are committing,
    // so their quota checks would all run against the same committed state without a lock
    const blocker = em();
    const pending = await blocker.transactional(async (tx) => {
      await tx.execute('lock table documents in share mode');
      const requests = Array.from({ length: 6 }, () =>
        upload(owner, [textOf(3000)]).then((res) => res),
      );
      await waitFor(async () => {
        const [row] = await em().execute<{ waiting: string }[]>(
          `select count(*)::text as waiting from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock'`,
        );
        return Number(row.waiting) >= 6;
      }, 15_000);
      return requests;
    });
    const results = await Promise.all(pending);
    const statuses = results.map((res) => res.status).sort();
    expect(statuses).toEqual([202, 202, 202, 202, 422, 422]);
    for (const res of results.filter((r) => r.status === 422)) {
      expect(res.body.rejected[0].code).toBe('quota_exceeded');
    }
    expect(await usedBytes(owner.id)).toBe(QUOTA);
    expect((await storedFiles()).length).toBe(before + 4);
  });

  it('cuts the stream of a file at the quota instead of storing it whole first', async () => {
    const owner = await signUp(stack, { prefix: 'quota' });
    await upload(owner, [textOf(2000)]).expect(202); // 10,000 bytes of room left
    const before = await storedFiles();
    await stack.api.listen(0, '127.0.0.1');
    const { port } = stack.api.getHttpServer().address() as AddressInfo;

    const boundary = `----docent${randomBytes(8).toString('hex')}`;
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/v1/documents',
      headers: {
        ...bearer(owner.token),
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
        'Transfer-Encoding': 'chunked',
      },
    });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
      });
      req.on('error', reject);
    });
    req.write(
      `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n` +
        'Content-Type: text/plain\r\n\r\n',
    );
    // more than the room left, far less than the file: the cut must already have happened
    req.write(textOf(30_000));
    let tempSeen = false;
    await waitFor(
      async () => {
        const now = (await storedFiles()).filter((file) => !before.includes(file));
        tempSeen ||= now.length > 0;
        return now.length === 0 && tempSeen;
      },
      3000,
      5,
    ).catch(() => undefined);
    // while the client is still sending, nothing of the file is stored (the temp file is gone)
    const midway = (await storedFiles()).filter((file) => !before.includes(file));
    if (midway.length > 0) req.destroy();
    expect(midway).toEqual([]);

    for (let i = 0; i < 10; i += 1) req.write(textOf(100_000));
    req.end(`\r\n--${boundary}--\r\n`);
    const res = await response;
    expect(res.status).toBe(422);
    expect(JSON.parse(res.body).rejected).toEqual([
      { filename: 'big.txt', code: 'quota_exceeded', message: expect.any(String) },
    ]);
    expect(await storedFiles()).toEqual(before);
  });
});
