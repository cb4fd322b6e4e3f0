'use strict';
/**
 * What every bare baseline does around its route the way Docent does it, so that a ratio measures
 * the framework and our own overhead only (issue 14, "make every baseline do the same work"):
 * CORS with the api's options (@fastify/cors, what Nest's enableCors registers), the security
 * headers and request id header on every answer, the latency histogram
 * (prom-client, same buckets and labels), one request log line per request at info (pino, same
 * fields, to the same destination; probes are not logged), and the throttler's own Redis
 * script (the api's RedisThrottlerStorage, EVALSHA) per authenticated request.
 */
const { randomUUID } = require('node:crypto');
const path = require('node:path');
const Fastify = require('fastify');
const pino = require('pino');
const { Histogram, Registry } = require('prom-client');

const QUIET = new Set(['/health/live', '/health/ready', '/metrics']);

/** The built pieces of Docent the baselines reuse (the same code, not copies). */
function builtPieces() {
  const dist = (file) => path.resolve(__dirname, '../dist/apps/api', file);
  return {
    RedisThrottlerStorage: require(dist('libs/auth/src/throttle/redis-throttler-storage.js'))
      .RedisThrottlerStorage,
    securityHeaders: require(dist('libs/common/src/http/security-headers.js')).securityHeaders,
  };
}

/**
 * A Fastify instance with the hooks above, and `throttle(bucket, userId)` doing the default
 * throttler's Redis operation (limit never reached). `redis` is an ioredis client with the
 * api's key prefix; `logStream` where the lines go; `corsOrigins` the api's CORS_ORIGINS.
 */
function bareServer({ redis, logStream, corsOrigins }) {
  const { RedisThrottlerStorage, securityHeaders } = builtPieces();
  const logger = pino(
    {
      level: 'info',
      base: { app: 'bare' },
      messageKey: 'msg',
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
    },
    logStream,
  );
  const histogram = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [new Registry()],
  });
  const throttler = new RedisThrottlerStorage(redis);
  const security = securityHeaders();
  const app = Fastify({ logger: false, genReqId: () => randomUUID() });
  // the options of createApiApp's enableCors
  app.register(require('@fastify/cors'), {
    origin: corsOrigins,
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'Content-Disposition'],
    maxAge: 600,
  });
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(security).header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const statusCode = reply.statusCode;
    histogram.observe(
      { method: request.method, route: request.routeOptions.url, status_code: String(statusCode) },
      reply.elapsedTime / 1e3,
    );
    if (!QUIET.has(request.routeOptions.url)) {
      logger.info(
        {
          requestId: request.id,
          req: {
            id: request.id,
            method: request.method,
            url: request.url,
            remoteAddress: request.socket.remoteAddress,
          },
          res: { statusCode },
          responseTime: Math.round(reply.elapsedTime),
        },
        'request completed',
      );
    }
    done();
  });
  const throttle = async (bucket, userId) => {
    const limit = await throttler.increment(
      `${bucket}-user:${userId}`,
      60_000,
      1_000_000,
      60_000,
      'default',
    );
    return !limit.isBlocked;
  };
  return { app, throttle };
}

module.exports = { bareServer, builtPieces };
