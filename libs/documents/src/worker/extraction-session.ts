import { readFile } from 'node:fs/promises';
import { ExtractionError } from '../ingestion/errors';
import type { ExtractionLimits } from '../ingestion/types';
import { CHILD_MODULE, type ChildOutput, type ExtractRequest } from './extraction-child';
import { acquireChild, releaseChild } from './extraction-child-pool';
import type { OcrRunner } from './ocr';
import {
  type AccessDenial,
  assertSandboxSupported,
  extractionExecArgv,
} from './extraction-sandbox';

/**
 * One extraction process taken from the pool for one document, under the limits described in
 * extract-in-child.ts: heap cap, resident-memory watchdog, time limit, sandbox violations.
 */

export interface ExtractInChildOptions {
  limits?: Partial<ExtractionLimits>;
  /** V8 heap limit of the extraction process (`--max-old-space-size`). */
  maxOldGenerationSizeMb?: number;
  /** Resident memory of the extraction process above which it is killed (`limit_exceeded`). */
  maxRssMb?: number;
  /** Extraction taking longer than this is killed: a permanent `limit_exceeded`. */
  timeoutMs?: number;
  /**
   * Reads the PDF pages without a text layer with OCR (in this process, see `ocr.ts`); without
   * it such a PDF fails with `no_extractable_text` as before. Its time is not counted by
   * `timeoutMs` (OCR has its own limits).
   */
  ocr?: OcrRunner;
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

/** Resident set size of a process in bytes, from /proc (undefined where there is none). */
async function residentBytes(pid: number): Promise<number | undefined> {
  try {
    const statm = await readFile(`/proc/${pid}/statm`, 'utf8');
    return Number(statm.split(' ')[1]) * 4096;
  } catch {
    return undefined;
  }
}

export type AnswerOf = Extract<ChildOutput, { ok: true }>;

/** A pooled extraction process, taken for one document, under its limits until `end()`. */
export interface ChildSession {
  /** Sends one request and waits for its answer; a failure of any kind rejects it. */
  request(message: ExtractRequest): Promise<AnswerOf>;
  /** Sends a message that gets no answer; resolves once it is written (back-pressure). */
  post(message: ExtractRequest): Promise<void>;
  /**
   * Gives the process back to the pool (or kills it: a request still unanswered, or any
   * failure before). Idempotent.
   */
  end(): void;
}

export function openSession(options: ExtractInChildOptions): ChildSession {
  const maxOldGenerationSizeMb =
    options.maxOldGenerationSizeMb ?? DEFAULT_EXTRACT_CHILD_OPTIONS.maxOldGenerationSizeMb;
  const maxRssMb = options.maxRssMb ?? DEFAULT_EXTRACT_CHILD_OPTIONS.maxRssMb;
  const timeoutMs = options.timeoutMs ?? DEFAULT_EXTRACT_CHILD_OPTIONS.timeoutMs;

  assertSandboxSupported();
  const execArgv = extractionExecArgv(CHILD_MODULE, {
    maxOldGenerationSizeMb,
    preload: options.preload,
  });

  const pooled = acquireChild(execArgv);
  pooled.jobs += 1;
  pooled.stderr = '';
  const { child } = pooled;
  const pid = child.pid ?? 0;

  let pending:
    { resolve: (output: AnswerOf) => void; reject: (error: unknown) => void } | undefined;
  let failure: unknown;
  let settled = false;
  let polling = false;
  /**
   * Ends the session once: releases the child, and fails the request waiting (or the next one).
   * `answered`: the child answered the request in flight (with an error), so none is outstanding.
   */
  const finish = (reusable: boolean, error?: unknown, answered = false) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    clearInterval(watchdog);
    const waiting = pending;
    pending = undefined;
    // an unanswered request would be answered to the child's next user: never reused
    releaseChild(pooled, reusable && (answered || waiting === undefined));
    if (error !== undefined) {
      failure = error;
      waiting?.reject(error);
    }
  };
  const limitExceeded = (message: string) =>
    finish(false, new ExtractionError('limit_exceeded', message));
  // the child may be running a hostile file's code: it is killed, never reused
  const sandboxViolation = (denial: AccessDenial) => finish(false, sandboxViolationError(denial));
  // the time limit counts the child's work only (its answers), not the time the caller spends
  // between requests (writing a batch to the database)
  let timeLeftMs = timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  let askedAt = 0;
  const startClock = () => {
    askedAt = performance.now();
    timer = setTimeout(
      () =>
        limitExceeded(
          `Extracting this document took longer than ${Math.round(timeoutMs / 1000)} s.`,
        ),
      Math.max(timeLeftMs, 0),
    );
  };
  const stopClock = () => {
    clearTimeout(timer);
    timer = undefined;
    timeLeftMs -= performance.now() - askedAt;
  };
  // whether the child keeps a stream's text or chunks (forgotten at the end, or on `reset`)
  let childHoldsStream = false;
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
  child.on('message', (output: ChildOutput) => {
    if (!output.ok && output.denied) return sandboxViolation(output.denied);
    if (!output.ok) {
      // a classified extraction error: the child is healthy, and its stream state is gone
      const error =
        output.extraction && output.code
          ? new ExtractionError(output.code, output.message, { permanent: output.permanent })
          : new Error(output.message);
      return finish(output.extraction, error, true);
    }
    const waiting = pending;
    pending = undefined;
    stopClock();
    if (('chunks' in output && output.chunks.length === 0) || 'result' in output) {
      childHoldsStream = false;
    }
    if (waiting) waiting.resolve(output);
    else finish(false, new Error('The extraction process answered out of turn.'));
  });
  child.once('error', (error: Error) => finish(false, error));
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
      finish(
        false,
        new Error(
          `The extraction process exited (${signal ?? `code ${code}`}) without a result.` +
            (pooled.stderr ? ` It said: ${lastLines(pooled.stderr)}` : ''),
        ),
      );
    }
  });

  return {
    request(message) {
      if (failure !== undefined) return Promise.reject(failure);
      if (settled) return Promise.reject(new Error('The extraction stream is closed.'));
      if (pending) return Promise.reject(new Error('One extraction request at a time.'));
      if (message.type === 'chunk' || message.type === 'next') childHoldsStream = true;
      else if ((message.type === undefined || message.type === 'extract') && message.chunking) {
        childHoldsStream = true;
      }
      return new Promise<AnswerOf>((resolve, reject) => {
        pending = { resolve, reject };
        startClock();
        child.send(message, (error) => {
          if (error) finish(false, error);
        });
      });
    },
    post(message) {
      if (failure !== undefined) return Promise.reject(failure);
      if (settled) return Promise.reject(new Error('The extraction stream is closed.'));
      childHoldsStream = true;
      return new Promise<void>((resolve, reject) => {
        child.send(message, (error) => {
          if (!error) return resolve();
          finish(false, error);
          reject(error);
        });
      });
    },
    end() {
      if (settled) return;
      // the child forgets a stream that was not read to its end (no answer comes back)
      if (childHoldsStream && pending === undefined && child.connected) {
        child.send({ type: 'reset' });
      }
      finish(true, pending ? new Error('The extraction stream was closed.') : undefined);
    },
  };
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
