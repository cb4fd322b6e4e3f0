import { type INestApplication, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { AppError } from '../errors/app-error';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../errors/problem-details';
import { redactUrl } from '../logging/redact-url';
import { runInRequest } from '../request-context';
import { nameServerSpan } from '../tracing';
import { uuidv7 } from '../uuid';
import { BodyMediaTypeGuard } from './body-media-type.guard';
import { parseJsonBody } from './json-body';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id';
import { requestPath } from './request-path';
import { securityHeaders } from './security-headers';

/**
 * Which `X-Forwarded-For` hops to believe: none (`false`), the last N hops (the proxies in front
 * of the app), or only hops from these addresses/CIDRs. Never "all": see TRUST_PROXY.
 */
export type TrustProxySetting = false | number | readonly string[];

export interface HttpSettings {
  bodyLimitBytes: number;
  trustProxy: TrustProxySetting;
}

/**
 * Longest path parameter the router accepts (decoded); longer ones answer 414. Ids are 36
 * characters; the admin queue routes take bull job ids of up to 256.
 */
export const MAX_PARAM_LENGTH = 320;

const logger = new Logger('Http');

/** Sends `error` as problem details with the headers every answer carries. */
function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
  security: Record<string, string>,
): FastifyReply {
  const { problem, headers } = toProblem(error, {
    instance: requestPath(request.url),
    requestId: String(request.id),
  });
  return reply
    .status(problem.status)
    .headers(security)
    .headers(headers)
    .header(REQUEST_ID_HEADER, request.id)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problem);
}

/**
 * The router's own refusals, which Fastify answers before any hook runs (so without our headers
 * unless handled here): a bad percent-encoding in the path, a path parameter over
 * MAX_PARAM_LENGTH, a failing route constraint.
 */
function frameworkError(
  security: Record<string, string>,
): (error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    let problem: AppError;
    if (error.code === 'FST_ERR_BAD_URL') {
      problem = new AppError(
        'bad_request',
        'bad_url',
        'The request path is not a valid URL (malformed percent-encoding).',
      );
    } else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
      problem = new AppError(
        'uri_too_long',
        'uri_too_long',
        `A path segment is longer than ${MAX_PARAM_LENGTH} characters.`,
      );
    } else {
      problem = new AppError('internal', 'internal_error', 'The request could not be routed.', {
        cause: error,
      });
    }
    // no hook runs for these requests, so pino-http does not see them either
    logger.warn(
      {
        req: { id: request.id, method: request.method, url: redactUrl(request.url) },
        res: { statusCode: problem.status },
        code: problem.code,
      },
      'request refused by the router',
    );
    void sendProblem(request, reply, problem, security);
  };
}

/**
 * Errors Node's HTTP parser raises before a request exists (malformed request line, headers over
 * the size limit, headers too slow): answered as problem details on the raw socket, with a fresh
 * request id, then the connection is closed (Node's own behaviour for these).
 */
function clientErrorHandler(
  security: Record<string, string>,
): (error: Error & { code?: string }, socket: Socket) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    let problem: AppError;
    if (error.code === 'HPE_HEADER_OVERFLOW') {
      problem = new AppError(
        'headers_too_large',
        'headers_too_large',
        'The request headers are larger than the server accepts.',
      );
    } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      problem = new AppError(
        'request_timeout',
        'request_timeout',
        'The request was not received in time.',
      );
    } else {
      problem = new AppError('bad_request', 'malformed_request', 'The request is not valid HTTP.');
    }
    const requestId = uuidv7();
    const { problem: body } = toProblem(problem, { instance: '', requestId });
    const payload = JSON.stringify(body);
    const head = [
      `HTTP/1.1 ${body.status} ${STATUS_CODES[body.status] ?? 'Error'}`,
      ...Object.entries(security).map(([name, value]) => `${name}: ${value}`),
      `${REQUEST_ID_HEADER}: ${requestId}`,
      `content-type: ${PROBLEM_CONTENT_TYPE}`,
      `content-length: ${Buffer.byteLength(payload)}`,
      'connection: close',
    ];
    if (socket.writable) socket.write(`${head.join('\r\n')}\r\n\r\n${payload}`);
    socket.destroy(error);
  };
}

