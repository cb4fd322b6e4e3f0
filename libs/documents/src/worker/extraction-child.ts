import { installDomMatrix } from '../ingestion/dom-matrix';
import { type ExtractionErrorCode, isExtractionError } from '../ingestion/errors';
import { type Chunk, chunkPages, type ChunkOptions } from '../ingestion/chunker';
import { extractText } from '../ingestion/extract';
import type {
  DocumentKind,
  ExtractionLimits,
  ExtractionResult,
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

/**
 * What a (reused) child is asked, one request at a time, each answered by one `ChildOutput`:
 * - `extract`: extract the text and answer with the whole result (`ExtractionResult`);
 * - `extract` with `chunking`: extract and keep the pages in the child, answer with the page
 *   count only; then `chunk` splits them (answer: how many chunks) and each `next` answers with
 *   the next batch of at most `max` chunks (an empty batch: all were sent, the child forgets
 *   them). The document's text and its chunks never cross to the worker in one piece.
 * - `reset` (no answer): forget a stream the parent gave up on.
 */
export type ExtractRequest =
  | {
      type?: 'extract';
      content: Uint8Array;
      kind: DocumentKind;
      limits: Partial<ExtractionLimits>;
      chunking?: ChunkOptions;
    }
  | { type: 'chunk' }
  | { type: 'next'; max: number }
  | { type: 'reset' };

export type ChildOutput =
  | { ok: true; result: ExtractionResult }
  | { ok: true; pageCount: number }
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
  let chunkOptions: ChunkOptions | undefined;
  let chunks: Chunk[] | undefined;
  let sent = 0;
  const answer = async (
    request: Exclude<ExtractRequest, { type: 'reset' }>,
  ): Promise<ChildOutput> => {
    switch (request.type) {
      case undefined:
      case 'extract': {
        pages = undefined;
        chunks = undefined;
        const content = Buffer.from(
          request.content.buffer,
          request.content.byteOffset,
          request.content.byteLength,
        );
        const result = await extractText(content, request.kind, request.limits);
        if (!request.chunking) return { ok: true, result };
        pages = result.pages;
        chunkOptions = request.chunking;
        return { ok: true, pageCount: result.pageCount };
      }
      case 'chunk': {
        if (!pages || !chunkOptions) throw new Error('Nothing was extracted to chunk.');
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
    if (request.type === 'reset') {
      pages = undefined;
      chunks = undefined;
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
