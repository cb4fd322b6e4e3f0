import { constants } from 'node:fs';
import { access, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { OcrSettings } from '@docent/config';
import { hasText } from '../ingestion/text-result';
import type { OcrCandidate, PageText } from '../ingestion/types';
import { type BoundedRun, runBounded } from './ocr-process';

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

export interface OcrTools {
  tesseract: string;
  pdftoppm: string;
  /** util-linux's prlimit, when installed: resource caps for the programs. */
  prlimit?: string;
}

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

/**
 * The programs' environment: nothing of the worker's (no secrets, no PATH: they are started by
 * absolute path), the C locale Tesseract wants, one OpenMP thread (the worker runs
 * `INGESTION_CONCURRENCY` jobs side by side already).
 */
export function ocrEnvironment(): NodeJS.ProcessEnv {
  return { LC_ALL: 'C', OMP_THREAD_LIMIT: '1' };
}

/**
 * Where the programs are looked for, in order: the system's directories (Debian installs them in
 * /usr/bin), not the worker's PATH, which a deployment may point anywhere.
 */
export const OCR_PROGRAM_DIRS: readonly string[] = ['/usr/local/bin', '/usr/bin', '/bin'];

/** Tesseract's text of a page, tidied: form feeds dropped, trailing blanks trimmed. */
export function tidyOcrText(text: string): string {
  return text.replace(/\f/g, '\n').trim();
}

/** An executable named `name` in the first of `dirs` (absolute ones only) that has one. */
export async function findProgram(
  name: string,
  dirs: readonly string[] = OCR_PROGRAM_DIRS,
): Promise<string | undefined> {
  for (const dir of dirs) {
    if (!isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The languages Tesseract has data for (`tesseract --list-langs`). */
export async function installedLanguages(tesseract: string): Promise<string[]> {
  const run = await runBounded(tesseract, ['--list-langs'], {
    timeoutMs: 10_000,
    maxStdoutBytes: 64 * 1024,
    cwd: tmpdir(),
    env: ocrEnvironment(),
  });
  if (run.code !== 0) {
    throw new Error(`tesseract --list-langs failed (${describe(run)})`);
  }
  // the first line says where the data is ("List of available languages in ...")
  return run.stdout
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/**
 * The programs, or what is missing: `tesseract` and `pdftoppm` (in `OCR_PROGRAM_DIRS`), and
 * Tesseract data for every language of `languages`.
 */
export async function detectOcrTools(
  languages: string,
  dirs: readonly string[] = OCR_PROGRAM_DIRS,
): Promise<{ tools: OcrTools; installed: string[] } | { problem: string }> {
  const [tesseract, pdftoppm, prlimit] = await Promise.all([
    findProgram('tesseract', dirs),
    findProgram('pdftoppm', dirs),
    findProgram('prlimit', dirs),
  ]);
  const missing = [
    tesseract ? undefined : 'tesseract (Debian: tesseract-ocr)',
    pdftoppm ? undefined : 'pdftoppm (Debian: poppler-utils)',
  ].filter(Boolean);
  if (!tesseract || !pdftoppm) {
    return { problem: `${missing.join(' and ')} not found in ${dirs.join(', ')}` };
  }
  let installed: string[];
  try {
    installed = await installedLanguages(tesseract);
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
  const absent = languages.split('+').filter((language) => !installed.includes(language));
  if (absent.length > 0) {
    return {
      problem: `Tesseract has no data for ${absent.join(', ')} (installed: ${installed.join(', ') || 'none'}; Debian: tesseract-ocr-<language>)`,
    };
  }
  return { tools: { tesseract, pdftoppm, prlimit }, installed };
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
  const dir = await mkdtemp(join(tmpdir(), 'docent-ocr-'));
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
    if (render.code !== 0) return { outcome: 'failed', reason: `pdftoppm ${describe(render)}` };
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
      return { outcome: 'failed', reason: `tesseract ${describe(recognise)}` };
    }
    const text = tidyOcrText(recognise.stdout);
    return hasText(text) ? { outcome: 'text', text } : { outcome: 'empty' };
  } catch (error) {
    return { outcome: 'failed', reason: error instanceof Error ? error.message : String(error) };
  } finally {
    await rm(image, { force: true });
  }
}

/** A run's end, for a log line: killed, exit code or signal, and its last stderr line. */
function describe(run: BoundedRun): string {
  const end = run.killed ? `killed (${run.killed})` : run.signal ? run.signal : `code ${run.code}`;
  const last = run.stderr.trim().split('\n').pop()?.slice(0, 200);
  return last ? `${end}: ${last}` : end;
}
