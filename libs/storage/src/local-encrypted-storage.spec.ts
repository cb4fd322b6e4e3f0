import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '@docent/common';
import { Keyring } from '@docent/crypto';
import { isValidStorageKey } from './file-storage';
import { LocalEncryptedStorage } from './local-encrypted-storage';
import {
  STORAGE_NOT_FOUND,
  STORAGE_TOO_LARGE,
  StorageNotFoundError,
  StorageTooLargeError,
} from './storage.errors';
import { CORPUS_DIR as CORPUS } from '../../../test/support/shared';
import { generatedSource, hashingSink } from '../../../test/support/streams';

const k1 = randomBytes(32);
const k2 = randomBytes(32);

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Reads until the stream fails; returns what it emitted and the error. */
async function readUntilError(stream: Readable): Promise<{ data: Buffer; error?: unknown }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return { data: Buffer.concat(chunks) };
  } catch (error) {
    return { data: Buffer.concat(chunks), error };
  }
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

/** Lists every file under `dir`, relative, recursively. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe('LocalEncryptedStorage', () => {
  let dir: string;
  let keyring: Keyring;
  let storage: LocalEncryptedStorage;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'docent-storage-'));
    keyring = new Keyring(new Map([['k1', k1]]), 'k1');
    storage = new LocalEncryptedStorage(path.join(dir, 'files'), keyring);
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds the shared corpus', () => {
    expect(existsSync(path.join(CORPUS, 'minimal-document.pdf'))).toBe(true);
  });

  it('round-trips every PDF of the corpus, with size and sha256', async () => {
    const names = (await readdir(CORPUS)).filter((name) => name.endsWith('.pdf'));
    expect(names.length).toBeGreaterThanOrEqual(5);
    for (const [index, name] of names.entries()) {
      const original = await readFile(path.join(CORPUS, name));
      const key = `documents/owner-1/doc-${index}`;
      const result = await storage.put(key, Readable.from([original]));
      expect(result).toEqual({
        key,
        sizeBytes: original.length,
        sha256: createHash('sha256').update(original).digest('hex'),
      });
      expect(await storage.exists(key)).toBe(true);
      expect((await readAll(await storage.get(key))).equals(original)).toBe(true);
    }
  });

  it('keeps files encrypted on disk: no plaintext in the stored bytes', async () => {
    const pdf = await readFile(path.join(CORPUS, 'google-doc-document.pdf'));
    const marker = 'Readability counts. Docent plaintext marker.';
    const text = Buffer.from(`${marker}\n`.repeat(5000));
    await storage.put('a/pdf', Readable.from([pdf]));
    await storage.put('a/text', Readable.from([text]));
    const storedPdf = await readFile(path.join(dir, 'files/a/pdf'));
    const storedText = await readFile(path.join(dir, 'files/a/text'));
    expect(storedPdf.subarray(0, 4).toString('ascii')).toBe('DCNT');
    expect(storedPdf.includes(Buffer.from('%PDF'))).toBe(false);
    expect(storedPdf.includes(pdf.subarray(1000, 1032))).toBe(false);
    expect(storedText.includes(Buffer.from('Readability counts'))).toBe(false);
    expect(storedText.includes(Buffer.from(marker.slice(10, 30)))).toBe(false);
  });

  it('stores a large file streamed in small chunks and returns it intact', async () => {
    const total = 5 * 1024 * 1024 + 321;
    const sent = generatedSource(total, 8191);
    const result = await storage.put('big/file', sent.source);
    const expected = sent.sha256();
    expect(result.sizeBytes).toBe(total);
    expect(result.sha256).toBe(expected);

    const arrived = hashingSink();
    await pipeline(await storage.get('big/file'), arrived.sink);
    expect(arrived.received()).toBe(total);
    expect(arrived.sha256()).toBe(expected);
  });

  it('stores an empty file', async () => {
    const result = await storage.put('empty', Readable.from([]));
    expect(result.sizeBytes).toBe(0);
    expect(await readAll(await storage.get('empty'))).toHaveLength(0);
  });

  it('creates directories 0700 and files 0600', async () => {
    await storage.put('x/y/z', Readable.from([Buffer.from('hi')]));
    expect((await stat(path.join(dir, 'files'))).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(dir, 'files/x'))).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(dir, 'files/x/y'))).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(dir, 'files/x/y/z'))).mode & 0o777).toBe(0o600);
  });

  it('leaves no file and no temp file when the source stream fails', async () => {
    let pushed = 0;
    const failing = new Readable({
      read() {
        pushed += 1;
        if (pushed <= 5) this.push(randomBytes(100_000));
        else this.destroy(new Error('client went away'));
      },
    });
    await expect(storage.put('docs/broken', failing)).rejects.toThrow('client went away');
    expect(await storage.exists('docs/broken')).toBe(false);
    expect(await listFiles(path.join(dir, 'files'))).toEqual([]);
  });

  it('keeps the previous file when replacing it fails', async () => {
    await storage.put('docs/one', Readable.from([Buffer.from('version 1')]));
    const failing = new Readable({
      read() {
        this.destroy(new Error('boom'));
      },
    });
    await expect(storage.put('docs/one', failing)).rejects.toThrow('boom');
    expect((await readAll(await storage.get('docs/one'))).toString()).toBe('version 1');
    expect(await listFiles(path.join(dir, 'files'))).toEqual(['docs/one']);
  });

  it('replaces a file atomically on a successful put', async () => {
    await storage.put('docs/one', Readable.from([Buffer.from('version 1')]));
    await storage.put('docs/one', Readable.from([Buffer.from('version 2')]));
    expect((await readAll(await storage.get('docs/one'))).toString()).toBe('version 2');
    expect(await listFiles(path.join(dir, 'files'))).toEqual(['docs/one']);
  });

  it('refuses a source over maxBytes and keeps nothing', async () => {
    const error = await rejectsWith(
      storage.put('docs/big', Readable.from([randomBytes(600), randomBytes(600)]), {
        maxBytes: 1000,
      }),
      STORAGE_TOO_LARGE,
    );
    // callers tell it apart by class, never by matching the code string
    expect(error).toBeInstanceOf(StorageTooLargeError);
    expect((error as StorageTooLargeError).maxBytes).toBe(1000);
    expect(await listFiles(path.join(dir, 'files'))).toEqual([]);
  });

  it('stops and keeps nothing when aborted', async () => {
    const controller = new AbortController();
    const endless = new Readable({
      read() {
        this.push(randomBytes(1000));
      },
    });
    const put = storage.put('docs/aborted', endless, { signal: controller.signal });
    setImmediate(() => controller.abort());
    await expect(put).rejects.toThrow();
    expect(await listFiles(path.join(dir, 'files'))).toEqual([]);
  });

  it.each([
    '../escape',
    'a/../../escape',
    '/etc/passwd',
    'a//b',
    'a/',
    '',
    '.',
    '..',
    'a/./b',
    '.tmp-a',
    'Upper',
    'a\\..\\b',
    'a\0b',
    'report.pdf',
    'space here',
    '-leading',
    'x'.repeat(600),
  ])('refuses the key %j everywhere', async (key) => {
    expect(isValidStorageKey(key)).toBe(false);
    await rejectsWith(storage.put(key, Readable.from([Buffer.from('x')])), 'storage_invalid_key');
    await rejectsWith(storage.get(key), 'storage_invalid_key');
    await rejectsWith(storage.exists(key), 'storage_invalid_key');
    await rejectsWith(storage.delete(key), 'storage_invalid_key');
    expect(await listFiles(dir)).toEqual([]);
  });

  it.each(['a', 'documents/0193a0b2-7c4e-7abc-8def-0123456789ab/original', 'a-b/c1/d'])(
    'accepts the key %j',
    (key) => {
      expect(isValidStorageKey(key)).toBe(true);
    },
  );

  it('fails to decrypt files swapped between keys (storage_corrupt)', async () => {
    await storage.put('docs/a', Readable.from([Buffer.from('content of a')]));
    await storage.put('docs/b', Readable.from([Buffer.from('content of b')]));
    const a = path.join(dir, 'files/docs/a');
    const b = path.join(dir, 'files/docs/b');
    await rename(a, `${a}.swap`);
    await rename(b, a);
    await rename(`${a}.swap`, b);
    for (const key of ['docs/a', 'docs/b']) {
      const { data, error } = await readUntilError(await storage.get(key));
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('storage_corrupt');
      expect(data).toHaveLength(0);
    }
  });

  it('reports a tampered file as storage_corrupt without emitting unauthenticated data', async () => {
    const content = randomBytes(3 * 64 * 1024);
    await storage.put('docs/t', Readable.from([content]));
    const file = path.join(dir, 'files/docs/t');
    const stored = await readFile(file);
    stored[stored.length - 100] ^= 0x01; // inside the final segment
    await writeFile(file, stored);
    const { data, error } = await readUntilError(await storage.get('docs/t'));
    expect((error as AppError).code).toBe('storage_corrupt');
    expect(data.equals(content.subarray(0, 2 * 64 * 1024))).toBe(true);
  });

  it('reports a file whose key was removed from the keyring as storage_corrupt', async () => {
    await storage.put('docs/old', Readable.from([Buffer.from('old')]));
    const retired = new LocalEncryptedStorage(
      path.join(dir, 'files'),
      new Keyring(new Map([['k2', k2]]), 'k2'),
    );
    const { error } = await readUntilError(await retired.get('docs/old'));
    expect((error as AppError).code).toBe('storage_corrupt');
    expect(((error as AppError).cause as AppError).code).toBe('crypto_unknown_key_id');
  });

  it('reads files written before a key rotation', async () => {
    await storage.put('docs/old', Readable.from([Buffer.from('old')]));
    const rotated = new LocalEncryptedStorage(
      path.join(dir, 'files'),
      new Keyring(
        new Map([
          ['k1', k1],
          ['k2', k2],
        ]),
        'k2',
      ),
    );
    expect((await readAll(await rotated.get('docs/old'))).toString()).toBe('old');
  });

  it('throws storage_not_found for a missing file', async () => {
    const error = await rejectsWith(storage.get('docs/missing'), STORAGE_NOT_FOUND);
    expect(error).toBeInstanceOf(StorageNotFoundError);
    expect(await storage.exists('docs/missing')).toBe(false);
  });

  it('deletes idempotently', async () => {
    await storage.put('docs/d', Readable.from([Buffer.from('x')]));
    await storage.delete('docs/d');
    expect(await storage.exists('docs/d')).toBe(false);
    await expect(storage.delete('docs/d')).resolves.toBeUndefined();
    await expect(storage.delete('never/existed/at-all')).resolves.toBeUndefined();
  });

  it('does not report a directory as an existing file', async () => {
    await storage.put('docs/d', Readable.from([Buffer.from('x')]));
    expect(await storage.exists('docs')).toBe(false);
    await rejectsWith(storage.get('docs'), 'storage_not_found');
    await expect(storage.delete('docs')).rejects.toThrow(); // a directory is not a stored file
  });

  it('releases the file when a reader stops early', async () => {
    await storage.put('docs/r', Readable.from([randomBytes(300_000)]));
    const stream = await storage.get('docs/r');
    const closed = new Promise((resolve) => stream.once('close', resolve));
    stream.destroy();
    await closed;
    await storage.delete('docs/r');
    expect(await storage.exists('docs/r')).toBe(false);
  });
});
