import { getQueueToken } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Job, Queue } from 'bull';
import { AUDIT_TARGET, type AuditAction, AuditService } from '@docent/audit';
import { AppError, decodeCursor, encodeCursor, type Page } from '@docent/common';
import { withTimeout } from '@docent/health';
import { QUEUE_NAMES, type QueueName } from '@docent/queue';
import type { JobDto, JobListQueryDto, JobState, QueueDto } from './dto/queue.dto';
import type { QueueDepthDto } from './dto/stats.dto';
import { isoOrNull, latestStack, redactJobData } from './job-data';
import { OpsErrors } from './ops.errors';

/** How long Redis may take to answer before the endpoint gives up with 503. */
export const REDIS_ANSWER_MS = 2000;

/** Ids bull could have given (counters, or producer-chosen ids such as `password-reset:<event>`). */
const JOB_ID = /^[A-Za-z0-9._:@/+=-]{1,256}$/;
/** Keys of bull's own that `getJob` would happily read as a job hash. */
const RESERVED_KEYS = new Set([
  'wait',
  'active',
  'paused',
  'completed',
  'failed',
  'delayed',
  'priority',
  'stalled',
  'stalled-check',
  'meta',
  'meta-paused',
  'id',
  'limiter',
  'repeat',
  'events',
  'drained',
]);

/** An admin change of one job: its audit action, bull's call, and the states that refuse it. */
interface GuardedJobChange {
  action: AuditAction;
  apply: (job: Job) => Promise<unknown>;
  /** Why the job may not be changed in `state` (as the audit reason and the error), if so. */
  refusal: (state: string) => { reason: string; error: () => AppError } | undefined;
}

/** Only a failed job is retried; a failing script means someone else retried or removed it. */
const RETRY: GuardedJobChange = {
  action: 'admin.job_retried',
  apply: (job) => job.retry(),
  refusal: (state) =>
    state === 'failed'
      ? undefined
      : { reason: 'job_not_failed', error: () => OpsErrors.jobNotFailed(state) },
};

/** Any job but an active one is removed: bull refuses a job whose lock a worker holds. */
const REMOVE: GuardedJobChange = {
  action: 'admin.job_removed',
  apply: (job) => job.remove(),
  refusal: (state) =>
    state === 'active' ? { reason: 'job_active', error: () => OpsErrors.jobActive() } : undefined,
};

/** The greatest offset a jobs cursor may carry (bull's completed set is trimmed well below it). */
const MAX_OFFSET = 1_000_000;

interface JobCursor extends Record<string, unknown> {
  queue: string;
  state: string;
  offset: number;
}

function isJobCursor(value: Record<string, unknown>): value is JobCursor {
  return (
    typeof value.queue === 'string' &&
    typeof value.state === 'string' &&
    Number.isInteger(value.offset) &&
    (value.offset as number) >= 0 &&
    (value.offset as number) <= MAX_OFFSET
  );
}

export interface JobChange {
  queue: QueueName;
  jobId: string;
  jobName: string;
  previousState: string;
}

/**
 * Looking into the bull queues and acting on single jobs, for admins. Every Redis call is bounded
 * by `REDIS_ANSWER_MS`; writes (retry, remove) are audited, reads are not.
 */
