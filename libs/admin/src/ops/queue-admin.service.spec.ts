import type { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bull';
import type { AuditService } from '@docent/audit';
import { AppError } from '@docent/common';
import { QueueAdminService, REDIS_ANSWER_MS } from './queue-admin.service';

function serviceWith(queue: Partial<Queue>) {
  const record = jest.fn().mockResolvedValue(undefined);
  const moduleRef = { get: jest.fn().mockReturnValue(queue) } as unknown as ModuleRef;
  const service = new QueueAdminService(moduleRef, { record } as unknown as AuditService);
  return { service, record, moduleRef };
}

const never = <T>() => new Promise<T>(() => undefined);

describe('QueueAdminService', () => {
  afterEach(() => jest.useRealTimers());

  it('gives up with 503 dependency_unavailable when Redis does not answer in time', async () => {
    jest.useFakeTimers();
    const { service } = serviceWith({ getJobCounts: never, isPaused: never });
    const listing = service.listQueues();
    const outcome = expect(listing).rejects.toMatchObject({
      kind: 'unavailable',
      code: 'dependency_unavailable',
      retryAfterSeconds: 5,
    });
    await jest.advanceTimersByTimeAsync(REDIS_ANSWER_MS);
    await outcome;
  });

  it('maps ioredis giving up on a connection to 503', async () => {
    const error = Object.assign(new Error('Reached the max retries per request limit'), {
      name: 'MaxRetriesPerRequestError',
    });
    const { service } = serviceWith({
      getJobCounts: () => Promise.reject(error),
      isPaused: () => Promise.resolve(false),
    });
    await expect(service.listQueues()).rejects.toMatchObject({ code: 'dependency_unavailable' });
  });

  it('answers 404 for an unknown queue and for ids that cannot be jobs, without asking Redis', async () => {
    const getJob = jest.fn();
    const { service, moduleRef } = serviceWith({ getJob });
    await expect(service.retry('nope', '1')).rejects.toMatchObject({ code: 'queue_not_found' });
    expect(moduleRef.get).not.toHaveBeenCalled();
    for (const id of ['meta-paused', 'wait', 'id', '', 'a b', 'x'.repeat(300)]) {
      await expect(service.remove('maintenance', id)).rejects.toMatchObject({
        code: 'job_not_found',
      });
    }
    expect(getJob).not.toHaveBeenCalled();
  });

  it("treats one of bull's non-hash keys (WRONGTYPE) as an unknown job", async () => {
    const { service } = serviceWith({
      getJob: () =>
        Promise.reject(
          new Error('WRONGTYPE Operation against a key holding the wrong kind of value'),
        ),
    });
    const failure = await service.retry('mail', '7:lock').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AppError);
    expect(failure).toMatchObject({ code: 'job_not_found' });
  });

  it('refuses to retry a job that has not failed, and records the attempt', async () => {
    const job = { id: '9', name: 'purge', timestamp: Date.now(), getState: async () => 'waiting' };
    const { service, record } = serviceWith({ getJob: async () => job as never });
    await expect(service.retry('maintenance', '9')).rejects.toMatchObject({
      code: 'job_not_failed',
      status: 409,
    });
    expect(record).toHaveBeenCalledWith({
      action: 'admin.job_retried',
      outcome: 'failure',
      targetType: 'job',
      targetId: 'maintenance:9',
      metadata: {
        queue: 'maintenance',
        jobId: '9',
        jobName: 'purge',
        previousState: 'waiting',
        reason: 'job_not_failed',
      },
    });
  });

  it('reports a job that became active while being removed as 409 job_active', async () => {
    const states = ['waiting', 'active'];
    const job = {
      id: '3',
      name: 'ingest',
      timestamp: Date.now(),
      getState: async () => states.shift() ?? 'active',
      remove: () => Promise.reject(new Error('Could not remove job 3')),
    };
    const { service } = serviceWith({ getJob: async () => job as never });
    await expect(service.remove('ingestion', '3')).rejects.toMatchObject({ code: 'job_active' });
  });
});
