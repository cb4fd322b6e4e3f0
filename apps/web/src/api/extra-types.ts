/**
 * The shapes the client uses that docs/openapi.json does not describe: the problem document of
 * any error (RFC 9457, SPEC.md §3), the cursor page every list answers with, and the socket event
 * payloads (SPEC.md §7). Every other API type is generated: see openapi.gen.ts.
 */
import type { DocumentDto } from './openapi.gen';

export interface FieldProblem {
  field: string;
  message: string;
}

export interface ProblemDetails {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  instance?: string;
  requestId?: string;
  errors?: FieldProblem[];
  [key: string]: unknown;
}

/** A page of a cursor-paginated list (the `*PageDto` schemas, generically). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** `ingestion.progress` on the socket. */
export interface IngestionProgress {
  documentId: string;
  status: DocumentDto['status'];
  stage: DocumentDto['stage'];
  progress: number;
  error?: { code: string; message: string } | null;
}