@Injectable()
export class QueueAdminService {
  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly audit: AuditService,
  ) {}

  /** Counts per state of every queue, and whether it is paused. */
  async listQueues(): Promise<QueueDto[]> {
    return this.answer(
      Promise.all(
        QUEUE_NAMES.map(async (name) => {
          const queue = this.queue(name);
          const [counts, isPaused] = await Promise.all([
            queue.getJobCounts(),
            queue.isPaused(false),
          ]);
          const byState = counts as unknown as Partial<Record<string, number>>;
          return {
            name,
            counts: {
              waiting: byState.waiting ?? 0,
              active: byState.active ?? 0,
              delayed: byState.delayed ?? 0,
              failed: byState.failed ?? 0,
              completed: byState.completed ?? 0,
              paused: byState.paused ?? 0,
            },
            isPaused,
          };
        }),
      ),
    );
  }

  /** Depth of every queue for the stats page: waiting includes jobs held by a paused queue. */
  async depths(): Promise<Record<string, QueueDepthDto>> {
    const queues = await this.listQueues();
    return Object.fromEntries(
      queues.map(({ name, counts }) => [
        name,
        {
          waiting: counts.waiting + counts.paused,
          active: counts.active,
          delayed: counts.delayed,
          failed: counts.failed,
        },
      ]),
    );
  }

  /**
   * One page of a queue's jobs in one state, most recent first. Bull keeps these in Redis lists
   * and sorted sets, so the cursor is an offset: a job that changes state between two pages may
   * be skipped or shown twice, which is acceptable for an operator's view.
   */
  async listJobs(name: string, query: JobListQueryDto): Promise<Page<JobDto>> {
    const queue = this.queue(name);
    const state = query.state;
    let offset = 0;
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(
        query.cursor,
        (value): value is JobCursor =>
          isJobCursor(value) && value.queue === name && value.state === state,
      );
      offset = cursor.offset;
    }
    // bull calls the `wait` list "waiting" in getJobs too; the end index is inclusive
    const jobs = await this.answer(queue.getJobs([state], offset, offset + query.limit, false));
    const hasMore = jobs.length > query.limit;
    const items = jobs
      .slice(0, query.limit)
      .filter((job): job is Job => job !== null && job !== undefined)
      .map((job) => this.toDto(job, state));
    return {
      items,
      nextCursor: hasMore
        ? encodeCursor({ queue: name, state, offset: offset + query.limit })
        : null,
    };
  }

  /** Puts a failed job back in the queue (it keeps its id, data and attempt count). */
  async retry(name: string, jobId: string): Promise<void> {
    await this.guardedChange(name, jobId, RETRY);
  }

  /** Deletes a job that is not being processed, whatever its state. */
  async remove(name: string, jobId: string): Promise<void> {
    await this.guardedChange(name, jobId, REMOVE);
  }

  /**
   * One audited change of a job: refused (and recorded as a failure) when `refusal` objects to
   * its state; when bull's own script fails, the state is read again so that a job changed by
   * someone else meanwhile is answered like one found in that state (or as gone), not as a 500.
   */
  private async guardedChange(
    name: string,
    jobId: string,
    { action, apply, refusal }: GuardedJobChange,
  ): Promise<void> {
    const queue = this.queue(name);
    const job = await this.findJob(queue, jobId);
    const state = await this.answer(job.getState());
    const change = this.change(name, job, state);
    const refused = refusal(state);
    if (refused) {
      await this.record(action, change, 'failure', refused.reason);
      throw refused.error();
    }
    try {
      await this.answer(apply(job));
    } catch (error) {
      if (error instanceof AppError) throw error;
      const now = await this.stateOf(queue, jobId);
      if (now === null) throw OpsErrors.jobNotFound();
      const refusedNow = refusal(now);
      if (refusedNow) {
        await this.record(action, change, 'failure', refusedNow.reason);
        throw refusedNow.error();
      }
      throw error;
    }
    await this.record(action, change, 'success');
  }

  private queue(name: string): Queue {
    if (!(QUEUE_NAMES as readonly string[]).includes(name)) throw OpsErrors.queueNotFound(name);
    return this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
  }

  private async findJob(queue: Queue, jobId: string): Promise<Job> {
    if (!JOB_ID.test(jobId) || RESERVED_KEYS.has(jobId)) throw OpsErrors.jobNotFound();
    let job: Job | null;
    try {
      job = await this.answer(queue.getJob(jobId));
    } catch (error) {
      // an id naming one of bull's non-hash keys (`<id>:lock`, `<id>:logs`, …) is no job
      if (error instanceof Error && /WRONGTYPE/.test(error.message)) throw OpsErrors.jobNotFound();
      throw error;
    }
    // a real job hash always has its creation time; anything else is not a job of this queue
    if (!job || !Number.isFinite(job.timestamp) || job.timestamp <= 0) {
      throw OpsErrors.jobNotFound();
    }
    return job;
  }

  private async stateOf(queue: Queue, jobId: string): Promise<string | null> {
    const job = await this.answer(queue.getJob(jobId));
    return job ? this.answer(job.getState()) : null;
  }

  private change(name: string, job: Job, previousState: string): JobChange {
    return {
      queue: name as QueueName,
      jobId: String(job.id),
      jobName: job.name,
      previousState,
    };
  }

  private async record(
    action: AuditAction,
    change: JobChange,
    outcome: 'success' | 'failure',
    reason?: string,
  ): Promise<void> {
    await this.audit.record({
      action,
      outcome,
      targetType: AUDIT_TARGET.job,
      targetId: `${change.queue}:${change.jobId}`,
      metadata: { ...change, ...(reason ? { reason } : {}) },
    });
  }

  private toDto(job: Job, state: JobState): JobDto {
    return {
      id: String(job.id),
      name: job.name,
      state,
      attemptsMade: job.attemptsMade ?? 0,
      failedReason: job.failedReason ?? null,
      stacktrace: latestStack(job.stacktrace),
      data: redactJobData(job.data),
      timestamp: isoOrNull(job.timestamp),
      processedOn: isoOrNull(job.processedOn),
      finishedOn: isoOrNull(job.finishedOn),
    };
  }

  /** Redis answers within `REDIS_ANSWER_MS` or the request ends with 503 dependency_unavailable. */
  private async answer<T>(promise: Promise<T>): Promise<T> {
    try {
      return await withTimeout(promise, REDIS_ANSWER_MS, 'Redis');
    } catch (error) {
      if (isRedisTrouble(error)) throw OpsErrors.queuesUnavailable(error);
      throw error;
    }
  }
}

/** A timeout of ours, or ioredis giving up on a connection: Redis is not answering. */
function isRedisTrouble(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (/did not answer within/.test(error.message)) return true;
  const code = (error as { code?: unknown }).code;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    /Connection is closed|Stream isn't writeable|max retries per request/i.test(error.message) ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'ETIMEDOUT'
  );
}
