import { type JobFailureReport } from '@docent/common';

/** What of a bull job the failure report reads (bull's `Job`, structurally). */
export interface FailedJob {
  id: string | number;
  name: string;
  data: unknown;
  attemptsMade: number;
  opts: { attempts?: number };
  /** Bull's Job has it (set by `discard()`), its type declarations do not. */
  isDiscarded?(): boolean;
}

/** What bull 4 fails a job with when it stalled (its worker died) too often: never retried. */
export const STALLED_TOO_OFTEN = 'job stalled more than allowable limit';

/**
 * Whether bull's `failed` event was the job's last word: bull counts the attempt before it emits,
 * and retries while attempts are left unless the job was discarded (a permanent error). A job
 * that stalled too often is failed for good whatever its attempts.
 */
export function isFinalFailure(job: FailedJob, error?: unknown): boolean {
  if (error instanceof Error && error.message === STALLED_TOO_OFTEN) return true;
  return job.isDiscarded?.() === true || job.attemptsMade >= (job.opts.attempts ?? 1);
}

function stringField(data: unknown, key: string): string | undefined {
  if (data === null || typeof data !== 'object') return undefined;
  const value = (data as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

/** The error tracker's report of a final failure: ids only, never the job's other data. */
export function jobFailureReport(queue: string, job: FailedJob, error: unknown): JobFailureReport {
  return {
    error,
    queue,
    jobName: job.name,
    jobId: String(job.id),
    attemptsMade: job.attemptsMade,
    documentId: stringField(job.data, 'documentId'),
    requestId: stringField(job.data, 'requestId'),
  };
}
