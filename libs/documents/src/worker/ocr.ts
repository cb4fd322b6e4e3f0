import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OcrSettings } from '@docent/config';
import { hasText } from '../ingestion/text-result';
import type { OcrCandidate, PageText } from '../ingestion/types';
import { describeRun, OCR_DIR_PREFIX, ocrEnvironment, runBounded } from './ocr-process';
import type { OcrTools } from './ocr-tools';

export { OCR_DIR_PREFIX, ocrEnvironment } from './ocr-process';
export {
  detectOcrTools,
  findProgram,
  OCR_PROGRAM_DIRS,
  type OcrTools,
  sweepStaleOcrDirs,
} from './ocr-tools';

/**
 * OCR of the PDF pages that have no text layer, in the worker (not in the extraction process,
 * which may not start programs): each page is rendered to a grayscale PNG by poppler's `pdftoppm`
 * and read by `tesseract`, one page at a time, in a private temporary directory removed
 * afterwards. Bounded: at most `maxPages` pages, `pageTimeoutMs` per page (render and
 * recognition), `timeoutMs` for the document, images of at most `MAX_RENDER_SIDE_PX` a side and
 * `MAX_IMAGE_BYTES`, `MAX_PAGE_TEXT_BYTES` of text a page; with `prlimit` (util-linux) each program
 * also runs under an address-space, CPU-time and file-size cap. A page that fails, times out or
 * is out of bounds is left without text (logged and counted), never the document.
 */

/** A rendered page is at most this many pixels a side: the resolution is lowered to fit. */
export const MAX_RENDER_SIDE_PX = 7000;
/** Below this resolution a (huge) page is not read. */
export const MIN_RENDER_DPI = 50;
/** A page that renders smaller than this on its longer side holds no readable text. */
export const MIN_RENDER_SIDE_PX = 32;
/** Largest file a program may write (the rendered PNG); `prlimit --fsize`, and checked. */
export const MAX_IMAGE_BYTES = 64 * 1024 * 1024;
/** Text Tesseract may print for one page; more is killed (a full page is about 10 KB). */
export const MAX_PAGE_TEXT_BYTES = 512 * 1024;

/** How one candidate page went. */
export type OcrPageOutcome = 'text' | 'empty' | 'failed' | 'timeout' | 'skipped';

export interface OcrPageReport {
  page: number;
  outcome: OcrPageOutcome;
  ms: number;
  /** Why it failed or was skipped (for the log). */
  reason?: string;
}

export interface OcrLimits extends Pick<
  OcrSettings,
  'languages' | 'maxPages' | 'dpi' | 'pageTimeoutMs' | 'timeoutMs'
> {
  /** Address space of each program (`prlimit --as`), in MB. */
  memoryMb: number;
}

/** Writes the PDF to `path` (mode 0600); called once, only when a page is to be read. */
export type PdfWriter = (path: string) => Promise<void>;

/** What extraction needs of OCR: the text of the candidate pages it could read (maybe none). */
export interface OcrRunner {
  read(writePdf: PdfWriter, candidates: readonly OcrCandidate[]): Promise<PageText[]>;
}

/** The resolution to render a page at, or undefined when it is too small or too large to read. */
export function renderDpi(candidate: OcrCandidate, dpi: number): number | undefined {
  const longest = Math.max(candidate.width, candidate.height) / 72; // inches
  if (!(longest > 0) || !Number.isFinite(longest)) return undefined;
  const fitted = Math.min(dpi, Math.floor(MAX_RENDER_SIDE_PX / longest));
  if (fitted < MIN_RENDER_DPI || longest * fitted < MIN_RENDER_SIDE_PX) return undefined;
  return fitted;
}

/** `pdftoppm`: one page, grayscale PNG, written to `<outPrefix>.png`. */
export function pdftoppmArgs(
  input: string,
  outPrefix: string,
  page: number,
  dpi: number,
): string[] {
  return [
    '-f',
    String(page),
    '-l',
    String(page),
    '-r',
    String(dpi),
    '-gray',
    '-png',
    '-singlefile',
    '-q',
    input,
    outPrefix,
  ];
}

/** `tesseract`: the image's text on stdout, automatic page segmentation. */
export function tesseractArgs(image: string, languages: string, dpi: number): string[] {
  return [image, 'stdout', '-l', languages, '--dpi', String(dpi), '--psm', '3'];
}

/**
 * `command args` as run: through `prlimit` (address space, CPU seconds, file size) when it is
 * installed. prlimit sets the limits on itself and then executes the program, so the process
 * killed on a timeout is the program itself.
 */
export function limitedCommand(
  tools: OcrTools,
  command: string,
  args: readonly string[],
  limits: { memoryMb: number; cpuSeconds: number },
): [string, string[]] {
  if (!tools.prlimit) return [command, [...args]];
  return [
    tools.prlimit,
    [
      `--as=${limits.memoryMb * 1024 * 1024}`,
      `--cpu=${limits.cpuSeconds}`,
      `--fsize=${MAX_IMAGE_BYTES}`,
      '--core=0',
      '--',
      command,
      ...args,
    ],
  ];
}

