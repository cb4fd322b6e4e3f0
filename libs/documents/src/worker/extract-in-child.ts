import { readFile } from 'node:fs/promises';
import { ExtractionError } from '../ingestion/errors';
import { extractText } from '../ingestion/extract';
import type { DocumentKind, ExtractionLimits, ExtractionResult } from '../ingestion/types';
import { CHILD_MODULE, type ChildOutput, type ExtractRequest } from './extraction-child';
import { acquireChild, releaseChild } from './extraction-child-pool';
import {
  type AccessDenial,
  assertSandboxSupported,
  extractionExecArgv,
} from './extraction-sandbox';

export {
  closeExtractionChildren,
  extractionChildPids,
  extractionChildrenStarted,
} from './extraction-child-pool';

/**
 * Text extraction in separate processes, with a memory cap that counts everything. A large PDF
 * keeps pdfjs busy for seconds (on the worker's main thread that would starve bull's lock
 * renewal), and a hostile file can make a parser allocate far more than its heap: pdf.js keeps
 * decoded streams in ArrayBuffers, which a worker thread's `resourceLimits` do not count. So
 * `extractText` runs in a forked child process: its V8 heap is capped (`--max-old-space-size`)
 * and a watchdog reads the child's resident set size (all of its memory, ArrayBuffers
 * included) every `RSS_POLL_MS` and kills it above `maxRssMb`. Over the cap, out of heap, or out
 * of time: a permanent `limit_exceeded` (the same bytes would fail again), never retried.
 *
 * The child is confined by Node's permission model (`--permission`, see `extraction-sandbox.ts`):
 * it reads only its own code, writes nothing, starts no process, thread or addon. Anything a
 * parser does beyond that is refused (`ERR_ACCESS_DENIED`); the document then fails with a
 * permanent `sandbox_violation` and the child, which may be running a hostile file's code, is
 * killed and replaced.
 *
 * The child runs `extraction-child.ts` (the pool in `extraction-child-pool.ts` forks it): it is
 * compiled with the rest of the worker app, so it works from `dist/` with no extra build step,
 * and it imports only the extractors.
 * Under jest (ts-jest transforms modules in its own sandbox, which a forked node cannot load
 * from a `.ts` file) extraction runs in-process instead: see `canUseChildProcess`.
 */

export interface ExtractInChildOptions {
  limits?: Partial<ExtractionLimits>;
  /** V8 heap limit of the extraction process (`--max-old-space-size`). */
  maxOldGenerationSizeMb?: number;
  /** Resident memory of the extraction process above which it is killed (`limit_exceeded`). */
  maxRssMb?: number;
  /** Extraction taking longer than this is killed: a permanent `limit_exceeded`. */
  timeoutMs?: number;
  /** Force in-process extraction (tests, debugging). Not confined. */
  inProcess?: boolean;
  /**
   * Tests only: a script the extraction process runs (and may read) before serving, standing for
   * code a parser bug lets a file run. The deployed worker never sets it.
   */
  preload?: string;
}

export const DEFAULT_EXTRACT_CHILD_OPTIONS = Object.freeze({
  maxOldGenerationSizeMb: 512,
  maxRssMb: 1024,
  timeoutMs: 10 * 60_000,
});

/** How often the watchdog reads an extraction process's resident set size. */
export const RSS_POLL_MS = 100;

/**
 * A child can only run JavaScript files: true when this module was loaded from compiled output.
 * From a `.ts` source (jest, ts-node) extraction falls back to the main thread.
 */
export function canUseChildProcess(): boolean {
  return __filename.endsWith('.js');
}

/** Resident set size of a process in bytes, from /proc (undefined where there is none). */
async function residentBytes(pid: number): Promise<number | undefined> {
  try {
    const statm = await readFile(`/proc/${pid}/statm`, 'utf8');
    return Number(statm.split(' ')[1]) * 4096;
  } catch {
    return undefined;
  }
}

