import { getQueueToken } from '@nestjs/bull';
import {
  Controller,
  Get,
  Header,
  Headers,
  Inject,
  Injectable,
  type OnModuleInit,
  VERSION_NEUTRAL,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Queue } from 'bull';
import type { FastifyInstance } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { ApiProblemResponses, AppError, Public } from '@docent/common';
import type { AppSettings } from '@docent/config';
import { QUEUE_NAMES } from '@docent/queue';
import { withTimeout } from './timeout';

export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/** One registry per app instance (several can share a process in tests). */
export function createRegistry(app: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Records `http_request_duration_seconds` by method, route template and status for every response. */
@Injectable()
export class HttpMetrics implements OnModuleInit {
  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const histogram = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    // Fastify times every request itself (reply.elapsedTime, from the request's arrival)
    fastify.addHook('onResponse', (request, reply, done) => {
      // the route template keeps cardinality bounded; unknown paths share one label
      const route = request.routeOptions?.url ?? 'unmatched';
      histogram.observe(
        { method: request.method, route, status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
      done();
    });
  }
}

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'paused'] as const;

/**
 * `queue_jobs{queue,state}` and `queue_oldest_waiting_seconds{queue}` (how long the oldest job
 * not yet taken has waited: a stuck or understaffed worker pool shows here before users notice),
 * read from Redis when scraped (skipped if Redis does not answer).
 */
@Injectable()
export class QueueMetrics implements OnModuleInit {
  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    const queues = QUEUE_NAMES.map((name) => ({
      name,
      queue: this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }),
    }));
    /** Reads each queue whose connection is ready; a queue that does not answer is skipped. */
    const eachReadyQueue = (read: (name: string, queue: Queue) => Promise<void>) =>
      Promise.all(
        queues.map(async ({ name, queue }) => {
          if (queue.client.status !== 'ready') return;
          try {
            await read(name, queue);
          } catch {
            // Redis is down: readiness reports it; the scrape still succeeds
          }
        }),
      );
    const bounded = <T>(name: string, work: Promise<T>) => withTimeout(work, 1000, `queue ${name}`);
    new Gauge({
      name: 'queue_oldest_waiting_seconds',
      help: 'Age of the oldest job waiting to be taken, per queue (0 when none waits)',
      labelNames: ['queue'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        await eachReadyQueue(async (name, queue) => {
          // the oldest of each waiting list (wait and paused): bull lists newest first
          const oldest = await bounded(name, queue.getWaiting(0, 0));
          const stamps = oldest.flatMap((job) => (job ? [job.timestamp] : []));
          const age = stamps.length ? (Date.now() - Math.min(...stamps)) / 1000 : 0;
          this.set({ queue: name }, Math.max(0, age));
        });
      },
    });
    new Gauge({
      name: 'queue_jobs',
      help: 'Jobs per queue and state',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        await eachReadyQueue(async (name, queue) => {
          const counts = await bounded(name, queue.getJobCounts());
          const paused = await bounded(name, queue.getPausedCount());
          const values: Record<string, number> = { ...counts, paused };
          for (const state of QUEUE_STATES) this.set({ queue: name, state }, values[state] ?? 0);
        });
      },
    });
  }
}

/** SHA-256 of a token, so the comparison takes the same time whatever was sent. */
const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Scraped by Prometheus: no user session and no rate limit. With METRICS_TOKEN set, only
 * `Authorization: Bearer <METRICS_TOKEN>` is answered (compared in constant time); anything else
 * is a 401 problem (`metrics_token_required`).
 */
@Public()
@SkipThrottle()
@ApiTags('health')
@Controller({ path: 'metrics', version: VERSION_NEUTRAL })
export class MetricsController {
  private readonly token?: Buffer;

  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    config: ConfigService,
  ) {
    const token = config.get<AppSettings>('app')?.metricsToken;
    this.token = token ? digest(token) : undefined;
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({
    summary: 'Prometheus metrics (text exposition format)',
    description: 'With METRICS_TOKEN set, send it as `Authorization: Bearer <token>`.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text format 0.0.4' })
  @ApiProblemResponses({ 401: 'METRICS_TOKEN is set and the request does not carry it' })
  async metrics(@Headers('authorization') authorization?: string): Promise<string> {
    if (this.token) {
      const sent = /^Bearer (\S{1,512})$/.exec(authorization ?? '')?.[1] ?? '';
      if (!timingSafeEqual(digest(sent), this.token)) {
        throw new AppError(
          'unauthenticated',
          'metrics_token_required',
          'Send the metrics token as a bearer token.',
        );
      }
    }
    return this.registry.metrics();
  }
}
