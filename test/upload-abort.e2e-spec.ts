import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { waitFor } from './support/http';
import { bearer, type SignedUp, signUp, type Stack, startStack } from './support/stack';

/** The request line the api writes once a response is finished. */
interface RequestLine {
  req?: { id?: string };
  res?: { statusCode?: number };
}

/** Every file under the storage folder (temporary ones included), relative to it. */
async function storedFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));
}

/**
 * Issue 18: a client that cancels an upload aborts its request (the web client's Cancel button).
 * The api must then keep nothing: no document row and no stored file, neither of the file being
 * received nor of files of the same request that had already arrived whole; and when the whole
 * body had arrived, nothing the client cannot know of (it never got the answer with the ids).
 * Real api, worker, PostgreSQL, Redis and storage folder; the client is a raw socket, so the
 * abort happens exactly where the test wants it.
 */
describe('an upload aborted by the client', () => {
  let stack: Stack;
  let port: number;
  let person: SignedUp;

  beforeAll(async () => {
    // the worker removes the files of documents deleted after their client left
    stack = await startStack({ RATE_LIMIT_UPLOAD: '1000/1m' }, { worker: true });
    await stack.api.listen(0, '127.0.0.1');
    port = (stack.api.getHttpServer().address() as AddressInfo).port;
    person = await signUp(stack, { prefix: 'abort' });
  });

  afterAll(async () => {
    await stack?.close();
  });

  const storage = () => stack.config.storage.dir;

  /** Starts a multipart upload on a raw socket and writes `parts`, leaving the body unfinished. */
  function startUpload(parts: Buffer[], declaredLength: number, requestId?: string): Socket {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(
      [
        'POST /api/v1/documents HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        ...(requestId ? [`X-Request-Id: ${requestId}`] : []),
        `Authorization: ${bearer(person.token).Authorization}`,
        `Content-Type: multipart/form-data; boundary=${BOUNDARY}`,
        `Content-Length: ${declaredLength}`,
        'Accept: application/json',
        '',
        '',
      ].join('\r\n'),
    );
    for (const part of parts) socket.write(part);
    return socket;
  }

  const BOUNDARY = `----docent${randomBytes(8).toString('hex')}`;
  const partHead = (name: string) =>
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="${name}"\r\n` +
        'Content-Type: text/plain\r\n\r\n',
    );
  /** Plain text that passes type detection, `size` bytes of it. */
  const text = (size: number) =>
    Buffer.from(`Notes ${randomBytes(8).toString('hex')}. `.repeat(Math.ceil(size / 24))).subarray(
      0,
      size,
    );

  async function documentsOfPerson(): Promise<unknown[]> {
    const res = await stack.http.get('/api/v1/documents').set(bearer(person.token)).expect(200);
    return (res.body as { items: unknown[] }).items;
  }

  it('keeps no document and no file when the socket closes in the middle of the second file', async () => {
    expect(await storedFiles(storage())).toEqual([]);
    const whole = Buffer.concat([partHead('first.txt'), text(4_000), Buffer.from('\r\n')]);
    const started = Buffer.concat([partHead('second.txt'), text(256 * 1024)]);
    // the body announces far more than is sent: the server is still waiting when the client leaves
    const socket = startUpload([whole, started], whole.length + started.length + 10_000_000);

    // the first file is stored whole and the second is being written: two files on disk
    await waitFor(async () => (await storedFiles(storage())).length >= 2, 30_000);
    socket.destroy();

    // everything the request stored is removed, temporary files included
    await waitFor(async () => (await storedFiles(storage())).length === 0, 30_000);
    expect(await documentsOfPerson()).toEqual([]);

    // and the api still takes uploads: a complete one is accepted and stored
    const res = await stack.http
      .post('/api/v1/documents')
      .set(bearer(person.token))
      .attach('files', text(2_000), { filename: 'after.txt', contentType: 'text/plain' })
      .expect(202);
    expect((res.body as { accepted: unknown[] }).accepted).toHaveLength(1);
    expect(await documentsOfPerson()).toHaveLength(1);
    expect(await storedFiles(storage())).toHaveLength(1);
  }, 90_000);

  it('keeps nothing when the socket closes in the middle of the only file', async () => {
    const before = await storedFiles(storage());
    const started = Buffer.concat([partHead('only.txt'), text(256 * 1024)]);
    const socket = startUpload([started], started.length + 10_000_000);
    await waitFor(async () => (await storedFiles(storage())).length > before.length, 30_000);
    socket.destroy();
    await waitFor(async () => (await storedFiles(storage())).length === before.length, 30_000);
    expect(await storedFiles(storage())).toEqual(before);
    expect(await documentsOfPerson()).toHaveLength(1);
  }, 90_000);

  it('keeps nothing of a whole upload whose client leaves before the answer, whenever it leaves', async () => {
    type Listed = { id: string; filename: string };
    const listed = async () => (await documentsOfPerson()) as Listed[];
    const before = (await listed()).map((doc) => doc.id);
    const run = randomBytes(4).toString('hex');
    const uploads: { filename: string; requestId: string; answeredId?: string }[] = [];
    // from "the body has just left" to "the answer is on its way": before, during and after the
    // server stores, commits and enqueues the file
    for (const delay of [0, 1, 2, 3, 5, 8, 12, 16, 20, 25, 30, 40, 60]) {
      const upload = { filename: `whole-${delay}.txt`, requestId: `abort-${run}-${delay}` };
      const whole = Buffer.concat([
        partHead(upload.filename),
        text(4_000),
        Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
      ]);
      const socket = startUpload([], whole.length, upload.requestId);
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
      await new Promise<void>((resolve) => socket.write(whole, () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, delay));
      socket.destroy();
      // a 202 that reached the client names the document: that one it knows
      const answeredId = /"accepted":\[\{"id":"([0-9a-f-]{36})"/.exec(answer)?.[1];
      uploads.push({ ...upload, answeredId });
    }

    // The server cannot see whether the client read an answer it handed over whole (on loopback
    // it sits in the client's socket when the client leaves), so the truth of "answered" is the
    // server's: its request line, written once the response is finished. Exactly the uploads it
    // answered keep their document (and its file); the others keep nothing.
    const finishedAnswers = () =>
      new Set(
        stack.logs
          .filter((line) => line.includes('"request completed"'))
          .map((line) => JSON.parse(line) as RequestLine)
          .filter((line) => line.res?.statusCode === 202)
          .map((line) => line.req?.id),
      );
    let state = '';
    await waitFor(async () => {
      const answered = finishedAnswers();
      const docs = await listed();
      const kept = docs.filter((doc) => !before.includes(doc.id));
      const files = await storedFiles(storage());
      const expectedNames = uploads
        .filter((upload) => answered.has(upload.requestId))
        .map((upload) => upload.filename)
        .sort();
      state = JSON.stringify({
        expectedNames,
        kept: kept.map((doc) => doc.filename).sort(),
        files: files.length,
        docs: docs.length,
      });
      return (
        JSON.stringify(kept.map((doc) => doc.filename).sort()) === JSON.stringify(expectedNames) &&
        files.length === docs.length &&
        files.every((file) => docs.some((doc) => file === `documents/${doc.id}`))
      );
    }, 30_000).catch((error: unknown) => {
      throw new Error(`${String(error)}: ${state}`);
    });
    // every answer the client did read names a document that is kept, by its own name
    const docs = await listed();
    for (const upload of uploads.filter((u) => u.answeredId)) {
      expect(docs.find((doc) => doc.id === upload.answeredId)?.filename).toBe(upload.filename);
    }
    // the early closes reached the server before its answer: not every upload was kept
    expect(docs.length - before.length).toBeLessThan(uploads.length);
  }, 120_000);
});
