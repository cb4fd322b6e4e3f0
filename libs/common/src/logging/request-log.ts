import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import type { Logger } from 'pino';
import { isQuietPath } from './pino-options';
import { redactUrl } from './redact-url';

const asIs = <T>(value: T): T => value;

type Level = 'info' | 'warn' | 'error';

/** The level of a request's line: 5xx error, 4xx warn, the rest info. */
export function requestLogLevel(statusCode: number): Level {
  return statusCode >= 500 ? 'error' : statusCode >= 400 ? 'warn' : 'info';
}

/**
 * One line per answered request (probes excepted), written from Fastify's `onResponse` hook:
 * request id, method, URL without unlisted query values, client address, status and duration.
 * It replaces pino-http's middleware, which built a child logger (and its redaction) for every
 * request whether or not anything was logged: here a request costs nothing when its level is
 * off, and the line is made of fields we build (no headers, no bodies), so it goes through a
 * child without the redaction walk.
 */
@Injectable()
export class RequestLog implements OnModuleInit {
  private root: Logger | undefined;
  private lines: Logger | undefined;

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.addHook('onResponse', (request, reply, done) => {
      const statusCode = reply.statusCode;
      const level = requestLogLevel(statusCode);
      const logger = this.logger();
      if (logger.isLevelEnabled(level) && !isQuietPath(request.originalUrl ?? request.url)) {
        logger[level](
          {
            req: {
              id: request.id,
              method: request.method,
              // the path, and the query with only allow-listed values (tokens travel in queries)
              url: redactUrl(request.originalUrl ?? request.url),
              remoteAddress: request.socket?.remoteAddress,
            },
            res: { statusCode },
            responseTime: Math.round(reply.elapsedTime),
          },
          statusCode >= 500 ? 'request errored' : 'request completed',
        );
      }
      done();
    });
  }

  /** The child of the application's root logger for request lines (made once per root). */
  private logger(): Logger {
    const root = PinoLogger.root as unknown as Logger;
    if (root !== this.root || !this.lines) {
      this.root = root;
      // the fields are ours and safe (no headers, no bodies, the URL redacted above): no
      // redaction walk, and the root's req/res serializers (made for raw objects) replaced
      this.lines = root.child({}, { redact: { paths: [] }, serializers: { req: asIs, res: asIs } });
    }
    return this.lines;
  }
}
