import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ExtractionError, isExtractionError, type ExtractionErrorCode } from '../ingestion/errors';
import { extractText } from '../ingestion/extract';
import type { DocumentKind, ExtractionLimits, ExtractionResult } from '../ingestion/types';

/**
 * Text extraction off the main event loop. A large PDF can keep pdfjs busy for seconds; on the
 * main thread that would starve bull's lock renewal (the job would be reported stalled and run
 * twice) and every other job of the process. So `extractText` runs in a `worker_threads` Worker
 * with its own heap limit; the main thread only waits for a message.
 *
 * The Worker runs this very module (`__filename`): it is compiled with the rest of the worker
 * app, so it works from `dist/` with no extra build step, and it imports only the extractors.
 * Under jest (ts-jest transforms modules in its own sandbox, which a Worker thread cannot load
 * from a `.ts` file) extraction runs in-process instead: see `canUseWorkerThread`.
 */

const WORKER_MARKER = 'docent-extract-worker';

export interface ExtractInThreadOptions {
  limits?: Partial<ExtractionLimits>;
  /** Heap limit of the extraction thread; exceeding it is a permanent `limit_exceeded`. */
  maxOldGenerationSizeMb?: number;
  /** Extraction taking longer than this is terminated (a transient failure, retried). */
  timeoutMs?: number;
  /** Force in-process extraction (tests, debugging). */
  inProcess?: boolean;
}

interface WorkerInput {
  marker: typeof WORKER_MARKER;
}

/** One extraction request sent to a (reused) thread. */
interface ExtractRequest {
  content: Uint8Array;
  kind: DocumentKind;
  limits: Partial<ExtractionLimits>;
}

type WorkerOutput =
  | { ok: true; result: ExtractionResult }
  | {
      ok: false;
      extraction: boolean;
      code?: ExtractionErrorCode;
      permanent?: boolean;
      message: string;
    };

export const DEFAULT_EXTRACT_THREAD_OPTIONS = Object.freeze({
  maxOldGenerationSizeMb: 512,
  timeoutMs: 10 * 60_000,
});

/**
 * A Worker can only run JavaScript files: true when this module was loaded from compiled
 * output. From a `.ts` source (jest, ts-node) extraction falls back to the main thread.
 */
export function canUseWorkerThread(): boolean {
  return __filename.endsWith('.js');
}

/**
 * Threads are reused: starting one and loading the extractors costs far more than extracting a
 * small file (bench/RESULTS.md, ingestion). A thread serves one request at a time; one that fails
 * in any way other than a clean extraction error (timeout, out of memory, crash) is terminated,
 * never reused, and a thread is retired after `MAX_JOBS_PER_THREAD` requests so whatever a parser
 * leaks stays bounded. Idle threads do not keep the process alive.
 */
const MAX_JOBS_PER_THREAD = 200;

interface PooledThread {
  worker: Worker;
  maxOldGenerationSizeMb: number;
  jobs: number;
}

const idleThreads: PooledThread[] = [];
let threadsStarted = 0;

/** How many extraction threads this process has started (observability, tests). */
export function extractionThreadsStarted(): number {
  return threadsStarted;
}

function acquireThread(maxOldGenerationSizeMb: number): PooledThread {
  const index = idleThreads.findIndex((t) => t.maxOldGenerationSizeMb === maxOldGenerationSizeMb);
  if (index >= 0) {
    const [thread] = idleThreads.splice(index, 1);
    thread.worker.ref();
    return thread;
  }
  threadsStarted += 1;
  const worker = new Worker(__filename, {
    workerData: { marker: WORKER_MARKER } satisfies WorkerInput,
    resourceLimits: { maxOldGenerationSizeMb },
    stdout: false,
    stderr: false,
  });
  return { worker, maxOldGenerationSizeMb, jobs: 0 };
}

function releaseThread(thread: PooledThread, reusable: boolean): void {
  thread.worker.removeAllListeners('message');
  thread.worker.removeAllListeners('error');
  thread.worker.removeAllListeners('exit');
  if (reusable && thread.jobs < MAX_JOBS_PER_THREAD) {
    // a thread that dies while idle is simply dropped
    thread.worker.once('exit', () => {
      const index = idleThreads.indexOf(thread);
      if (index >= 0) idleThreads.splice(index, 1);
    });
    thread.worker.unref();
    idleThreads.push(thread);
  } else {
    void thread.worker.terminate().catch(() => undefined);
  }
}

/** Ends the idle extraction threads (shutdown, tests). */
export async function closeExtractionThreads(): Promise<void> {
  await Promise.all(
    idleThreads.splice(0).map((thread) => thread.worker.terminate().catch(() => undefined)),
  );
}

export async function extractInThread(
  content: Buffer,
  kind: DocumentKind,
  options: ExtractInThreadOptions = {},
): Promise<ExtractionResult> {
  const limits = options.limits ?? {};
  if (options.inProcess || !canUseWorkerThread()) return extractText(content, kind, limits);
  const maxOldGenerationSizeMb =
    options.maxOldGenerationSizeMb ?? DEFAULT_EXTRACT_THREAD_OPTIONS.maxOldGenerationSizeMb;
  const timeoutMs = options.timeoutMs ?? DEFAULT_EXTRACT_THREAD_OPTIONS.timeoutMs;

  // a copy the thread owns (a pooled Buffer's ArrayBuffer must never be transferred)
  const owned = new Uint8Array(content.byteLength);
  owned.set(content);
  const request: ExtractRequest = { content: owned, kind, limits };
  const thread = acquireThread(maxOldGenerationSizeMb);
  thread.jobs += 1;
  const { worker } = thread;

  return new Promise<ExtractionResult>((resolve, reject) => {
    let settled = false;
    const finish = (reusable: boolean, action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      releaseThread(thread, reusable);
      action();
    };
    const timer = setTimeout(
      () =>
        finish(false, () => reject(new Error(`Text extraction timed out after ${timeoutMs} ms.`))),
      timeoutMs,
    );
    timer.unref();
    worker.once('message', (output: WorkerOutput) => {
      // a clean answer, success or a classified extraction error: the thread is healthy
      const reusable = output.ok || output.extraction;
      finish(reusable, () => {
        if (output.ok) resolve(output.result);
        else if (output.extraction && output.code)
          reject(new ExtractionError(output.code, output.message, { permanent: output.permanent }));
        else reject(new Error(output.message));
      });
    });
    worker.once('error', (error: Error & { code?: string }) =>
      finish(false, () =>
        reject(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new ExtractionError(
                'limit_exceeded',
                `Extracting this document needs more than ${maxOldGenerationSizeMb} MB of memory.`,
                { cause: error },
              )
            : error,
        ),
      ),
    );
    worker.once('exit', (code) =>
      finish(false, () =>
        reject(new Error(`The extraction thread exited (code ${code}) without a result.`)),
      ),
    );
    worker.postMessage(request, [owned.buffer]);
  });
}

/** The thread side: extract each request, post the result or a plain description of the failure. */
function serveInThread(): void {
  parentPort?.on('message', (request: ExtractRequest) => {
    const content = Buffer.from(
      request.content.buffer,
      request.content.byteOffset,
      request.content.byteLength,
    );
    extractText(content, request.kind, request.limits).then(
      (result) => parentPort?.postMessage({ ok: true, result } satisfies WorkerOutput),
      (error: unknown) => {
        const output: WorkerOutput = isExtractionError(error)
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
        parentPort?.postMessage(output);
      },
    );
  });
}

const input = (isMainThread ? undefined : workerData) as WorkerInput | undefined;
if (input?.marker === WORKER_MARKER) serveInThread();
