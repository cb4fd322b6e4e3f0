/**
 * Where errors go besides the logs: nowhere until an error tracker registers itself
 * (`setErrorReporter`, by @docent/telemetry when SENTRY_DSN is set). Dependency-free, so the
 * first module of an app can register before the rest loads, and the HTTP filter and the queues
 * report without knowing the tracker.
 */

/** A 5xx answer: what is known about the request, never its body, headers or query. */
export interface RequestErrorReport {
  error: unknown;
  status: number;
  requestId: string;
  method: string;
  /** The route template (`/api/v1/documents/:id`), not the path with its ids. */
  route?: string;
  /** The authenticated user's id, when the guard ran. */
  userId?: string;
}

/** A job that failed for good: no attempt left, or discarded as permanent. */
export interface JobFailureReport {
  error: unknown;
  queue: string;
  jobName: string;
  jobId: string;
  attemptsMade: number;
  /** The document the job was about (ingestion). */
  documentId?: string;
  /** X-Request-Id of the request that enqueued it. */
  requestId?: string;
}

export interface ErrorReporter {
  requestFailed(report: RequestErrorReport): void;
  jobFailed(report: JobFailureReport): void;
}

let reporter: ErrorReporter | undefined;

/** Registers the process's error tracker (undefined: none). */
export function setErrorReporter(next: ErrorReporter | undefined): void {
  reporter = next;
}

/** Hands a 5xx answer to the error tracker, if any; never throws. */
export function reportRequestError(report: RequestErrorReport): void {
  try {
    reporter?.requestFailed(report);
  } catch {
    // reporting must never break the answer
  }
}

/** Hands a job's final failure to the error tracker, if any; never throws. */
export function reportJobFailure(report: JobFailureReport): void {
  try {
    reporter?.jobFailed(report);
  } catch {
    // reporting must never break the queue
  }
}
