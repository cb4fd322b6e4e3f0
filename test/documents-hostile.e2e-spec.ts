import { EntityManager } from '@mikro-orm/postgresql';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type request from 'supertest';
import { Document } from '@docent/documents';
import { corpus, type UploadFile, uploadRequest } from './support/documents';
import { waitFor } from './support/http';
import { bearer, type SignedUp, signUp, type Stack, startStack } from './support/stack';
import { buildZip, DOCX_CONTENT_TYPES, DOCX_RELS } from './support/zip';

const MAX_BYTES = 3_000_000;
const UPLOADS_PER_MINUTE = 5;

/** Parses a binary response body into a Buffer (supertest leaves binary types unparsed). */
function binary(res: request.Response, callback: (error: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}

/** A Windows executable: DOS header ("MZ"), DOS stub and a PE signature. */
function executable(): Buffer {
  const exe = Buffer.alloc(1024);
  exe.write('MZ', 0, 'latin1');
  exe.writeUInt32LE(0x80, 0x3c);
  exe.write('This program cannot be run in DOS mode.', 0x4e, 'latin1');
  exe.write('PE\0\0', 0x80, 'latin1');
  return exe;
}

jest.setTimeout(60_000);

describe('hostile uploads over HTTP (real api, worker, PostgreSQL, Redis, storage)', () => {
  let stack: Stack;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    stack = await startStack(
      {
        UPLOAD_MAX_BYTES: String(MAX_BYTES),
        UPLOAD_MAX_FILES: '3',
        RATE_LIMIT_UPLOAD: `${UPLOADS_PER_MINUTE}/1m`,
      },
      { worker: true },
    );
    http = stack.http;
  });

  afterAll(async () => {
    await stack?.close();
  });

  const em = () => stack.api.get(EntityManager).fork();
  const rowsOf = (ownerId: string) => em().find(Document, { owner: ownerId });
  const register = () => signUp(stack, { prefix: 'hostile' });

  /** Every stored file (not directories). */
  async function storedFiles(): Promise<string[]> {
    const entries = await readdir(stack.config.storage.dir, {
      recursive: true,
      withFileTypes: true,
    }).catch(() => []);
    return entries
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name))
      .sort();
  }

  const upload = (caller: SignedUp, files: UploadFile[]) => uploadRequest(http, caller, files);

  /** Uploads one file that must be refused with `code`; asserts nothing was kept. */
  async function expectRefused(name: string, content: Buffer, code: string) {
    const owner = await register();
    const before = await storedFiles();
    const res = await upload(owner, [{ name, content }]);
    expect(res.status).toBe(422);
    const { code: problem, batchId, accepted, rejected } = res.body;
    expect({ problem, batchId, accepted, rejected }).toEqual({
      problem: 'no_file_accepted',
      batchId: expect.any(String),
      accepted: [],
      rejected: [{ filename: name, code, message: expect.any(String) }],
    });
    expect(await rowsOf(owner.id)).toEqual([]);
    expect(await storedFiles()).toEqual(before);
  }

  async function waitForFinal(id: string): Promise<Document> {
    await waitFor(async () => {
      const status = (await em().findOneOrFail(Document, id)).status;
      return status === 'completed' || status === 'failed';
    }, 60_000);
    return em().findOneOrFail(Document, id);
  }

  describe('refused before anything is stored or queued', () => {
    it('an executable renamed .pdf (unsupported_type)', async () => {
      await expectRefused('invoice.pdf', executable(), 'unsupported_type');
    });

    it('a PDF named .docx (type_mismatch)', async () => {
      await expectRefused('report.docx', await corpus('minimal-document.pdf'), 'type_mismatch');
    });

    it('a plain ZIP archive named .docx (unsupported_type)', async () => {
      const zip = await buildZip([{ name: 'notes.txt', data: Buffer.from('hello zip') }]);
      await expectRefused('archive.docx', zip, 'unsupported_type');
    });

    it('an HTML page named .txt (type_mismatch)', async () => {
      const page = Buffer.from(
        '<!DOCTYPE html>\n<html><head><title>x</title></head><body><script>alert(1)</script></body></html>',
      );
      await expectRefused('readme.txt', page, 'type_mismatch');
    });

    it('an empty file (empty_file)', async () => {
      await expectRefused('empty.txt', Buffer.alloc(0), 'empty_file');
    });

    it('more than UPLOAD_MAX_FILES files: 400 for the whole request, nothing kept', async () => {
      const owner = await register();
      const before = await storedFiles();
      const res = await upload(
        owner,
        [1, 2, 3, 4].map((n) => ({ name: `note-${n}.txt`, content: Buffer.from(`note ${n}`) })),
      );
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('too_many_files');
      expect(await rowsOf(owner.id)).toEqual([]);
      expect(await storedFiles()).toEqual(before);
    });

    it('a file over UPLOAD_MAX_BYTES: 413 for the whole request, nothing kept', async () => {
      const owner = await register();
      const before = await storedFiles();
      const res = await upload(owner, [
        { name: 'small.txt', content: Buffer.from('a small file that alone would be fine') },
        { name: 'huge.txt', content: Buffer.alloc(MAX_BYTES + 500_000, 'x') },
      ]);
      expect(res.status).toBe(413);
      expect(res.body.code).toBe('file_too_large');
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(await rowsOf(owner.id)).toEqual([]);
      expect(await storedFiles()).toEqual(before);
    });
  });

  describe('file names', () => {
    it('a path in the name is dropped: ../../x.pdf is stored as x.pdf', async () => {
      const owner = await register();
      const res = await upload(owner, [
        { name: '../../x.pdf', content: await corpus('minimal-document.pdf') },
      ]).expect(202);
      expect(res.body.accepted[0].filename).toBe('x.pdf');
      const row = await em().findOneOrFail(Document, res.body.accepted[0].id);
      expect(row.filename).toBe('x.pdf');
      // never a storage path: the key is the document id
      expect(row.storageKey).toBe(`documents/${row.id}`);
    });

    /** A multipart body whose part header carries `rawName` byte for byte. */
    function rawMultipart(rawName: string, content: string) {
      const boundary = '----docent-hostile-names';
      const body = Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${rawName}"\r\n` +
            'Content-Type: text/plain\r\n\r\n',
        ),
        Buffer.from(content),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      return { type: `multipart/form-data; boundary=${boundary}`, body };
    }

    function sendRaw(owner: SignedUp, rawName: string, content: string) {
      const { type, body } = rawMultipart(rawName, content);
      return http
        .post('/api/v1/documents')
        .set(bearer(owner.token))
        .set('Content-Type', type)
        .send(body);
    }

    it('control characters (folded CR/LF, NUL, ESC, tab, bidi) and separators are removed; the download header stays one line', async () => {
      const owner = await register();
      // a CR/LF followed by a space is header folding: it reaches the parser, which unfolds it
      const res = await sendRaw(
        owner,
        '..\\..\\evil\r\n Set-Cookie: session=x\u0000\u0001\u001b\t\u202e.txt',
        'A perfectly ordinary note.',
      );
      expect(res.status).toBe(202);
      const { id, filename } = res.body.accepted[0] as { id: string; filename: string };
      expect(filename).toBe('evil Set-Cookie_ session=x.txt');
      // eslint-disable-next-line no-control-regex
      expect(filename).not.toMatch(/[/\\\u0000-\u001f\u007f\u202e]/);
      expect((await em().findOneOrFail(Document, id)).filename).toBe(filename);

      const download = await http
        .get(`/api/v1/documents/${id}/content`)
        .set(bearer(owner.token))
        .buffer(true)
        .parse(binary)
        .expect(200);
      const disposition = download.headers['content-disposition'] as string;
      expect(disposition).toBe(
        `attachment; filename="evil Set-Cookie_ session=x.txt"; filename*=UTF-8''evil%20Set-Cookie_%20session%3Dx.txt`,
      );
      expect(disposition).not.toMatch(/[\r\n]/);
      expect(download.headers['set-cookie']).toBeUndefined();
      expect(download.headers['x-content-type-options']).toBe('nosniff');
      expect(download.headers['cache-control']).toContain('no-store');
      expect((download.body as Buffer).toString()).toBe('A perfectly ordinary note.');
    });

    it('a bare CR/LF in the name ends the part header: the name is cut there, nothing kept', async () => {
      const owner = await register();
      const before = await storedFiles();
      const res = await sendRaw(owner, 'evil\r\nSet-Cookie: session=x.txt', 'text');
      // the header line ends at the CR/LF: the part is a file named "evil", without extension
      expect(res.status).toBe(422);
      expect(res.body.rejected).toEqual([
        { filename: 'evil', code: 'unsupported_type', message: expect.any(String) },
      ]);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(await rowsOf(owner.id)).toEqual([]);
      expect(await storedFiles()).toEqual(before);
    });
  });

  describe('refused by the worker, which survives', () => {
    it('a Word document whose archive lacks word/document.xml fails with corrupt_file', async () => {
      const owner = await register();
      const hollow = await buildZip([
        { name: '[Content_Types].xml', data: DOCX_CONTENT_TYPES, method: 'store' },
        { name: '_rels/.rels', data: DOCX_RELS },
        { name: 'word/styles.xml', data: Buffer.from('<w:styles/>') },
      ]);
      const res = await upload(owner, [{ name: 'hollow.docx', content: hollow }]).expect(202);
      const final = await waitForFinal(res.body.accepted[0].id);
      expect(final).toMatchObject({ status: 'failed', errorCode: 'corrupt_file', attempts: 1 });
      expect(final.chunkCount).toBeNull();
    });

    it('a decompression bomb .docx (200 MB of zeros, lying sizes) fails with archive_bomb, then a normal file is ingested', async () => {
      const owner = await register();
      const zeros = Buffer.alloc(1024 * 1024);
      const bomb = await buildZip([
        { name: '[Content_Types].xml', data: DOCX_CONTENT_TYPES, method: 'store' },
        { name: '_rels/.rels', data: DOCX_RELS },
        {
          name: 'word/document.xml',
          data: function* () {
            for (let i = 0; i < 200; i += 1) yield zeros;
          },
          // the headers claim 1 KB; the guard counts what really inflates
          declaredSize: 1024,
        },
      ]);
      expect(bomb.length).toBeLessThan(MAX_BYTES);

      const res = await upload(owner, [{ name: 'bomb.docx', content: bomb }]).expect(202);
      const failed = await waitForFinal(res.body.accepted[0].id);
      expect(failed).toMatchObject({ status: 'failed', errorCode: 'archive_bomb', attempts: 1 });
      expect(failed.errorMessage).toEqual(expect.any(String));

      // the same worker goes on with the next document
      const next = await upload(owner, [
        { name: 'after-the-bomb.docx', content: await corpus('single-paragraph.docx') },
      ]).expect(202);
      expect(await waitForFinal(next.body.accepted[0].id)).toMatchObject({
        status: 'completed',
      });
      await stack.worker!.getHttpAdapter().getInstance().ready();
      const live = await stack.worker!.inject({ method: 'GET', url: '/health/live' });
      expect(live.statusCode).toBe(200);
    }, 90_000);
  });

  it(`limits uploads per user: upload ${UPLOADS_PER_MINUTE + 1} in the window answers 429 with Retry-After`, async () => {
    const owner = await register();
    for (let n = 1; n <= UPLOADS_PER_MINUTE; n += 1) {
      await upload(owner, [
        { name: `n${n}.txt`, content: Buffer.from(`upload number ${n}`) },
      ]).expect(202);
    }
    const before = await storedFiles();
    const limited = await upload(owner, [{ name: 'one-more.txt', content: Buffer.from('more') }]);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await rowsOf(owner.id)).toHaveLength(UPLOADS_PER_MINUTE);
    expect(await storedFiles()).toEqual(before);
    // per user: someone else still uploads, and reads are not limited by it
    const other = await register();
    await upload(other, [{ name: 'mine.txt', content: Buffer.from('not limited') }]).expect(202);
    await http.get('/api/v1/documents').set(bearer(owner.token)).expect(200);
  });
});
