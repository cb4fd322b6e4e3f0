import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ExtractionError } from '../ingestion/errors';
import { extractText, resolveLimits } from '../ingestion/extract';
import { type Chunk, chunkPages, type ChunkOptions } from '../ingestion/chunker';
import { withOcrPages } from '../ingestion/ocr-pages';
import type {
  DocumentKind,
  ExtractionLimits,
  ExtractionResult,
  PageText,
} from '../ingestion/types';
import { type AnswerOf, type ExtractInChildOptions, openSession } from './extraction-session';
import type { OcrRunner, PdfWriter } from './ocr';

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

export {
  DEFAULT_EXTRACT_CHILD_OPTIONS,
  type ExtractInChildOptions,
  RSS_POLL_MS,
} from './extraction-session';

/**
 * A child can only run JavaScript files: true when this module was loaded from compiled output.
 * From a `.ts` source (jest, ts-node) extraction falls back to the main thread.
 */
export function canUseChildProcess(): boolean {
  return __filename.endsWith('.js');
}

export async function extractInChild(
  content: Buffer,
  kind: DocumentKind,
  options: ExtractInChildOptions = {},
): Promise<ExtractionResult> {
  const limits = options.limits ?? {};
  const ocr = kind === 'pdf' ? options.ocr : undefined;
  let result: ExtractionResult;
  if (options.inProcess || !canUseChildProcess()) {
    result = await extractText(content, kind, limits, { ocrCandidates: ocr !== undefined });
  } else {
    const session = openSession(options);
    try {
      const output = await session.request({
        content,
        kind,
        limits,
        ocrCandidates: ocr !== undefined,
      });
      if (!('result' in output)) throw new Error('The extraction process answered out of turn.');
      result = output.result;
    } finally {
      session.end();
    }
  }
  return ocr ? completeWithOcr(result, ocr, bufferWriter(content), limits) : result;
}

/** The result once OCR has read its candidate pages (see `withOcrPages`). */
async function completeWithOcr(
  result: ExtractionResult,
  ocr: OcrRunner,
  writePdf: PdfWriter,
  limits: Partial<ExtractionLimits>,
): Promise<ExtractionResult> {
  if (result.ocrCandidates === undefined) return result;
  const pages = await ocr.read(writePdf, result.ocrCandidates);
  return withOcrPages(result, pages, resolveLimits(limits));
}

/** Writes a file held in memory (mode 0600, never over an existing file). */
function bufferWriter(content: Buffer): PdfWriter {
  return (path) => writeFile(path, content, { mode: 0o600, flag: 'wx' });
}

/** Writes a file read again from its source (mode 0600, never over an existing file). */
function streamWriter(open: () => AsyncIterable<Uint8Array>): PdfWriter {
  return (path) =>
    pipeline(Readable.from(open()), createWriteStream(path, { mode: 0o600, flags: 'wx' }));
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
  /** Pages whose text OCR read (0 without OCR). */
  readonly ocrPages: number;
  /** Splits the text into chunks (in the child); resolves with how many there are. */
  chunk(): Promise<number>;
  /** The next batch of chunks in order, at most `CHUNK_BATCH`; empty once all were given. */
  next(): Promise<Chunk[]>;
  /** Ends the stream; idempotent. */
  close(): void;
}

/**
 * A file to extract: whole, or as the parts of a stream of `size` bytes (at most), which go to
 * the extraction process as they come, so the worker never holds the whole file. `reopen` reads
 * it again from the start: OCR needs the PDF as a file, written only when a page needs it.
 */
export type FileSource =
  | Buffer
  | { size: number; parts: AsyncIterable<Uint8Array>; reopen?: () => AsyncIterable<Uint8Array> };

/** Bytes per `part` message when a file is sent in parts. */
export const FILE_PART_BYTES = 1024 * 1024;

/**
 * Extracts the text of `file` in an extraction process and keeps it there for chunking and
 * streaming (see `ChunkStream`). Fails as `extractInChild` does (a file sent in parts that is
 * larger than its announced size: a permanent `corrupt_file`). Under jest (no compiled child
 * module) or with `inProcess`, the same steps run on the calling thread.
 * With `options.ocr`, a PDF's pages without a text layer are read with OCR here, between the
 * extraction and the chunking (the child keeps the other pages meanwhile, and merges the OCR
 * text in by page number); the PDF is written for it from memory or from `file.reopen`.
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
    const ocr = kind === 'pdf' ? options.ocr : undefined;
    const extracted = await extractText(content, kind, limits, { ocrCandidates: !!ocr });
    const candidates = extracted.ocrCandidates;
    const result = ocr
      ? await completeWithOcr(extracted, ocr, bufferWriter(content), limits)
      : extracted;
    return inProcessStream(result, chunking, ocrPagesIn(result, candidates));
  }
  // OCR needs the PDF again as a file: from memory, or read again from its source
  const writePdf = Buffer.isBuffer(file)
    ? bufferWriter(file)
    : file.reopen
      ? streamWriter(file.reopen)
      : undefined;
  const ocr = kind === 'pdf' && writePdf ? options.ocr : undefined;
  const ocrCandidates = ocr !== undefined;
  const session = openSession(options);
  try {
    let output: AnswerOf;
    if (Buffer.isBuffer(file)) {
      output = await session.request({ content: file, kind, limits, chunking, ocrCandidates });
    } else {
      await session.post({ size: file.size, kind, limits, chunking, ocrCandidates });
      for await (const bytes of inParts(file.parts, FILE_PART_BYTES)) {
        await session.post({ type: 'part', bytes });
      }
      output = await session.request({ type: 'end' });
    }
    if (!('pageCount' in output)) throw new Error('The extraction process answered out of turn.');
    let ocrPages = 0;
    if (ocr && writePdf && output.ocrCandidates) {
      // the child keeps the pages it extracted; OCR runs here (the child may not start programs)
      const read = await ocr.read(writePdf, output.ocrCandidates);
      const merged = await session.request({ type: 'ocr', pages: read });
      if (!('pageCount' in merged)) throw new Error('The extraction process answered out of turn.');
      ocrPages = read.length;
    }
    return {
      pageCount: output.pageCount,
      ocrPages,
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

/** How many of the result's pages were OCR candidates (their text came from OCR). */
function ocrPagesIn(
  result: ExtractionResult,
  candidates: ExtractionResult['ocrCandidates'],
): number {
  if (!candidates?.length) return 0;
  const read = new Set(candidates.map((c) => c.page));
  return result.pages.filter((p) => read.has(p.page)).length;
}

/** The stream's steps on the calling thread (tests, `inProcess`). */
function inProcessStream(
  extracted: ExtractionResult,
  chunking: ChunkOptions,
  ocrPages: number,
): ChunkStream {
  let pages: PageText[] | undefined = extracted.pages;
  let chunks: Chunk[] = [];
  let sent = 0;
  return {
    pageCount: extracted.pageCount,
    ocrPages,
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
