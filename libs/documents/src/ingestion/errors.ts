// not the '@docent/common' barrel: this module is loaded by every extraction thread, and the
// barrel pulls in Nest, Fastify and pino (about 1 CPU-second per thread, measured by bench/)
import { AppError } from '@docent/common/app-error';

/** Stable codes for documents that cannot be extracted (SPEC §6). */
export type ExtractionErrorCode =
  | 'encrypted_pdf'
  | 'no_extractable_text'
  | 'archive_bomb'
  | 'corrupt_file'
  | 'limit_exceeded'
  /** extraction tried something its process may not do (read another file, write, spawn) */
  | 'sandbox_violation';

export interface ExtractionErrorOptions {
  /** A permanent failure is not retried (default true: the same bytes always fail the same way). */
  permanent?: boolean;
  cause?: unknown;
}

/** Thrown by the extractors; `code` is stable, `permanent` tells the pipeline not to retry. */
export class ExtractionError extends AppError {
  declare readonly code: ExtractionErrorCode;
  readonly permanent: boolean;

  constructor(code: ExtractionErrorCode, message: string, options: ExtractionErrorOptions = {}) {
    super('unprocessable', code, message, { cause: options.cause });
    this.name = 'ExtractionError';
    this.permanent = options.permanent ?? true;
  }
}

export function isExtractionError(error: unknown): error is ExtractionError {
  return error instanceof ExtractionError;
}
