import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Options } from 'pino-http';
import { requestPath } from '../http/request-path';
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

export interface LogSettings {
  level: string;
  pretty: boolean;
  app: string;
}

/** pino-http options shared by both apps: JSON lines, request id on every line, secrets redacted. */
export function buildPinoHttpOptions(settings: LogSettings): Options {
  return {
    level: settings.level,
    base: { app: settings.app },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    messageKey: 'msg',
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id: string }).id,
    customAttributeKeys: { reqId: 'requestId' },
    autoLogging: {
      // middie strips the mount path from req.url; originalUrl keeps the full path
      ignore: (req: IncomingMessage & { originalUrl?: string }) =>
        QUIET_PATHS.has(requestPath(req.originalUrl ?? req.url)),
    },
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) =>
      error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
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
