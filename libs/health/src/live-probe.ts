import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

export const LIVE_PROBE_PATH = '/health/live';

const started = Date.now();

interface LiveBody {
  status: 'ok';
  uptimeSeconds: number;
}

/** The liveness answer: the process is up; no dependency is checked. */
export function liveBody(): LiveBody {
  return { status: 'ok', uptimeSeconds: Math.round((Date.now() - started) / 1000) };
}

/**
 * `GET /health/live` as a plain Fastify route, outside Nest's router: orchestrators probe it every
 * few seconds on every instance, and it needs nothing of Nest (no guard, pipe, interceptor or
 * exception filter applies to it: it is public, never throttled, and cannot fail). Nest's router
 * cost about a third of its CPU per request (bench/PROFILES.md). The Fastify hooks every answer
 * gets still run: request id, security headers, CORS, the latency histogram.
 * The response schema lets Fastify serialise the body with a compiled serialiser.
 */
@Injectable()
export class LiveProbe implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.route({
      method: 'GET',
      url: LIVE_PROBE_PATH,
      schema: {
        response: {
          200: {
            type: 'object',
            properties: { status: { type: 'string' }, uptimeSeconds: { type: 'integer' } },
            required: ['status', 'uptimeSeconds'],
          },
        },
      },
      handler: (_request, reply) => reply.send(liveBody()),
    });
  }
}

/** Its OpenAPI entry (it is not a Nest route, so Swagger's scan of the controllers misses it). */
export const LIVE_PROBE_OPENAPI = {
  get: {
    operationId: 'HealthController_live',
    parameters: [],
    responses: {
      200: {
        description: '',
        content: {
          'application/json': { schema: { example: { status: 'ok', uptimeSeconds: 42 } } },
        },
      },
    },
    summary: 'The process is up (no dependency is checked)',
    tags: ['health'],
  },
};

/** Adds the probe to a generated OpenAPI document, in its place before `/health/ready`. */
export function withLiveProbe<T extends { paths: Record<string, unknown> }>(document: T): T {
  const paths: Record<string, unknown> = {};
  for (const [path, item] of Object.entries(document.paths)) {
    if (path === '/health/ready') paths[LIVE_PROBE_PATH] = LIVE_PROBE_OPENAPI;
    paths[path] = item;
  }
  if (!(LIVE_PROBE_PATH in paths)) paths[LIVE_PROBE_PATH] = LIVE_PROBE_OPENAPI;
  return { ...document, paths };
}
