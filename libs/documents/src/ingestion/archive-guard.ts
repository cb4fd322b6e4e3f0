import type { Readable } from 'node:stream';
import * as yauzl from 'yauzl';
import { ExtractionError } from './errors';
import { type ExtractionLimits } from './types';

export type ArchiveLimits = Pick<
  ExtractionLimits,
  'maxArchiveEntries' | 'maxArchiveUncompressedBytes' | 'maxArchiveEntryRatio'
>;

export interface ArchiveSummary {
  entries: number;
  /** Bytes actually inflated, all entries together. */
  uncompressedBytes: number;
  names: string[];
}

/** The ratio limit applies once an entry has inflated to at least this many bytes. */
const RATIO_MIN_BYTES = 1024 * 1024;

/**
 * Checks a ZIP archive for decompression bombs before anything else unpacks it: every entry is
 * really inflated (the sizes the archive declares are not trusted) and the bytes counted; the
 * check stops as soon as a limit is passed (`archive_bomb`). A broken archive is `corrupt_file`.
 */
export async function inspectArchive(
  content: Buffer,
  limits: ArchiveLimits,
): Promise<ArchiveSummary> {
  let zipfile: yauzl.ZipFile;
  try {
    zipfile = await openZip(content);
  } catch (error) {
    throw corrupt(error);
  }
  try {
    if (zipfile.entryCount > limits.maxArchiveEntries) {
      throw bomb(`it declares ${zipfile.entryCount} entries (limit ${limits.maxArchiveEntries})`);
    }
    return await scan(zipfile, limits);
  } finally {
    zipfile.close();
  }
}

function openZip(content: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(
      content,
      { lazyEntries: true, validateEntrySizes: false, decodeStrings: true, strictFileNames: false },
      (error, zipfile) => (error ? reject(error) : resolve(zipfile)),
    );
  });
}

function scan(zipfile: yauzl.ZipFile, limits: ArchiveLimits): Promise<ArchiveSummary> {
  return new Promise((resolve, reject) => {
    const summary: ArchiveSummary = { entries: 0, uncompressedBytes: 0, names: [] };
    let settled = false;
    let current: Readable | undefined;
    const fail = (error: ExtractionError): void => {
      if (settled) {
        return;
      }
      settled = true;
      current?.destroy();
      reject(error);
    };

    zipfile.on('error', (error: unknown) => fail(corrupt(error)));
    zipfile.on('end', () => {
      if (!settled) {
        settled = true;
        resolve(summary);
      }
    });
    zipfile.on('entry', (entry: yauzl.Entry) => {
      if (settled) {
        return;
      }
      summary.entries += 1;
      if (summary.entries > limits.maxArchiveEntries) {
        fail(bomb(`it has more than ${limits.maxArchiveEntries} entries`));
        return;
      }
      summary.names.push(entry.fileName);
      if (entry.fileName.endsWith('/')) {
        zipfile.readEntry();
        return;
      }
      zipfile.openReadStream(entry, (error, stream) => {
        if (settled) {
          stream?.destroy();
          return;
        }
        if (error) {
          fail(corrupt(error));
          return;
        }
        current = stream;
        let entryBytes = 0;
        stream.on('data', (chunk: Buffer) => {
          if (settled) {
            return;
          }
          entryBytes += chunk.length;
          summary.uncompressedBytes += chunk.length;
          if (summary.uncompressedBytes > limits.maxArchiveUncompressedBytes) {
            fail(
              bomb(
                `its entries inflate to more than ${limits.maxArchiveUncompressedBytes} bytes`,
                summary.uncompressedBytes,
              ),
            );
          } else if (
            entryBytes >= RATIO_MIN_BYTES &&
            entryBytes / Math.max(entry.compressedSize, 1) > limits.maxArchiveEntryRatio
          ) {
            fail(
              bomb(
                `entry "${entry.fileName}" inflates more than ${limits.maxArchiveEntryRatio} times its compressed size`,
                summary.uncompressedBytes,
              ),
            );
          }
        });
        stream.on('error', (streamError: unknown) => fail(corrupt(streamError)));
        stream.on('end', () => {
          current = undefined;
          if (!settled) {
            zipfile.readEntry();
          }
        });
      });
    });
    zipfile.readEntry();
  });
}

/** `inflated`: the bytes inflated when the check stopped it (said, so it can be seen to stop early). */
function bomb(reason: string, inflated?: number): ExtractionError {
  const stopped = inflated === undefined ? '' : ` (stopped after inflating ${inflated} bytes)`;
  return new ExtractionError(
    'archive_bomb',
    `The archive looks like a decompression bomb: ${reason}${stopped}.`,
  );
}

function corrupt(error: unknown): ExtractionError {
  if (error instanceof ExtractionError) {
    return error;
  }
  return new ExtractionError('corrupt_file', 'The archive is damaged and cannot be read.', {
    cause: error,
  });
}
