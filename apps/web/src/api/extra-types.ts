/**
 * The shapes the client uses that docs/openapi.json does not describe: the problem document of
 * any error (RFC 9457, SPEC.md §3) and the cursor page every list answers with. Every other API
 * type is generated, the socket event payloads too (`IngestionProgressDto`): see openapi.gen.ts.
 */
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
