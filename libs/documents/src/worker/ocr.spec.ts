import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { scannedPdf } from '../ingestion/test-pdf';
import { corpus, expectCode } from '../ingestion/test-support';
import type { OcrCandidate } from '../ingestion/types';
import { extractInChild } from './extract-in-child';
import {
  detectOcrTools,
  limitedCommand,
  MAX_IMAGE_BYTES,
  ocrEnvironment,
  type OcrLimits,
  ocrPdfPages,
  type OcrRunner,
  type OcrTools,
  pdftoppmArgs,
  renderDpi,
  sweepStaleOcrDirs,
  tesseractArgs,
  tidyOcrText,
} from './ocr';

const LIMITS: OcrLimits = {
  languages: 'eng',
  maxPages: 10,
  dpi: 300,
  pageTimeoutMs: 60_000,
  timeoutMs: 300_000,
  memoryMb: 1024,
};

const LETTER: Omit<OcrCandidate, 'page'> = { width: 612, height: 792 };

/** Whether a process is still there (a zombie counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return true;
}

describe('OCR command lines', () => {
  it('renders one page to a grayscale PNG with a fixed name, and reads it to stdout', () => {
    expect(pdftoppmArgs('/t/document.pdf', '/t/page-3', 3, 300)).toEqual([
      '-f',
      '3',
      '-l',
      '3',
      '-r',
      '300',
      '-gray',
      '-png',
      '-singlefile',
      '-q',
      '/t/document.pdf',
      '/t/page-3',
    ]);
    expect(tesseractArgs('/t/page-3.png', 'eng+deu', 300)).toEqual([
      '/t/page-3.png',
      'stdout',
      '-l',
      'eng+deu',
      '--dpi',
      '300',
      '--psm',
      '3',
    ]);
  });

  it('runs a program through prlimit (address space, CPU, file size, no core) when there is one', () => {
    const tools: OcrTools = { tesseract: '/bin/t', pdftoppm: '/bin/p' };
    expect(limitedCommand(tools, '/bin/t', ['a', 'b'], { memoryMb: 512, cpuSeconds: 61 })).toEqual([
      '/bin/t',
      ['a', 'b'],
    ]);
    expect(
      limitedCommand({ ...tools, prlimit: '/usr/bin/prlimit' }, '/bin/t', ['a'], {
        memoryMb: 512,
        cpuSeconds: 61,
      }),
    ).toEqual([
      '/usr/bin/prlimit',
      [
        `--as=${512 * 1024 * 1024}`,
        '--cpu=61',
        `--fsize=${MAX_IMAGE_BYTES}`,
        '--core=0',
        '--',
        '/bin/t',
        'a',
      ],
    ]);
  });

  it('gives the programs none of the worker environment', () => {
    expect(ocrEnvironment()).toEqual({ LC_ALL: 'C', OMP_THREAD_LIMIT: '1' });
  });

  it('renders at the configured resolution, lower for huge pages, and skips what cannot be read', () => {
    expect(renderDpi({ page: 1, ...LETTER }, 300)).toBe(300);
    // a 100-inch poster: its longer side fits 7000 pixels
    expect(renderDpi({ page: 1, width: 7200, height: 3600 }, 300)).toBe(70);
    // 1000 inches would need under 50 dpi
    expect(renderDpi({ page: 1, width: 72_000, height: 100 }, 300)).toBeUndefined();
    // imagemagick-images.pdf's pages are 3.84 pt square: 16 pixels at 300 dpi
    expect(renderDpi({ page: 1, width: 3.84, height: 3.84 }, 300)).toBeUndefined();
    expect(renderDpi({ page: 1, width: 0, height: 0 }, 300)).toBeUndefined();
    expect(renderDpi({ page: 1, width: Number.NaN, height: 10 }, 300)).toBeUndefined();
  });

  it('drops form feeds and trailing blanks from what Tesseract prints', () => {
    expect(tidyOcrText('Hello\nworld\n\f')).toBe('Hello\nworld');
  });
});

describe('OCR of scanned pages (Debian tesseract-ocr and poppler-utils)', () => {
  let tools: OcrTools;
  let scan: Buffer;
  const runner = (limits: OcrLimits = LIMITS): OcrRunner => ({
    read: async (writePdf, candidates) =>
      (await ocrPdfPages(writePdf, candidates, tools, limits)).pages,
  });

  beforeAll(async () => {
    const found = await detectOcrTools('eng');
    if ('problem' in found) throw new Error(`these tests need OCR: ${found.problem}`);
    tools = found.tools;
    scan = await scannedPdf([
      ['Scanned page one', 'The quick brown fox'],
      ['Second scanned page', 'jumps over the lazy dog'],
    ]);
  }, 60_000);

  it('finds the programs and the installed languages, and names what is missing', async () => {
    const found = await detectOcrTools('eng');
    expect(found).toMatchObject({ tools: { tesseract: expect.stringMatching(/tesseract$/) } });
    expect(await detectOcrTools('eng+zzz')).toEqual({
      problem: expect.stringMatching(/^Tesseract has no data for zzz \(installed: .*eng/),
    });
    expect(await detectOcrTools('eng', ['/nonexistent', 'usr/bin'])).toEqual({
      problem:
        'tesseract (Debian: tesseract-ocr) and pdftoppm (Debian: poppler-utils) not found in /nonexistent, usr/bin',
    });
  });

  it('reads an image-only PDF page by page, keeping the page numbers', async () => {
    const result = await extractInChild(scan, 'pdf', { inProcess: true, ocr: runner() });
    expect(result.pageCount).toBe(2);
    expect(result.pages.map((p) => p.page)).toEqual([1, 2]);
    expect(result.pages[0].text).toMatch(/Scanned page one\s+The quick brown fox/);
    expect(result.pages[1].text).toMatch(/Second scanned page\s+jumps over the lazy dog/);
    expect(result.ocrCandidates).toBeUndefined();
  }, 120_000);

  it('without OCR, the same PDF still has no extractable text', async () => {
    await expectCode(() => extractInChild(scan, 'pdf', { inProcess: true }), 'no_extractable_text');
  });

  it('reads only the pages without a text layer of a mixed PDF', async () => {
    const mixed = await scannedPdf(
      [
        ['Typed page with a text layer'],
        ['A scanned page in between'],
        ['Another typed page here'],
      ],
      { textPages: [1, 3] },
    );
    const asked: number[][] = [];
    const result = await extractInChild(mixed, 'pdf', {
      inProcess: true,
      ocr: {
        read: (writePdf, candidates) => {
          asked.push(candidates.map((c) => c.page));
          return runner().read(writePdf, candidates);
        },
      },
    });
    expect(asked).toEqual([[2]]);
    expect(result.pages.map((p) => [p.page, p.text.trim()])).toEqual([
      [1, 'Typed page with a text layer'],
      [2, expect.stringMatching(/^A scanned page in between$/)],
      [3, 'Another typed page here'],
    ]);
  }, 120_000);

  it('a text PDF never starts OCR', async () => {
    const asked: number[] = [];
    const result = await extractInChild(corpus('pdflatex-4-pages.pdf'), 'pdf', {
      inProcess: true,
      ocr: {
        read: (_writePdf, candidates) => {
          asked.push(candidates.length);
          return Promise.resolve([]);
        },
      },
    });
    expect(result.pages).toHaveLength(4);
    expect(asked).toEqual([0]);
  });

  it('is no_extractable_text when OCR finds nothing either (a blank scan, tiny images)', async () => {
    const blank = await scannedPdf([[]]);
    const error = await expectCode(
      () => extractInChild(blank, 'pdf', { inProcess: true, ocr: runner() }),
      'no_extractable_text',
    );
    expect(error.message).toMatch(/OCR found no text/);
    await expectCode(
      () =>
        extractInChild(corpus('imagemagick-images.pdf'), 'pdf', {
          inProcess: true,
          ocr: runner(),
        }),
      'no_extractable_text',
    );
  }, 60_000);

  it('reads at most maxPages pages and reports the others as skipped', async () => {
    const written: string[] = [];
    const { pages, reports } = await ocrPdfPages(
      async (path) => {
        written.push(path);
        await writeFile(path, scan, { mode: 0o600 });
      },
      [
        { page: 1, ...LETTER },
        { page: 2, ...LETTER },
      ],
      tools,
      { ...LIMITS, maxPages: 1 },
    );
    expect(pages.map((p) => p.page)).toEqual([1]);
    expect(reports.map((r) => [r.page, r.outcome])).toEqual([
      [1, 'text'],
      [2, 'skipped'],
    ]);
    expect(reports[1].reason).toMatch(/OCR_MAX_PAGES/);
    // the private directory and everything in it are gone
    expect(written).toHaveLength(1);
    expect(dirname(written[0])).toMatch(/docent-ocr-/);
    expect(existsSync(dirname(written[0]))).toBe(false);
  }, 120_000);

  it('kills a page that outlives its time and leaves it without text', async () => {
    // stand-ins: a pdftoppm that writes an empty image at once, and a tesseract that hangs on it
    const dir = mkdtempSync(join(tmpdir(), 'docent-spec-ocr-'));
    try {
      const render = join(dir, 'pdftoppm');
      writeFileSync(render, '#!/bin/sh\nfor a; do p=$a; done\n: > "$p.png"\n');
      const hanging = join(dir, 'tesseract');
      const pidFile = join(dir, 'pid');
      writeFileSync(hanging, `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 60\n`);
      chmodSync(render, 0o700);
      chmodSync(hanging, 0o700);
      const { pages, reports } = await ocrPdfPages(
        (path) => writeFile(path, scan, { mode: 0o600 }),
        [{ page: 1, ...LETTER }],
        { ...tools, pdftoppm: render, tesseract: hanging },
        { ...LIMITS, pageTimeoutMs: 1500 },
      );
      expect(pages).toEqual([]);
      expect(reports).toEqual([
        expect.objectContaining({ page: 1, outcome: 'timeout', reason: 'tesseract timed out' }),
      ]);
      const { readFileSync } = await import('node:fs');
      expect(alive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('sweeps the OCR directories a dead worker left, not the ones in use or anything else', async () => {
    const root = mkdtempSync(join(tmpdir(), 'docent-spec-sweep-'));
    try {
      const old = new Date(Date.now() - 3_600_000);
      for (const name of ['docent-ocr-left', 'docent-ocr-live', 'other-old']) {
        mkdirSync(join(root, name));
        writeFileSync(join(root, name, 'document.pdf'), 'x');
      }
      writeFileSync(join(root, 'docent-ocr-file'), 'not a directory');
      for (const name of ['docent-ocr-left', 'other-old', 'docent-ocr-file']) {
        utimesSync(join(root, name), old, old);
      }
      expect(await sweepStaleOcrDirs(600_000, root)).toBe(1);
      expect(readdirSync(root).sort()).toEqual(['docent-ocr-file', 'docent-ocr-live', 'other-old']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('leaves the rest unread once the document time is spent', async () => {
    const { reports } = await ocrPdfPages(
      (path) => writeFile(path, scan, { mode: 0o600 }),
      [
        { page: 1, ...LETTER },
        { page: 2, ...LETTER },
      ],
      tools,
      { ...LIMITS, timeoutMs: 0 },
    );
    expect(reports.map((r) => [r.page, r.outcome, r.reason])).toEqual([
      [1, 'skipped', 'OCR_TIMEOUT spent'],
      [2, 'skipped', 'OCR_TIMEOUT spent'],
    ]);
  });
});
