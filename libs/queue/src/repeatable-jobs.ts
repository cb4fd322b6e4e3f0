import type { Queue } from 'bull';
import type { MaintenanceJobPayload } from './queue.contracts';

/** A maintenance job that runs every `everyMs` on whichever worker is free. */
export interface RepeatableJob {
  /** The maintenance job's name (also its payload's `task`). */
  name: string;
  /** One schedule, however many workers start: bull keys a repeatable job by name, id and interval. */
  jobId: string;
  everyMs: number;
  /** Finished runs kept in Redis for the admin queue view (bull's `removeOnComplete`). */
  keepCompleted?: true | number;
  /** Failed runs kept (bull's `removeOnFail`, a count). */
  keepFailed?: number;
}

/**
 * Schedules a repeatable job on the maintenance queue. Idempotent across restarts and replicas:
 * every worker adding the same schedule leaves exactly one; a schedule of the same job with
 * another interval (left by an older version) is removed first, so a changed interval applies.
 */
export async function scheduleRepeatable(
  queue: Queue<MaintenanceJobPayload>,
  job: RepeatableJob,
): Promise<void> {
  for (const repeatable of await queue.getRepeatableJobs()) {
    if (repeatable.name === job.name && Number(repeatable.every) !== job.everyMs) {
      await queue.removeRepeatableByKey(repeatable.key);
    }
  }
  await queue.add(
    job.name,
    { task: job.name },
    {
      jobId: job.jobId,
      repeat: { every: job.everyMs },
      removeOnComplete: job.keepCompleted ?? true,
      removeOnFail: job.keepFailed ?? 50,
    },
  );
}
