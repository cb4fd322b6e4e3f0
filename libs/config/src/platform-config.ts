import type {
  AppSettings,
  DatabaseSettings,
  LogLevel,
  MailSettings,
  NodeEnv,
  RedisSettings,
  SslMode,
  TlsOptions,
} from './config.types';
import {
  EnvError,
  parseBoolean,
  parseDuration,
  parseEnum,
  parseInteger,
  parseList,
  parseOrigin,
  parseRateLimit,
  parseRedisUrl,
  parseTrustProxy,
  parseUrl,
} from './env-parsers';
import type { EnvReader } from './env-reader';

/** The sections every process needs to run at all: HTTP, PostgreSQL, Redis, SMTP. */

export type RedisConnection = {
  // like every read value: undefined only when refused, and then loadConfig throws
  redisUrl: ReturnType<typeof parseRedisUrl>;
  redisTls: TlsOptions | undefined;
};

/** Where Redis is, read early: whether TLS options apply depends on the URL's scheme. */
export function readRedisConnection(r: EnvReader): RedisConnection {
  const redisUrl = r.read('REDIS_URL', parseRedisUrl, r.def('REDIS_URL'));
  const redisTls: TlsOptions | undefined =
    redisUrl?.tls === true
      ? {
          ca: r.optional('REDIS_TLS_CA', r.readFile),
          rejectUnauthorized: r.read(
            'REDIS_TLS_REJECT_UNAUTHORIZED',
            parseBoolean,
            r.def('REDIS_TLS_REJECT_UNAUTHORIZED'),
          ),
        }
      : undefined;
  return { redisUrl, redisTls };
}

export function readApp(r: EnvReader, nodeEnv: NodeEnv): AppSettings {
  return {
    nodeEnv,
    host: r.read('HOST', (v) => v.trim(), r.def('HOST')),
    port: r.read('PORT', (v) => parseInteger(v, 0, 65535), r.def('PORT')),
    workerHttpPort: r.read(
      'WORKER_HTTP_PORT',
      (v) => parseInteger(v, 0, 65535),
      r.def('WORKER_HTTP_PORT'),
    ),
    logLevel: r.read<LogLevel>(
      'LOG_LEVEL',
      (v) => parseEnum(v, ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
      r.def('LOG_LEVEL'),
    ),
    logPretty: r.read('LOG_PRETTY', parseBoolean, r.def('LOG_PRETTY')),
    corsOrigins: r.read(
      'CORS_ORIGINS',
      (v) => parseList(v).map(parseOrigin),
      r.def('CORS_ORIGINS'),
    ),
    publicAppUrl: r.read(
      'PUBLIC_APP_URL',
      (v) => parseUrl(v, ['http', 'https']).toString().replace(/\/$/, ''),
      r.def('PUBLIC_APP_URL'),
    ),
    bodyLimitBytes: r.read(
      'BODY_LIMIT_BYTES',
      (v) => parseInteger(v, 1024, 100 * 1024 * 1024),
      r.def('BODY_LIMIT_BYTES'),
    ),
    trustProxy: r.read('TRUST_PROXY', parseTrustProxy, r.def('TRUST_PROXY')),
    shutdownGraceMs: r.read('SHUTDOWN_GRACE_PERIOD', parseDuration, r.def('SHUTDOWN_GRACE_PERIOD')),
    shutdownTimeoutMs: r.read('SHUTDOWN_TIMEOUT', parseDuration, r.def('SHUTDOWN_TIMEOUT')),
    rateLimit: r.read('RATE_LIMIT', parseRateLimit, r.def('RATE_LIMIT')),
    authRateLimit: r.read('RATE_LIMIT_AUTH', parseRateLimit, r.def('RATE_LIMIT_AUTH')),
    uploadRateLimit: r.read('RATE_LIMIT_UPLOAD', parseRateLimit, r.def('RATE_LIMIT_UPLOAD')),
    chatRateLimit: r.read('RATE_LIMIT_CHAT', parseRateLimit, r.def('RATE_LIMIT_CHAT')),
    metricsToken: readMetricsToken(r),
  };
}

/** METRICS_TOKEN: optional; when set, at least 32 characters of a token alphabet. */
function readMetricsToken(r: EnvReader): string | undefined {
  const token = r.optional('METRICS_TOKEN', (v) => {
    if (v.length < 32 || v.length > 256 || !/^[A-Za-z0-9._~+/=-]+$/.test(v)) {
      throw new EnvError('must be 32 to 256 characters of A-Z a-z 0-9 . _ ~ + / = -');
    }
    return v;
  });
  r.secret('METRICS_TOKEN', token);
  return token;
}

export function readDatabase(r: EnvReader, appRole: DatabaseSettings['appRole']): DatabaseSettings {
  return {
    url: r.read(
      'DATABASE_URL',
      (v) => {
        const url = parseUrl(v, ['postgres', 'postgresql']);
        if (!url.port) url.port = '5432';
        return url.toString();
      },
      r.def('DATABASE_URL'),
    ),
    sslMode: r.read<SslMode>(
      'DATABASE_SSL_MODE',
      (v) => parseEnum(v, ['disable', 'require', 'verify-full'] as const),
      r.def('DATABASE_SSL_MODE'),
    ),
    sslCa: r.optional('DATABASE_SSL_CA', r.readFile),
    poolMax: r.read(
      'DATABASE_POOL_MAX',
      (v) => parseInteger(v, 1, 200),
      r.def('DATABASE_POOL_MAX'),
    ),
    connectTimeoutMs: r.read(
      'DATABASE_CONNECT_TIMEOUT',
      parseDuration,
      r.def('DATABASE_CONNECT_TIMEOUT'),
    ),
    appRole,
  };
}

export function readRedis(r: EnvReader, { redisUrl, redisTls }: RedisConnection): RedisSettings {
  return {
    url: redisUrl?.url,
    cluster: redisUrl?.cluster,
    keyPrefix: r.read(
      'REDIS_KEY_PREFIX',
      (v) => {
        if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(v)) {
          throw new EnvError('must be 1-64 characters of letters, digits, ":", "_", "." or "-"');
        }
        return v;
      },
      r.def('REDIS_KEY_PREFIX'),
    ),
    tls: redisTls,
    commandTimeoutMs: r.read(
      'REDIS_COMMAND_TIMEOUT',
      (v) => {
        const ms = parseDuration(v);
        if (ms < 100 || ms > 60_000) throw new EnvError('must be between 100ms and 60s');
        return ms;
      },
      r.def('REDIS_COMMAND_TIMEOUT'),
    ),
  };
}

export function readMail(r: EnvReader): MailSettings {
  return {
    smtpUrl: r.read(
      'SMTP_URL',
      (v) => parseUrl(v, ['smtp', 'smtps']).toString(),
      r.def('SMTP_URL'),
    ),
    from: r.read('MAIL_FROM', (v) => v.trim(), r.def('MAIL_FROM')),
  };
}
