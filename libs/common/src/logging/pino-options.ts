import type { Options } from 'pino-http';
import { requestPath } from '../http/request-path';
import { currentRequest } from '../request-context';
import { traceIds } from '../tracing';
import { redactUrl } from './redact-url';

/**
 * Paths pino replaces with "[redacted]" wherever they appear in a log line. Secrets arrive as
 * headers (tokens, cookies), in bodies and job payloads (passwords, tokens) and in configuration.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  ...[
    'password',
    'currentPassword',
    'newPassword',
    'token',
    'accessToken',
    'refreshToken',
    'secret',
    'apiKey',
    'authorization',
    'cookie',
  ].flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
];

const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

/** Probes are not request-logged: they would drown the log (and cost a line each). */
export function isQuietPath(url: string): boolean {
  return QUIET_PATHS.has(requestPath(url));
}

export interface LogSettings {
  level: string;
  pretty: boolean;
  app: string;
}

/**
 * The request id of the request in progress, on every line logged while it runs, and the ids of
 * the active trace and span when tracing is on (requests and jobs alike).
 */
export function logContextMixin(): object {
  const store = currentRequest();
  const ids = traceIds();
  return store ? { requestId: store.requestId, ...ids } : ids;
}

/**
 * The root logger's options, shared by both apps (nestjs-pino builds it through pino-http; its
 * per-request middleware is not mounted, see LoggingModule): JSON lines, the request id on every
 * line logged during a request, secrets redacted, request URLs without unlisted query values.
 */
export function buildPinoHttpOptions(settings: LogSettings): Options {
  return {
    level: settings.level,
    base: { app: settings.app },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    messageKey: 'msg',
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    mixin: logContextMixin,
    serializers: {
      req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        // the path, and the query with only allow-listed values (tokens travel in queries too)
        url: redactUrl(req.url),
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    transport: settings.pretty
      ? { target: 'pino-pretty', options: { singleLine: true } }
      : undefined,
  };
}
