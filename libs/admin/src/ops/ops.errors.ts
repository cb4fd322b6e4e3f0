import { AppError } from '@docent/common';

/** Domain errors of the audit-log, queue and stats endpoints, each with a stable code. */
export const OpsErrors = {
  queueNotFound(name: string): AppError {
    return new AppError('not_found', 'queue_not_found', `There is no queue named "${name}".`);
  },

  jobNotFound(): AppError {
    return new AppError('not_found', 'job_not_found', 'There is no such job in this queue.');
  },

  jobNotFailed(state: string): AppError {
    return new AppError(
      'conflict',
      'job_not_failed',
      `Only failed jobs can be retried; this job is ${state}.`,
      { extensions: { state } },
    );
  },

  jobActive(): AppError {
    return new AppError(
      'conflict',
      'job_active',
      'The job is being processed right now; wait for it to finish or fail, then remove it.',
      { extensions: { state: 'active' } },
    );
  },

  queuesUnavailable(cause?: unknown): AppError {
    return new AppError(
      'unavailable',
      'dependency_unavailable',
      'Redis did not answer in time; the queues cannot be read right now.',
      { retryAfterSeconds: 5, cause },
    );
  },
};
