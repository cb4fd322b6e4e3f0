import { installDomMatrix } from '../ingestion/dom-matrix';
import { type ExtractionErrorCode, isExtractionError } from '../ingestion/errors';
import { extractText } from '../ingestion/extract';
import type { DocumentKind, ExtractionLimits, ExtractionResult } from '../ingestion/types';
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

/** One extraction request sent to a (reused) child. */
export interface ExtractRequest {
  content: Uint8Array;
  kind: DocumentKind;
  limits: Partial<ExtractionLimits>;
}

export type ChildOutput =
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