/** Tesseract's text of a page, tidied: form feeds dropped, trailing blanks trimmed. */
export function tidyOcrText(text: string): string {
  return text.replace(/\f/g, '\n').trim();
}

export interface OcrPagesResult {
  pages: PageText[];
  reports: OcrPageReport[];
}

/**
 * Reads `candidates` (in order) with OCR. The PDF is written once into a private temporary
 * directory (0700) by `writePdf`, and everything there is removed before this resolves. Never
 * rejects for a page; rejects only when the temporary directory or the PDF cannot be written.
 */
export async function ocrPdfPages(
  writePdf: PdfWriter,
  candidates: readonly OcrCandidate[],
  tools: OcrTools,
  limits: OcrLimits,
  options: { signal?: AbortSignal; onPage?: (report: OcrPageReport) => void } = {},
): Promise<OcrPagesResult> {
  const reports: OcrPageReport[] = [];
  const pages: PageText[] = [];
  const report = (entry: OcrPageReport) => {
    reports.push(entry);
    options.onPage?.(entry);
  };
  if (candidates.length === 0) return { pages, reports };
  const started = performance.now();
  const deadline = started + limits.timeoutMs;
  const dir = await mkdtemp(join(tmpdir(), OCR_DIR_PREFIX));
  try {
    const input = join(dir, 'document.pdf');
    await writePdf(input);
    let read = 0;
    for (const candidate of candidates) {
      const { page } = candidate;
      const dpi = renderDpi(candidate, limits.dpi);
      const left = deadline - performance.now();
      const skipped =
        read >= limits.maxPages
          ? `over OCR_MAX_PAGES (${limits.maxPages})`
          : options.signal?.aborted
            ? 'aborted'
            : left <= 0
              ? 'OCR_TIMEOUT spent'
              : dpi === undefined
                ? `page size ${Math.round(candidate.width)}x${Math.round(candidate.height)} pt cannot be read`
                : undefined;
      if (skipped !== undefined || dpi === undefined) {
        report({ page, outcome: 'skipped', ms: 0, reason: skipped });
        continue;
      }
      read += 1;
      const pageStarted = performance.now();
      const outcome = await ocrPage(dir, input, page, dpi, tools, limits, {
        timeoutMs: Math.min(limits.pageTimeoutMs, left),
        signal: options.signal,
      });
      if (outcome.text !== undefined) pages.push({ page, text: outcome.text });
      report({
        page,
        outcome: outcome.outcome,
        ms: performance.now() - pageStarted,
        reason: outcome.reason,
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { pages, reports };
}

/** One page: render, check the image, recognise, remove the image. */
async function ocrPage(
  dir: string,
  input: string,
  page: number,
  dpi: number,
  tools: OcrTools,
  limits: OcrLimits,
  bound: { timeoutMs: number; signal?: AbortSignal },
): Promise<{ outcome: Exclude<OcrPageOutcome, 'skipped'>; text?: string; reason?: string }> {
  const deadline = performance.now() + bound.timeoutMs;
  const caps = { memoryMb: limits.memoryMb, cpuSeconds: Math.ceil(bound.timeoutMs / 1000) + 1 };
  const env = ocrEnvironment();
  const prefix = join(dir, `page-${page}`);
  const image = `${prefix}.png`;
  try {
    const render = await runBounded(
      ...limitedCommand(tools, tools.pdftoppm, pdftoppmArgs(input, prefix, page, dpi), caps),
      {
        timeoutMs: deadline - performance.now(),
        maxStdoutBytes: 64 * 1024,
        cwd: dir,
        env,
        signal: bound.signal,
      },
    );
    if (render.killed === 'timeout') return { outcome: 'timeout', reason: 'pdftoppm timed out' };
    if (render.code !== 0) return { outcome: 'failed', reason: `pdftoppm ${describeRun(render)}` };
    const size = (await stat(image)).size;
    if (size > MAX_IMAGE_BYTES) return { outcome: 'failed', reason: `image of ${size} bytes` };
    const recognise = await runBounded(
      ...limitedCommand(tools, tools.tesseract, tesseractArgs(image, limits.languages, dpi), caps),
      {
        timeoutMs: deadline - performance.now(),
        maxStdoutBytes: MAX_PAGE_TEXT_BYTES,
        cwd: dir,
        env,
        signal: bound.signal,
      },
    );
    if (recognise.killed === 'timeout')
      return { outcome: 'timeout', reason: 'tesseract timed out' };
    if (recognise.code !== 0) {
      return { outcome: 'failed', reason: `tesseract ${describeRun(recognise)}` };
    }
    const text = tidyOcrText(recognise.stdout);
    return hasText(text) ? { outcome: 'text', text } : { outcome: 'empty' };
  } catch (error) {
    return { outcome: 'failed', reason: error instanceof Error ? error.message : String(error) };
  } finally {
    await rm(image, { force: true });
  }
}