export async function extractInChild(
  content: Buffer,
  kind: DocumentKind,
  options: ExtractInChildOptions = {},
): Promise<ExtractionResult> {
  const limits = options.limits ?? {};
  if (options.inProcess || !canUseChildProcess()) return extractText(content, kind, limits);
  const maxOldGenerationSizeMb =
    options.maxOldGenerationSizeMb ?? DEFAULT_EXTRACT_CHILD_OPTIONS.maxOldGenerationSizeMb;
  const maxRssMb = options.maxRssMb ?? DEFAULT_EXTRACT_CHILD_OPTIONS.maxRssMb;
  const timeoutMs = options.timeoutMs ?? DEFAULT_EXTRACT_CHILD_OPTIONS.timeoutMs;

  assertSandboxSupported();
  const execArgv = extractionExecArgv(CHILD_MODULE, {
    maxOldGenerationSizeMb,
    preload: options.preload,
  });

  const request: ExtractRequest = { content, kind, limits };
  const pooled = acquireChild(execArgv);
  pooled.jobs += 1;
  pooled.stderr = '';
  const { child } = pooled;
  const pid = child.pid ?? 0;

  return new Promise<ExtractionResult>((resolve, reject) => {
    let settled = false;
    let polling = false;
    const finish = (reusable: boolean, action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(watchdog);
      releaseChild(pooled, reusable);
      action();
    };
    const limitExceeded = (message: string, cause?: unknown) =>
      finish(false, () => reject(new ExtractionError('limit_exceeded', message, { cause })));
    // the child may be running a hostile file's code: it is killed, never reused
    const sandboxViolation = (denial: AccessDenial) =>
      finish(false, () => reject(sandboxViolationError(denial)));
    const timer = setTimeout(
      () =>
        limitExceeded(
          `Extracting this document took longer than ${Math.round(timeoutMs / 1000)} s.`,
        ),
      timeoutMs,
    );
    const watchdog = setInterval(() => {
      if (polling || settled) return;
      polling = true;
      void residentBytes(pid).then((rss) => {
        polling = false;
        if (rss === undefined || settled) return;
        if (rss > maxRssMb * 1024 * 1024) {
          limitExceeded(`Extracting this document needs more than ${maxRssMb} MB of memory.`);
        }
      });
    }, RSS_POLL_MS);
    child.once('message', (output: ChildOutput) => {
      if (!output.ok && output.denied) return sandboxViolation(output.denied);
      // a clean answer, success or a classified extraction error: the child is healthy
      const reusable = output.ok || output.extraction;
      finish(reusable, () => {
        if (output.ok) resolve(output.result);
        else if (output.extraction && output.code)
          reject(new ExtractionError(output.code, output.message, { permanent: output.permanent }));
        else reject(new Error(output.message));
      });
    });
    child.once('error', (error: Error) => finish(false, () => reject(error)));
    // 'close', not 'exit': by then everything the child wrote on stderr has been read
    child.once('close', (code, signal) => {
      // V8 aborts a process that runs out of heap, after writing why on stderr
      if (/heap out of memory|Reached heap limit/i.test(pooled.stderr)) {
        limitExceeded(
          `Extracting this document needs more than ${maxOldGenerationSizeMb} MB of heap.`,
        );
      } else if (/ERR_ACCESS_DENIED/.test(pooled.stderr)) {
        // a denial nobody caught: node printed it and exited
        sandboxViolation(deniedOnStderr(pooled.stderr));
      } else {
        finish(false, () =>
          reject(
            new Error(
              `The extraction process exited (${signal ?? `code ${code}`}) without a result.` +
                (pooled.stderr ? ` It said: ${lastLines(pooled.stderr)}` : ''),
            ),
          ),
        );
      }
    });
    child.send(request, (error) => {
      if (error) finish(false, () => reject(error));
    });
  });
}

/** The last few lines a child wrote on stderr, for an error message. */
function lastLines(stderr: string): string {
  return stderr.trim().split('\n').slice(-5).join(' | ');
}

/** What node printed about an uncaught `ERR_ACCESS_DENIED` (its `permission` and `resource`). */
function deniedOnStderr(stderr: string): AccessDenial {
  return {
    permission: /\bpermission: '(\w+)'/.exec(stderr)?.[1],
    resource: /\bresource: '([^'\n]*)'/.exec(stderr)?.[1],
    message: 'uncaught in the extraction process',
  };
}

function sandboxViolationError(denial: AccessDenial): ExtractionError {
  const what = [denial.permission, denial.resource].filter(Boolean).join(' ');
  return new ExtractionError(
    'sandbox_violation',
    'Extracting this document tried something the extraction sandbox forbids (reading other files, writing, or starting a process or thread); the file is treated as hostile.',
    { cause: new Error(`ERR_ACCESS_DENIED${what ? ` (${what})` : ''}: ${denial.message}`) },
  );
}
