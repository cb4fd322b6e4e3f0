import { createHash, randomUUID } from 'node:crypto';
import { constants as fsConstants, type Stats } from 'node:fs';
import { mkdir, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CryptoError, type Keyring } from '@docent/crypto';
import {
  StorageInvalidKeyError,
  StorageNotFoundError,
  StorageTooLargeError,
  storageCorrupt,
  storageReadFailed,
} from './storage.errors';
import { parseStorageKey, type FileStorage, type PutOptions, type PutResult } from './file-storage';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
/** Temp files start with "." which no valid key segment can, so they never shadow a key. */
const TEMP_PREFIX = '.tmp-';

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** Counts and hashes plaintext on its way to the encryptor; enforces `maxBytes`. */
class Meter extends Transform {
  readonly hash = createHash('sha256');
  size = 0;

  constructor(private readonly maxBytes: number | undefined) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.maxBytes !== undefined && this.size > this.maxBytes) {
      callback(new StorageTooLargeError(this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }
}

/**
 * Files on local disk (a volume shared by api and worker), each encrypted with the keyring's
 * segmented AES-256-GCM stream. The storage key is the associated data, so a file copied or
 * renamed to another key does not decrypt. Directories are 0700 and files 0600; writes go to a
 * temp file in the target directory, are fsynced, then renamed over the final name.
 */
export class LocalEncryptedStorage implements FileStorage {
  private readonly root: string;

  constructor(
    dir: string,
    private readonly keyring: Keyring,
  ) {
    this.root = path.resolve(dir);
  }

  async put(key: string, content: Readable, options: PutOptions = {}): Promise<PutResult> {
    const target = this.pathOf(key);
    const dir = path.dirname(target);
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
    const temp = path.join(dir, `${TEMP_PREFIX}${path.basename(target)}-${randomUUID()}`);
    const meter = new Meter(options.maxBytes);
    try {
      const handle = await open(
        temp,
        fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL,
        FILE_MODE,
      );
      // the stream owns the handle: it fsyncs (flush) and closes it, also when destroyed
      const sink = handle.createWriteStream({ flush: true });
      const encrypt = this.keyring.encryptStream(key);
      await pipeline(content, meter, encrypt, sink, { signal: options.signal });
      await rename(temp, target);
    } catch (error) {
      content.destroy();
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await this.syncDir(dir);
    return { key, sizeBytes: meter.size, sha256: meter.hash.digest('hex') };
  }

  async get(key: string): Promise<Readable> {
    const target = this.pathOf(key);
    let handle: FileHandle;
    try {
      handle = await open(target, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
    } catch (error) {
      if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') throw this.notFound(key);
      throw storageReadFailed(key, error);
    }
    const isFile = await handle.stat().then(
      (stats) => stats.isFile(),
      () => false,
    );
    if (!isFile) {
      await handle.close();
      throw this.notFound(key);
    }
    const file = handle.createReadStream();
    const decrypt = this.keyring.decryptStream(key);
    const out = new PassThrough();
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      file.destroy();
      decrypt.destroy();
      out.destroy(
        error instanceof CryptoError ? storageCorrupt(key, error) : storageReadFailed(key, error),
      );
    };
    file.on('error', fail);
    decrypt.on('error', fail);
    // a consumer that stops early (client gone) releases the file descriptor
    out.on('close', () => {
      file.destroy();
      decrypt.destroy();
    });
    file.pipe(decrypt).pipe(out);
    return out;
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.pathOf(key));
    } catch (error) {
      if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    let stats: Stats;
    try {
      stats = await stat(this.pathOf(key));
    } catch (error) {
      if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return false;
      throw error;
    }
    return stats.isFile();
  }

  /** Absolute path of a key; refuses invalid keys and (defence in depth) anything outside root. */
  private pathOf(key: string): string {
    const target = path.resolve(this.root, ...parseStorageKey(key));
    if (!target.startsWith(this.root + path.sep)) {
      throw new StorageInvalidKeyError();
    }
    return target;
  }

  private notFound(key: string): StorageNotFoundError {
    return new StorageNotFoundError(key);
  }

  /** Makes the rename durable; some platforms cannot open directories, which is fine. */
  private async syncDir(dir: string): Promise<void> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(dir, fsConstants.O_RDONLY);
      await handle.sync();
    } catch {
      // best effort
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }
}