/**
 * `TRUST_PROXY` in Fastify's terms. A hop count becomes "the nearest `hops` addresses are
 * proxies" (proxy-addr calls the function with each address's distance from the socket, 0 being
 * the socket peer): Fastify 5.12 turns a bare number into "trust nothing", because a hop count
 * cannot check who the nearest peer is. That is the documented trade-off of a hop count (the app
 * must be reachable only through its proxies); an address list checks the peer.
 */
function fastifyTrustProxy(
  trustProxy: HttpSettings['trustProxy'],
): false | string[] | ((address: string, hop: number) => boolean) {
  if (trustProxy === false) return false;
  if (typeof trustProxy === 'number') {
    const hops = trustProxy;
    return (_address, hop) => hop < hops;
  }
  return [...trustProxy];
}

/** The Fastify adapter both apps use: request ids from `X-Request-Id`, body limit, proxy trust. */
export function createFastifyAdapter(settings: HttpSettings): FastifyAdapter {
  const security = securityHeaders();
  const { trustProxy } = settings;
  return new FastifyAdapter({
    bodyLimit: settings.bodyLimitBytes,
    trustProxy: fastifyTrustProxy(trustProxy),
    genReqId: requestIdFor,
    // pino (nestjs-pino) does the request logging
    logger: false,
    // no Nest middleware anywhere (the request context, request log and CORS are Fastify hooks):
    // without middie, no per-request middleware engine; a middleware added later fails at start
    skipMiddie: true,
    // applyHttpBasics answers requests that arrive while closing, as problem details
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: frameworkError(security),
    clientErrorHandler: clientErrorHandler(security),
  });
}

/**
 * Refuses a body whose content type has no parser here: JSON endpoints take `application/json`
 * only (the upload adds `multipart/form-data` through @fastify/multipart).
 */
function unsupportedMediaType(): AppError {
  return new AppError(
    'unsupported_media_type',
    'unsupported_media_type',
    'Send the request body as application/json.',
  );
}

/**
 * Hooks and parsers every Docent HTTP server needs, whatever app it is: security headers and the
 * request id on every response (errors too), the request's async context, problem details while
 * closing, the body media-type guard, and the only body parsers: strict JSON (depth-capped,
 * prototype-safe) and nothing else. Call before `init()`.
 */
export function applyHttpBasics(app: NestFastifyApplication | INestApplication): void {
  const fastifyApp = app as NestFastifyApplication;
  // after every APP_GUARD (those are in place once the app is created): see BodyMediaTypeGuard
  fastifyApp.useGlobalGuards(new BodyMediaTypeGuard(app.get(Reflector)));
  const instance = fastifyApp.getHttpAdapter().getInstance();
  const security = securityHeaders();
  let closing = false;
  instance.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  // the first hook of every request: headers, then the rest of the request runs inside its
  // async context (the caller, for audit entries and log lines; the request's ORM context)
  instance.addHook('onRequest', (request, reply, done) => {
    void reply.headers(security).header(REQUEST_ID_HEADER, request.id);
    nameServerSpan(request.method, request.routeOptions.url, request.url);
    if (!closing) {
      const agent = request.headers['user-agent'];
      runInRequest(
        {
          requestId: String(request.id),
          ip: request.ip ?? null,
          userAgent: typeof agent === 'string' ? agent.slice(0, 512) : null,
          actorId: null,
        },
        done,
      );
      return;
    }
    void sendProblem(
      request,
      reply.header('connection', 'close'),
      new AppError('unavailable', 'shutting_down', 'This instance is shutting down.', {
        retryAfterSeconds: 1,
      }),
      security,
    );
  });

  // Fastify's defaults also parse text/plain, Nest's add x-www-form-urlencoded: both would feed
  // JSON endpoints with bodies no client of ours sends
  instance.removeAllContentTypeParsers();
  fastifyApp.useBodyParser(
    'application/json',
    { bodyLimit: instance.initialConfig.bodyLimit },
    (_request, body, done) => {
      let parsed: unknown;
      try {
        parsed = parseJsonBody(body);
      } catch (error) {
        done(error as Error, undefined);
        return;
      }
      done(null, parsed);
    },
  );
  instance.addContentTypeParser('*', (_request, _payload, done) => {
    done(unsupportedMediaType(), undefined);
  });
}
