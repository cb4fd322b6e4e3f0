import { constants } from 'node:fs';
import { access, lstat, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { describeRun, OCR_DIR_PREFIX, ocrEnvironment, runBounded } from './ocr-process';

export interface OcrTools {
  tesseract: string;
  pdftoppm: string;
  /** util-linux's prlimit, when installed: resource caps for the programs. */
  prlimit?: string;
}

/* Finding the OCR programs and languages at start-up, and sweeping what a dead worker left. */

/**
 * Where the programs are looked for, in order: the system's directories (Debian installs them in
 * /usr/bin), not the worker's PATH, which a deployment may point anywhere.
 */
export const OCR_PROGRAM_DIRS: readonly string[] = ['/usr/local/bin', '/usr/bin', '/bin'];

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
    throw new Error(`tesseract --list-langs failed (${describeRun(run)})`);
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

/**
 * Removes OCR directories left by a worker that died mid-document (SIGKILL, out of memory):
 * those untouched for `olderThanMs` (a directory in use changes with every page). Returns how
 * many were removed.
 */
export async function sweepStaleOcrDirs(olderThanMs: number, dir = tmpdir()): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(OCR_DIR_PREFIX)) continue;
    const path = join(dir, name);
    const info = await lstat(path).catch(() => undefined);
    if (!info?.isDirectory() || Date.now() - info.mtimeMs < olderThanMs) continue;
    await rm(path, { recursive: true, force: true });
    removed += 1;
  }
  return removed;
}
