import { getQueueToken } from '@nestjs/bull';
import { Injectable, Logger, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Bull, { type Job, type Queue } from 'bull';
import request from 'supertest';
import { createWorkerApp } from '../apps/worker/src/bootstrap';
import { shutdownGracefully } from '@docent/health';
import { MaintenanceTasks, QUEUES } from '@docent/queue';
import { testConfig } from './support/config';
import { waitFor } from './support/http';

/** What the probe processor saw, in order. */
const events: string[] = [];
const releases = new Map<string, () => void>();

/** A job that runs until released (or for `ms`), standing in for a real ingestion job. */
@Injectable()
class ProbeProcessor {
  constructor(tasks: MaintenanceTasks) {
    tasks.register('probe', (job) =>
      this.handle(job as unknown as Job<{ ms: number; name: string }>),
    );
  }

  async handle(job: Job<{ ms: number; name: string }>): Promise<{ done: string }> {
    events.push(`start:${job.data.name}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, job.data.ms);
      releases.set(job.data.name, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    events.push(`end:${job.data.name}`);
    return { done: job.data.name };
  }
}

@Module({ providers: [ProbeProcessor] })
class ProbeWorkerModule {}

async function startWorker(overrides: Record<string, string> = {}) {
  const config = testConfig(overrides);
  const app = await createWorkerApp({ config, imports: [ProbeWorkerModule] });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const queue = app.get<Queue>(getQueueToken(QUEUES.maintenance));
  // an independent observer, like another process looking at the same Redis
  const observer = new Bull(QUEUES.maintenance, config.redis.url, {
    prefix: `${config.redis.keyPrefix}bull`,
  });
  return { app, queue, observer, http: request(app.getHttpServer()) };
}

const silentLogger = new Logger('test');

describe('worker (real Redis, PostgreSQL and bull)', () => {
  describe('health and metrics', () => {
    let app: NestFastifyApplication;
    let observer: Queue;
    let http: ReturnType<typeof request>;

    beforeAll(async () => {
      ({ app, observer, http } = await startWorker());
    });

    afterAll(async () => {
      await observer?.close();
      await app?.close();
    });

    it('serves only health and metrics, with redis and queue in readiness', async () => {
      const res = await http.get('/health/ready').expect(200);
      expect(res.body.details.redis.status).toBe('up');
      // per-queue details are for operators (logs, GET /api/v1/admin/health), not the public probe
      expect(res.body.details.queue).toEqual({ status: 'up' });
      expect(res.body.details.database.status).toBe('up');
      await http.get('/health/live').expect(200);
      const missing = await http.get('/api/v1/anything');
      expect(missing.status).toBe(404);
      expect(missing.headers['content-type']).toMatch(/problem\+json/);
      await http.get('/docs').expect(404);
    });

    it('exposes Prometheus metrics with the HTTP histogram and process metrics', async () => {
      await http.get('/health/live');
      const res = await http.get('/metrics').expect(200);
      const line = res.text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('http_request_duration_seconds_count') &&
            l.includes('route="/health/live"'),
        );
      expect(line).toContain('app="worker"');
      expect(line).toContain('status_code="200"');
      expect(res.text).toContain('process_resident_memory_bytes');
    });

    it('processes jobs from its queues', async () => {
      const job = await observer.add('probe', { ms: 10, name: 'quick' });
      await waitFor(
        async () => (await (await observer.getJob(job.id))?.getState()) === 'completed',
        5000,
      );
      expect(events).toContain('end:quick');
    });
  });

  it('on SIGTERM takes no new job, lets the active one finish, then closes', async () => {
    const { app, observer, http } = await startWorker();
    const job = await observer.add('probe', { ms: 1500, name: 'inflight' });
    await waitFor(async () => events.includes('start:inflight'), 5000);

    const stopping = shutdownGracefully(app, 'SIGTERM', {
      graceMs: 0,
      timeoutMs: 10_000,
      logger: silentLogger,
    });
    // while draining the instance reports itself not ready
    const ready = await http.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.code).toBe('shutting_down');
    // a job queued after SIGTERM is left for other workers
    const later = await observer.add('probe', { ms: 10, name: 'after-sigterm' });

    await expect(stopping).resolves.toBe(0);
    expect(events).toContain('end:inflight');
    expect(events).not.toContain('start:after-sigterm');
    expect(await (await observer.getJob(job.id))!.getState()).toBe('completed');
    expect(await (await observer.getJob(later.id))!.getState()).toBe('waiting');
    await observer.close();
  });

  it('bounds the wait: a job outlasting SHUTDOWN_TIMEOUT does not hold the shutdown', async () => {
    const { app, observer } = await startWorker({ SHUTDOWN_TIMEOUT: '1s' });
    const job = await observer.add('probe', { ms: 60_000, name: 'slow' });
    await waitFor(async () => events.includes('start:slow'), 5000);

    const started = Date.now();
    await expect(
      shutdownGracefully(app, 'SIGTERM', { graceMs: 0, timeoutMs: 1000, logger: silentLogger }),
    ).resolves.toBe(0);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(events).not.toContain('end:slow');
    // not completed: its lock lapses and bull's stalled-job check hands it to another worker
    expect(await (await observer.getJob(job.id))!.getState()).toBe('active');
    releases.get('slow')?.();
    await observer.close();
  });
});
