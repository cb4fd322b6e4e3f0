import { installDomMatrix } from '../ingestion/dom-matrix';
import { ExtractionError, type ExtractionErrorCode, isExtractionError } from '../ingestion/errors';
import { type Chunk, chunkPages, type ChunkOptions } from '../ingestion/chunker';
import { extractText, resolveLimits } from '../ingestion/extract';
import { withOcrPages } from '../ingestion/ocr-pages';
import type {
  DocumentKind,
  ExtractionLimits,
  ExtractionResult,
  OcrCandidate,
  PageText,
} from '../ingestion/types';
import { type AccessDenial, accessDenialOf, confinementProblem } from './extraction-sandbox';

/**
 * The extraction process's side (see `extract-in-child.ts` for why extraction runs in a child):
 * this module is what the child runs, so it imports only the extractors and the sandbox check;
 * everything it loads is what the sandbox lets it read (`extractionReadPaths(CHILD_MODULE)`).
 */

export const CHILD_MARKER = '--docent-extract-child';

/** The compiled file the pool forks, and its module (whose imports the child may read). */
export const CHILD_FILENAME = __filename;
export const CHILD_MODULE: NodeJS.Module = module;

/** What to extract; the file comes with it (`content`) or after it, in parts (`size` bytes). */
export interface ExtractOrder {
  type?: 'extract';
  /** The whole file; without it the file follows as `part` messages, then `end`. */
  content?: Uint8Array;
  /** Bytes announced for a file sent in parts (no more are accepted). */
  size?: number;
  kind: DocumentKind;
  limits: Partial<ExtractionLimits>;
  chunking?: ChunkOptions;
  /**
   * PDF: answer with the pages that need OCR (`ocrCandidates`) instead of failing when there is
   * no text; the parent then sends an `ocr` request (with chunking) or merges the pages itself.
   */
  ocrCandidates?: boolean;
}

/**
 * What a (reused) child is asked, one request at a time, each answered by one `ChildOutput`
 * (`part` and `reset`, and an `extract` without `content`, get no answer):
 * - `extract` with `content`, or without it and then the file in `part`s and an `end` (so the
 *   worker never holds the whole file): extract the text and answer with the whole result
 *   (`ExtractionResult`);
 * - the same with `chunking`: extract and keep the pages in the child, answer with the page
 *   count only; then `chunk` splits them (answer: how many chunks) and each `next` answers with
 *   the next batch of at most `max` chunks (an empty batch: all were sent, the child forgets
 *   them). The document's text and its chunks never cross to the worker in one piece.
 * - with `ocrCandidates` as well, the answer lists the pages without a text layer, and the next
 *   request is `ocr` with the text the parent read from them (possibly none): the child merges it
 *   (failing with `no_extractable_text` if there is still no text) and answers with the page
 *   count again; `chunk` follows as above.
 * - `reset`: forget a stream the parent gave up on.
 */
export type ExtractRequest =
  | ExtractOrder
  | { type: 'part'; bytes: Uint8Array }
  | { type: 'end' }
  | { type: 'ocr'; pages: PageText[] }
  | { type: 'chunk' }
  | { type: 'next'; max: number }
  | { type: 'reset' };

export type ChildOutput =
  | { ok: true; result: ExtractionResult }
  | { ok: true; pageCount: number; ocrCandidates?: OcrCandidate[] }
  | { ok: true; chunkCount: number }
  | { ok: true; chunks: Chunk[] }
  | {
      ok: false;
      extraction: boolean;
      code?: ExtractionErrorCode;
      permanent?: boolean;
      message: string;
      /** The extraction was refused something by the permission model. */
      denied?: AccessDenial;
    };

/** A plain description of a failure, for the parent. */
function failureOutput(error: unknown): ChildOutput {
  const denied = accessDenialOf(error);
  return denied
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
}

