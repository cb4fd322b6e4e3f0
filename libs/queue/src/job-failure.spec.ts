import { type FailedJob, isFinalFailure, jobFailureReport, STALLED_TOO_OFTEN } from './job-failure';

/** A job as bull hands it to `failed` listeners: the attempt that just failed is counted. */
function failedJob(
  attemptsMade: number,
  attempts: number | undefined,
  discarded = false,
): FailedJob {
  return {
    id: 'doc-1:v1',
    name: 'ingest',
    data: { documentId: 'doc-1', ingestionVersion: 1, requestId: 'req-1', password: 'never' },
    attemptsMade,
    opts: { attempts },
    isDiscarded: () => discarded,
  };
}

describe('isFinalFailure', () => {
  it('is false while bull will retry', () => {
    expect(isFinalFailure(failedJob(1, 5))).toBe(false);
    expect(isFinalFailure(failedJob(4, 5))).toBe(false);
  });

  it('is true once no attempt is left', () => {
    expect(isFinalFailure(failedJob(5, 5))).toBe(true);
    // bull's default is one attempt
    expect(isFinalFailure(failedJob(1, undefined))).toBe(true);
  });

  it('is true for a discarded job (a permanent error), attempts left or not', () => {
    expect(isFinalFailure(failedJob(1, 5, true))).toBe(true);
  });

  it('is true for a job that stalled too often (bull does not retry it)', () => {
    expect(isFinalFailure(failedJob(0, 5), new Error(STALLED_TOO_OFTEN))).toBe(true);
    expect(isFinalFailure(failedJob(1, 5), new Error('socket hang up'))).toBe(false);
  });
});

describe('jobFailureReport', () => {
  it('takes the ids from the job, nothing else of its data', () => {
    const error = new Error('boom');
    expect(jobFailureReport('ingestion', failedJob(5, 5), error)).toEqual({
      error,
      queue: 'ingestion',
      jobName: 'ingest',
      jobId: 'doc-1:v1',
      attemptsMade: 5,
      documentId: 'doc-1',
      requestId: 'req-1',
    });
  });
});
