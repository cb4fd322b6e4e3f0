import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { ExtractionError } from '../ingestion/errors';
import { extractText } from '../ingestion/extract';
import { type Chunk, chunkPages, type ChunkOptions } from '../ingestion/chunker';
import type {
  DocumentKind,
  ExtractionLimits,
  ExtractionResult,
  PageText,
} from '../ingestion/types';
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
  const session = openSession(options);
  try {
    const output = await session.request({ content, kind, limits });
    if (!('result' in output)) throw new Error('The extraction process answered out of turn.');
    return output.result;
  } finally {
    session.end();
  }
}

/** Chunks in each batch the extraction process hands over (about 0.5 MB of text). */
export const CHUNK_BATCH = 500;

/**
 * A document's chunks, streamed out of the extraction process: `extractChunks` resolves once the
 * text is extracted (the child keeps it), `chunk()` splits it there, and `next()` brings the
 * chunks over batch after batch, so the worker's thread never holds the whole text or the whole
 * array of chunks. Limits (time, heap, resident memory, sandbox) cover the whole stream, until
 * `close()`, which must always be called (it hands the child back to the pool, or kills it if a
 * request is still unanswered).
 */
export interface ChunkStream {
  /** Pages of the document (PDF pages without text included). */
  readonly pageCount: number;
  /** Splits the text into chunks (in the child); resolves with how many there are. */
  chunk(): Promise<number>;
  /** The next batch of chunks in order, at most `CHUNK_BATCH`; empty once all were given. */
  next(): Promise<Chunk[]>;
  /** Ends the stream; idempotent. */
  close(): void;
}

/**
 * A file to extract: whole, or as the parts of a stream of `size` bytes (at most), which go to
 * the extraction process as they come, so the worker never holds the whole file.
 */
export type FileSource = Buffer | { size: number; parts: AsyncIterable<Uint8Array> };

/** Bytes per `part` message when a file is sent in parts. */
export const FILE_PART_BYTES = 1024 * 1024;

/**
 * Extracts the text of `file` in an extraction process and keeps it there for chunking and
 * streaming (see `ChunkStream`). Fails as `extractInChild` does (a file sent in parts that is
 * larger than its announced size: a permanent `corrupt_file`). Under jest (no compiled child
 * module) or with `inProcess`, the same steps run on the calling thread.
 */
export async function extractChunks(
  file: FileSource,
  kind: DocumentKind,
  chunking: ChunkOptions,
  options: ExtractInChildOptions = {},
): Promise<ChunkStream> {
  const limits = options.limits ?? {};
  if (options.inProcess || !canUseChildProcess()) {
    const content = Buffer.isBuffer(file) ? file : await wholeFile(file);
    return inProcessStream(await extractText(content, kind, limits), chunking);
  }
  const session = openSession(options);
  try {
    let output: AnswerOf;
    if (Buffer.isBuffer(file)) {
      output = await session.request({ content: file, kind, limits, chunking });
    } else {
      await session.post({ size: file.size, kind, limits, chunking });
      for await (const bytes of inParts(file.parts, FILE_PART_BYTES)) {
        await session.post({ type: 'part', bytes });
      }
      output = await session.request({ type: 'end' });
    }
    if (!('pageCount' in output)) throw new Error('The extraction process answered out of turn.');
    return {
      pageCount: output.pageCount,
      chunk: async () => {
        const answer = await session.request({ type: 'chunk' });
        if (!('chunkCount' in answer)) {
          throw new Error('The extraction process answered out of turn.');
        }
        return answer.chunkCount;
      },
      next: async () => {
        const answer = await session.request({ type: 'next', max: CHUNK_BATCH });
        if (!('chunks' in answer)) throw new Error('The extraction process answered out of turn.');
        return answer.chunks;
      },
      close: () => session.end(),
    };
  } catch (error) {
    session.end();
    throw error;
  }
}

/** A file given in parts, as one Buffer (in-process extraction only). */
async function wholeFile(file: {
  size: number;
  parts: AsyncIterable<Uint8Array>;
}): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const part of file.parts) {
    parts.push(Buffer.from(part.buffer, part.byteOffset, part.byteLength));
    total += part.byteLength;
  }
  if (total > file.size) {
    throw new ExtractionError('corrupt_file', 'The stored file is larger than the uploaded one.');
  }
  return Buffer.concat(parts, total);
}

/** The parts regrouped into pieces of about `bytes` (fewer, larger messages). */
async function* inParts(parts: AsyncIterable<Uint8Array>, bytes: number): AsyncGenerator<Buffer> {
  let pending: Uint8Array[] = [];
  let size = 0;
  for await (const part of parts) {
    pending.push(part);
    size += part.byteLength;
    if (size >= bytes) {
      yield Buffer.concat(pending, size);
      pending = [];
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(pending, size);
}

/** The stream's steps on the calling thread (tests, `inProcess`). */
function inProcessStream(extracted: ExtractionResult, chunking: ChunkOptions): ChunkStream {
  let pages: PageText[] | undefined = extracted.pages;
  let chunks: Chunk[] = [];
  let sent = 0;
  return {
    pageCount: extracted.pageCount,
    chunk: async () => {
      chunks = await chunkPages(pages ?? [], chunking);
      pages = undefined;
      return chunks.length;
    },
    next: () => {
      const batch = chunks.slice(sent, sent + CHUNK_BATCH);
      sent += batch.length;
      return Promise.resolve(batch);
    },
    close: () => {
      pages = undefined;
      chunks = [];
    },
  };
}

type AnswerOf = Extract<ChildOutput, { ok: true }>;

/** A pooled extraction process, taken for one document, under its limits until `end()`. */
interface ChildSession {
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

function openSession(options: ExtractInChildOptions): ChildSession {
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