/** The child side: answer each request, or send a plain description of the failure. */
function serveInChild(): void {
  const problem = confinementProblem();
  if (problem !== undefined) {
    // never parse a hostile file unconfined: the parent reports this line with the exit
    process.stderr.write(`${problem}\n`, () => process.exit(78));
    return;
  }
  // pdf.js on Node takes DOMMatrix from a native addon, which this process may not load
  installDomMatrix();
  // the document being streamed: its pages until `chunk`, then its chunks until all were sent
  let pages: PageText[] | undefined;
  // extracted with OCR candidates: what the `ocr` request completes
  let awaitingOcr: { result: ExtractionResult; maxChars: number } | undefined;
  let chunkOptions: ChunkOptions | undefined;
  let chunks: Chunk[] | undefined;
  let sent = 0;
  // a file arriving in parts: the order, and the bytes so far
  let receiving:
    { order: ExtractOrder; buffer: Buffer; length: number; overflow: boolean } | undefined;
  const forget = () => {
    receiving = undefined;
    pages = undefined;
    awaitingOcr = undefined;
    chunks = undefined;
  };
  const extract = async (order: ExtractOrder, content: Buffer): Promise<ChildOutput> => {
    const result = await extractText(content, order.kind, order.limits, {
      ocrCandidates: order.ocrCandidates,
    });
    if (!order.chunking) return { ok: true, result };
    pages = result.pages;
    chunkOptions = order.chunking;
    if (result.ocrCandidates === undefined) return { ok: true, pageCount: result.pageCount };
    awaitingOcr = { result, maxChars: resolveLimits(order.limits).maxChars };
    return { ok: true, pageCount: result.pageCount, ocrCandidates: result.ocrCandidates };
  };
  const answer = async (
    request: Exclude<ExtractRequest, { type: 'reset' } | { type: 'part' }>,
  ): Promise<ChildOutput> => {
    switch (request.type) {
      case undefined:
      case 'extract': {
        forget();
        const { content } = request;
        if (!content) throw new Error('No file to extract.');
        return extract(
          request,
          Buffer.from(content.buffer, content.byteOffset, content.byteLength),
        );
      }
      case 'end': {
        const file = receiving;
        receiving = undefined;
        if (!file) throw new Error('No file was announced.');
        if (file.overflow) {
          throw new ExtractionError(
            'corrupt_file',
            'The stored file is larger than the uploaded one.',
          );
        }
        return extract(file.order, file.buffer.subarray(0, file.length));
      }
      case 'ocr': {
        if (!awaitingOcr) throw new Error('Nothing waits for OCR.');
        const merged = withOcrPages(awaitingOcr.result, request.pages, awaitingOcr);
        awaitingOcr = undefined;
        pages = merged.pages;
        return { ok: true, pageCount: merged.pageCount };
      }
      case 'chunk': {
        if (!pages || !chunkOptions || awaitingOcr) {
          throw new Error('Nothing was extracted to chunk.');
        }
        chunks = await chunkPages(pages, chunkOptions);
        pages = undefined;
        sent = 0;
        return { ok: true, chunkCount: chunks.length };
      }
      case 'next': {
        if (!chunks) throw new Error('Nothing was chunked to send.');
        const batch = chunks.slice(sent, sent + request.max);
        sent += batch.length;
        if (batch.length === 0) chunks = undefined;
        return { ok: true, chunks: batch };
      }
    }
  };
  process.on('message', (request: ExtractRequest) => {
    if (request.type === 'reset') return forget();
    if ((request.type === undefined || request.type === 'extract') && !request.content) {
      forget();
      // one buffer of the announced size, filled as the parts come (no concatenation)
      receiving = {
        order: request,
        buffer: Buffer.alloc(request.size ?? 0),
        length: 0,
        overflow: false,
      };
      return;
    }
    if (request.type === 'part') {
      if (!receiving) return;
      const { bytes } = request;
      if (receiving.length + bytes.byteLength > receiving.buffer.length) {
        receiving.overflow = true;
        return;
      }
      receiving.buffer.set(bytes, receiving.length);
      receiving.length += bytes.byteLength;
      return;
    }
    answer(request).then(
      (output) => process.send?.(output),
      (error: unknown) => process.send?.(failureOutput(error)),
    );
  });
  // the parent went away: nothing more to do
  process.on('disconnect', () => process.exit(0));
}

if (process.argv.includes(CHILD_MARKER) && typeof process.send === 'function') serveInChild();
