import { inspectArchive } from './archive-guard';
import { ExtractionError } from './errors';
import { extractText } from './extract';
import { DEFAULT_EXTRACTION_LIMITS } from './types';
import {
  buildZip,
  caught,
  corpus,
  deflatedZeros,
  docxParts,
  entry,
  SIMPLE_DOCUMENT_XML,
  type ZipEntrySpec,
} from './test-support';

const MB = 1024 * 1024;

/** A docx-shaped ZIP whose extra entry inflates to `megabytes` MiB of zeros. */
function docxBomb(megabytes: number, declaredUncompressedSize = megabytes * MB): Buffer {
  const zeros = deflatedZeros(megabytes);
  const bomb: ZipEntrySpec = {
    name: 'word/media/zeros.bin',
    data: zeros,
    method: 8,
    declaredUncompressedSize,
  };
  return buildZip([...docxParts(SIMPLE_DOCUMENT_XML), bomb]);
}

async function expectBomb(promise: () => Promise<unknown>): Promise<ExtractionError> {
  const error = await caught(promise);
  expect(error).toBeInstanceOf(ExtractionError);
  expect(error.code).toBe('archive_bomb');
  expect(error.permanent).toBe(true);
  return error as unknown as ExtractionError;
}

/** The bytes a bomb check had inflated when it stopped (from its message). */
function inflatedBytes(error: Error): number {
  const match = /stopped after inflating (\d+) bytes/.exec(error.message);
  expect(match).not.toBeNull();
  return Number(match![1]);
}

describe('inspectArchive', () => {
  it('passes the corpus docx files and counts their real sizes', async () => {
    for (const name of ['single-paragraph.docx', 'tables.docx', 'footnotes.docx', 'empty.docx']) {
      const summary = await inspectArchive(corpus(name), DEFAULT_EXTRACTION_LIMITS);
      expect(summary.names).toContain('word/document.xml');
      expect(summary.entries).toBe(summary.names.length);
      expect(summary.uncompressedBytes).toBeGreaterThan(0);
    }
  });

  it('a hand-made docx zip passes and extracts', async () => {
    const zip = buildZip(docxParts(SIMPLE_DOCUMENT_XML));
    const summary = await inspectArchive(zip, DEFAULT_EXTRACTION_LIMITS);
    expect(summary.entries).toBe(3);
    await expect(extractText(zip, 'docx')).resolves.toEqual({
      pages: [{ page: 1, text: 'Hand made docx' }],
      pageCount: 1,
    });
  });

  it('a 300 MB entry of deflated zeros → archive_bomb, fast, without inflating it all', async () => {
    const zip = docxBomb(300);
    expect(zip.length).toBeLessThan(1 * MB);
    const error = await expectBomb(() => extractText(zip, 'docx'));
    expect(error.message).toMatch(/times its compressed size/);
    // stopped once the ratio was passed: a small part of the 300 MB was ever inflated
    expect(inflatedBytes(error)).toBeLessThan(300 * MB * 0.2);
  });

  it('the total-size limit catches it too (ratio limit out of the way)', async () => {
    const zip = docxBomb(300);
    const error = await expectBomb(() =>
      inspectArchive(zip, {
        ...DEFAULT_EXTRACTION_LIMITS,
        maxArchiveEntryRatio: Number.MAX_SAFE_INTEGER,
        maxArchiveUncompressedBytes: 20 * MB,
      }),
    );
    expect(error.message).toMatch(/more than 20971520 bytes/);
    // stopped at the limit, one inflated chunk past it at most
    expect(inflatedBytes(error)).toBeGreaterThan(20 * MB);
    expect(inflatedBytes(error)).toBeLessThan(21 * MB);
  });

  it('a zip whose headers lie about the sizes is still caught by counting inflated bytes', async () => {
    // Claims 1 KB uncompressed (local header and central directory alike).
    const zip = docxBomb(30, 1024);
    await expectBomb(() => extractText(zip, 'docx'));
    await expectBomb(() =>
      inspectArchive(zip, {
        ...DEFAULT_EXTRACTION_LIMITS,
        maxArchiveEntryRatio: Number.MAX_SAFE_INTEGER,
        maxArchiveUncompressedBytes: 10 * MB,
      }),
    );
  });

  it('many small entries → archive_bomb (entry count limit)', async () => {
    const many = Array.from({ length: 20 }, (_, i) => entry(`word/part${i}.xml`, `<x>${i}</x>`));
    const zip = buildZip([...docxParts(SIMPLE_DOCUMENT_XML), ...many]);
    const error = await expectBomb(() =>
      inspectArchive(zip, { ...DEFAULT_EXTRACTION_LIMITS, maxArchiveEntries: 10 }),
    );
    expect(error.message).toMatch(/entries/);
    await expect(
      inspectArchive(zip, { ...DEFAULT_EXTRACTION_LIMITS, maxArchiveEntries: 23 }),
    ).resolves.toMatchObject({ entries: 23 });
  });

  it('a broken archive → corrupt_file', async () => {
    const error = await caught(() =>
      inspectArchive(Buffer.from('PK\u0003\u0004 definitely not a zip'), DEFAULT_EXTRACTION_LIMITS),
    );
    expect(error).toMatchObject({ code: 'corrupt_file', permanent: true });

    // Valid directory, entry data that is not a deflate stream.
    const zip = buildZip([
      {
        name: 'word/document.xml',
        data: Buffer.from('garbage!'),
        method: 8,
        declaredUncompressedSize: 8,
      },
    ]);
    const dataError = await caught(() => inspectArchive(zip, DEFAULT_EXTRACTION_LIMITS));
    expect(dataError).toMatchObject({ code: 'corrupt_file' });
  });
});
