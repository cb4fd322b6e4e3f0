import { type ChildProcess, fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { ExtractionError, isExtractionError, type ExtractionErrorCode } from '../ingestion/errors';
import { installDomMatrix } from '../ingestion/dom-matrix';
import { extractText } from '../ingestion/extract';
import type { DocumentKind, ExtractionLimits, ExtractionResult } from '../ingestion/types';
import {
  type AccessDenial,
  accessDenialOf,
  assertSandboxSupported,
  confinementProblem,
  extractionExecArgv,
} from './extraction-sandbox';

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
 * The child runs this very module (`__filename`): it is compiled with the rest of the worker
 * app, so it works from `dist/` with no extra build step, and it imports only the extractors.
 * Under jest (ts-jest transforms modules in its own sandbox, which a forked node cannot load
 * from a `.ts` file) extraction runs in-process instead: see `canUseChildProcess`.
 */

const CHILD_MARKER = '--docent-extract-child';

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

/** One extraction request sent to a (reused) child. */
interface ExtractRequest {
  content: Uint8Array;
  kind: DocumentKind;
  limits: Partial<ExtractionLimits>;
}

type ChildOutput =
  | { ok: true; result: ExtractionResult }
  | {
      ok: false;
      extraction: boolean;
      code?: ExtractionErrorCode;
      permanent?: boolean;
      message: string;
      /** The extraction was refused something by the permission model. */
      denied?: AccessDenial;
    };

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

/**
 * Children are reused: starting one and loading the extractors costs far more than extracting a
 * small file (bench/RESULTS.md, ingestion). A child serves one request at a time; one that fails
 * in any way other than a clean extraction error (timeout, memory cap, crash) is killed, never
 * reused, and a child is retired after `MAX_JOBS_PER_CHILD` requests so whatever a parser leaks
 * stays bounded. Idle children do not keep the process alive.
 */
const MAX_JOBS_PER_CHILD = 200;

interface PooledChild {
  child: ChildProcess;
  /** The node options it was started with: a child is reused for requests that want the same. */
  execArgv: string[];
  jobs: number;
  /** The last lines the child wrote on stderr (V8's out-of-memory report). */
  stderr: string;
}

const idleChildren: PooledChild[] = [];
let childrenStarted = 0;

/** How many extraction processes this process has started (observability, tests). */
export function extractionChildrenStarted(): number {
  return childrenStarted;
}

/** The process ids of the extraction processes alive now (observability, tests). */
export function extractionChildPids(): number[] {
  return [...live].map((c) => c.pid).filter((pid): pid is number => pid !== undefined);
}

const live = new Set<ChildProcess>();

function acquireChild(execArgv: string[]): PooledChild {
  const key = execArgv.join('\0');
  const index = idleChildren.findIndex((c) => c.execArgv.join('\0') === key);
  if (index >= 0) {
    const [pooled] = idleChildren.splice(index, 1);
    setReferenced(pooled.child, true);
    return pooled;
  }
  childrenStarted += 1;
  const child = fork(__filename, [CHILD_MARKER], {
    execArgv,
    // none of the worker's environment (JWT secret, data keys, database and Redis URLs): code
    // that a parser bug lets a hostile file run finds no secret to read
    env: { NODE_ENV: 'production' },
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const pooled: PooledChild = { child, execArgv, jobs: 0, stderr: '' };
  child.stderr?.on('data', (chunk: Buffer) => {
    pooled.stderr = (pooled.stderr + chunk.toString('utf8')).slice(-4096);
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return pooled;
}

/** An idle child must not keep the worker alive: its IPC channel and stderr pipe are unref'd. */
function setReferenced(child: ChildProcess, referenced: boolean): void {
  const handles = [child, child.channel, child.stderr] as ({
    ref?(): void;
    unref?(): void;
  } | null)[];
  for (const handle of handles) {
    if (referenced) handle?.ref?.();
    else handle?.unref?.();
  }
}

function releaseChild(pooled: PooledChild, reusable: boolean): void {
  const { child } = pooled;
  child.removeAllListeners('message');
  child.removeAllListeners('error');
  child.removeAllListeners('exit');
  child.removeAllListeners('close');
  child.once('exit', () => live.delete(child));
  if (reusable && pooled.jobs < MAX_JOBS_PER_CHILD && child.connected) {
    // a child that dies while idle is simply dropped
    child.once('exit', () => {
      const index = idleChildren.indexOf(pooled);
      if (index >= 0) idleChildren.splice(index, 1);
    });
    setReferenced(child, false);
    idleChildren.push(pooled);
  } else {
    child.kill('SIGKILL');
  }
}

/** Ends the idle extraction processes (shutdown, tests). */
export async function closeExtractionChildren(): Promise<void> {
  await Promise.all(
    idleChildren.splice(0).map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
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
  const execArgv = extractionExecArgv(module, {
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

/** The child side: extract each request, send the result or a plain description of the failure. */
function serveInChild(): void {
  const problem = confinementProblem();
  if (problem !== undefined) {
    // never parse a hostile file unconfined: the parent reports this line with the exit
    process.stderr.write(`${problem}\n`, () => process.exit(78));
    return;
  }
  // pdf.js on Node takes DOMMatrix from a native addon, which this process may not load
  installDomMatrix();
  process.on('message', (request: ExtractRequest) => {
    const content = Buffer.from(
      request.content.buffer,
      request.content.byteOffset,
      request.content.byteLength,
    );
    extractText(content, request.kind, request.limits).then(
      (result) => process.send?.({ ok: true, result } satisfies ChildOutput),
      (error: unknown) => {
        const denied = accessDenialOf(error);
        const output: ChildOutput = denied
          ? { ok: false, extraction: false, message: denied.message, denied }
          : isExtractionError(error)
            ? {
                ok: false,
                extraction: true,
                code: error.code,
                permanent: error.permanent,
                message: error.message,
              }
            : {
                ok: false,
                extraction: false,
                message: error instanceof Error ? error.message : String(error),
              };
        process.send?.(output);
      },
    );
  });
  // the parent went away: nothing more to do
  process.on('disconnect', () => process.exit(0));
}

if (process.argv.includes(CHILD_MARKER) && typeof process.send === 'function') serveInChild();
