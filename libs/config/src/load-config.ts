import { readFileSync } from 'node:fs';
import type { DocentConfig, LogLevel, NodeEnv, SslMode, TlsOptions } from './config.types';
import {
  EnvError,
  looksLikePlaceholder,
  parseBoolean,
  parseDuration,
  parseEnum,
  parseInteger,
  parseKeyring,
  parseList,
  parseOrigin,
  parseRateLimit,
  parseRedisUrl,
  parseTrustProxy,
  parseUrl,
} from './env-parsers';
import { productionProblems } from './production-checks';

export type Env = Record<string, string | undefined>;

/** Thrown when the environment is invalid; `problems` holds one line per variable. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

/** Safe local defaults, the same ones `.env.example` documents. */
export const DEFAULTS = {
  NODE_ENV: 'development',
  HOST: '0.0.0.0',
  PORT: '3000',
  WORKER_HTTP_PORT: '3001',
  LOG_LEVEL: 'info',
  LOG_PRETTY: 'false',
  CORS_ORIGINS: 'http://localhost:3000,http://localhost:5173',
  PUBLIC_APP_URL: 'http://localhost:3000',
  BODY_LIMIT_BYTES: '1048576',
  TRUST_PROXY: 'false',
  SHUTDOWN_GRACE_PERIOD: '5s',
  SHUTDOWN_TIMEOUT: '30s',
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/docent',
  DATABASE_SSL_MODE: 'disable',
  DATABASE_POOL_MAX: '10',
  DATABASE_CONNECT_TIMEOUT: '5s',
  REDIS_URL: 'redis://127.0.0.1:6379',
  REDIS_KEY_PREFIX: 'docent:',
  REDIS_TLS_REJECT_UNAUTHORIZED: 'true',
  REDIS_COMMAND_TIMEOUT: '1s',
  SMTP_URL: 'smtp://127.0.0.1:1025',
  MAIL_FROM: 'Docent <no-reply@docent.local>',
  JWT_ACCESS_TTL: '15m',
  JWT_REFRESH_TTL: '30d',
  SESSION_IDLE_TTL: '7d',
  JWT_REFRESH_REUSE_GRACE: '10s',
  JWT_ISSUER: 'docent',
  JWT_AUDIENCE: 'docent-api',
  ARGON2_MEMORY_KIB: '19456',
  ARGON2_ITERATIONS: '2',
  ARGON2_PARALLELISM: '1',
  LOGIN_LOCKOUT_THRESHOLD: '5',
  LOGIN_LOCKOUT_BASE: '1m',
  LOGIN_LOCKOUT_MAX: '1h',
  PASSWORD_RESET_TTL: '30m',
  RATE_LIMIT: '300/1m',
  RATE_LIMIT_AUTH: '10/1m',
  RATE_LIMIT_UPLOAD: '30/1m',
  RATE_LIMIT_CHAT: '20/1m',
  PASSWORD_MIN_LENGTH: '15',
  STORAGE_DIR: './var/storage',
  UPLOAD_MAX_BYTES: String(50 * 1024 * 1024),
  UPLOAD_MAX_FILES: '20',
  STORAGE_QUOTA_BYTES: String(1024 * 1024 * 1024),
  INGESTION_CONCURRENCY: '2',
  INGESTION_LOCK_DURATION: '30s',
  INGESTION_MAX_PAGES: '2000',
  INGESTION_MAX_CHARS: '30000000',
  EXTRACTION_MAX_RSS_MB: '1024',
  CHAT_SESSION_TTL: '30d',
  CHAT_MAX_MESSAGES: '500',
  CHAT_RETRIEVAL_LIMIT: '6',
  LLM_PROVIDER: 'extractive',
  LLM_TIMEOUT: '60s',
  LLM_MAX_RETRIES: '2',
  NOTIFICATION_RETENTION: '90d',
  SOCKET_MAX_MESSAGE_BYTES: '16384',
} as const;

const MIN_JWT_SECRET_BYTES = 32;

/**
 * Reads and validates every variable at once. Unknown problems are never silently defaulted:
 * a bad value is reported with the variable's name and what was expected.
 */
export function loadConfig(env: Env): DocentConfig {
  const problems: string[] = [];
  const raw = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value;
  };
  const read = <T>(name: string, parse: (value: string) => T, fallback?: string): T => {
    const value = raw(name) ?? fallback;
    if (value === undefined) {
      problems.push(`${name} is required`);
      return undefined as T;
    }
    try {
      return parse(value);
    } catch (error) {
      if (!(error instanceof EnvError)) throw error;
      problems.push(`${name} ${error.message}`);
      return undefined as T;
    }
  };
  const optional = <T>(name: string, parse: (value: string) => T): T | undefined =>
    raw(name) === undefined ? undefined : read(name, parse);
  const readFile = (path: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      throw new EnvError(`names a file that cannot be read (${path})`);
    }
  };
  const def = (name: keyof typeof DEFAULTS) => DEFAULTS[name];

  const nodeEnv = read<NodeEnv>(
    'NODE_ENV',
    (v) => parseEnum(v, ['development', 'test', 'production'] as const),
    def('NODE_ENV'),
  );
  const production = nodeEnv === 'production';
  const secret = (name: string, value: string | undefined): void => {
    if (production && value !== undefined && looksLikePlaceholder(value)) {
      problems.push(`${name} holds a placeholder value; set a real secret in production`);
    }
  };

  const appRoleName = optional('DATABASE_APP_ROLE', (v) => {
    // a plain identifier: it is quoted anyway, but an odd name is a typo, not a wish
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(v)) {
      throw new EnvError('must be a lower-case PostgreSQL role name (letters, digits, "_")');
    }
    return v;
  });
  const appRolePassword = optional('DATABASE_APP_PASSWORD', (v) => v);
  if (appRolePassword !== undefined && appRoleName === undefined) {
    problems.push('DATABASE_APP_PASSWORD is set but DATABASE_APP_ROLE is not');
  }
  secret('DATABASE_APP_PASSWORD', appRolePassword);
  const databaseAppRole =
    appRoleName === undefined ? undefined : { name: appRoleName, password: appRolePassword };

  const redisUrl = read('REDIS_URL', parseRedisUrl, def('REDIS_URL'));
  const redisTls: TlsOptions | undefined =
    redisUrl?.tls === true
      ? {
          ca: optional('REDIS_TLS_CA', readFile),
          rejectUnauthorized: read(
            'REDIS_TLS_REJECT_UNAUTHORIZED',
            parseBoolean,
            def('REDIS_TLS_REJECT_UNAUTHORIZED'),
          ),
        }
      : undefined;

  const jwtAccessSecret = read(
    'JWT_ACCESS_SECRET',
    (v) => {
      if (Buffer.byteLength(v, 'utf8') < MIN_JWT_SECRET_BYTES) {
        throw new EnvError(
          `must be at least ${MIN_JWT_SECRET_BYTES} bytes (256 bits) of random data; generate one with: openssl rand -base64 48`,
        );
      }
      return v;
    },
    production ? undefined : 'dev-only-insecure-jwt-secret-change-me-0123456789abcdef',
  );
  secret('JWT_ACCESS_SECRET', jwtAccessSecret);

  const adminEmail = optional('ADMIN_EMAIL', (v) => {
    if (!/^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/.test(v.trim()))
      throw new EnvError('must be an e-mail address');
    return v.trim().toLowerCase();
  });
  const adminPassword = optional('ADMIN_PASSWORD', (v) => v);
  secret('ADMIN_PASSWORD', adminPassword);
  if ((adminEmail === undefined) !== (adminPassword === undefined)) {
    problems.push('ADMIN_EMAIL and ADMIN_PASSWORD must be set together (or neither)');
  }

  const encryptionKeysRaw = raw('DATA_ENCRYPTION_KEYS');
  const encryptionKeys = read(
    'DATA_ENCRYPTION_KEYS',
    parseKeyring,
    production ? undefined : 'dev:ZGV2LW9ubHktaW5zZWN1cmUta2V5LWNoYW5nZS1tZSE=',
  );
  secret('DATA_ENCRYPTION_KEYS', encryptionKeysRaw);
  if (production && encryptionKeys) {
    for (const [id, key] of encryptionKeys) {
      if (looksLikePlaceholder(key.toString('latin1'))) {
        problems.push(
          `DATA_ENCRYPTION_KEYS key "${id}" is a placeholder; generate one with: openssl rand -base64 32`,
        );
      }
    }
  }
  // without a valid keyring the active key cannot be checked; the keyring problem is reported
  const activeKeyId = encryptionKeys
    ? read('DATA_ENCRYPTION_ACTIVE_KEY', (v) => v.trim(), [...encryptionKeys.keys()][0])
    : (optional('DATA_ENCRYPTION_ACTIVE_KEY', (v) => v.trim()) as string);
  if (encryptionKeys && activeKeyId && !encryptionKeys.has(activeKeyId)) {
    problems.push(`DATA_ENCRYPTION_ACTIVE_KEY "${activeKeyId}" is not one of DATA_ENCRYPTION_KEYS`);
  }

  const llmProvider = read(
    'LLM_PROVIDER',
    (v) => parseEnum(v, ['extractive', 'openai'] as const),
    def('LLM_PROVIDER'),
  );
  const llmBaseUrl = optional('LLM_BASE_URL', (v) => parseUrl(v, ['http', 'https']).toString());
  const llmApiKey = optional('LLM_API_KEY', (v) => v);
  const llmModel = optional('LLM_MODEL', (v) => v.trim());
  if (llmProvider === 'openai') {
    if (!llmBaseUrl) problems.push('LLM_BASE_URL is required when LLM_PROVIDER=openai');
    if (!llmModel) problems.push('LLM_MODEL is required when LLM_PROVIDER=openai');
  }

  const config: DocentConfig = {
    app: {
      nodeEnv,
      host: read('HOST', (v) => v.trim(), def('HOST')),
      port: read('PORT', (v) => parseInteger(v, 0, 65535), def('PORT')),
      workerHttpPort: read(
        'WORKER_HTTP_PORT',
        (v) => parseInteger(v, 0, 65535),
        def('WORKER_HTTP_PORT'),
      ),
      logLevel: read<LogLevel>(
        'LOG_LEVEL',
        (v) =>
          parseEnum(v, ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
        def('LOG_LEVEL'),
      ),
      logPretty: read('LOG_PRETTY', parseBoolean, def('LOG_PRETTY')),
      corsOrigins: read('CORS_ORIGINS', (v) => parseList(v).map(parseOrigin), def('CORS_ORIGINS')),
      publicAppUrl: read(
        'PUBLIC_APP_URL',
        (v) => parseUrl(v, ['http', 'https']).toString().replace(/\/$/, ''),
        def('PUBLIC_APP_URL'),
      ),
      bodyLimitBytes: read(
        'BODY_LIMIT_BYTES',
        (v) => parseInteger(v, 1024, 100 * 1024 * 1024),
        def('BODY_LIMIT_BYTES'),
      ),
      trustProxy: read('TRUST_PROXY', parseTrustProxy, def('TRUST_PROXY')),
      shutdownGraceMs: read('SHUTDOWN_GRACE_PERIOD', parseDuration, def('SHUTDOWN_GRACE_PERIOD')),
      shutdownTimeoutMs: read('SHUTDOWN_TIMEOUT', parseDuration, def('SHUTDOWN_TIMEOUT')),
      rateLimit: read('RATE_LIMIT', parseRateLimit, def('RATE_LIMIT')),
      authRateLimit: read('RATE_LIMIT_AUTH', parseRateLimit, def('RATE_LIMIT_AUTH')),
      uploadRateLimit: read('RATE_LIMIT_UPLOAD', parseRateLimit, def('RATE_LIMIT_UPLOAD')),
      chatRateLimit: read('RATE_LIMIT_CHAT', parseRateLimit, def('RATE_LIMIT_CHAT')),
    },
    database: {
      url: read(
        'DATABASE_URL',
        (v) => {
          const url = parseUrl(v, ['postgres', 'postgresql']);
          if (!url.port) url.port = '5432';
          return url.toString();
        },
        def('DATABASE_URL'),
      ),
      sslMode: read<SslMode>(
        'DATABASE_SSL_MODE',
        (v) => parseEnum(v, ['disable', 'require', 'verify-full'] as const),
        def('DATABASE_SSL_MODE'),
      ),
      sslCa: optional('DATABASE_SSL_CA', readFile),
      poolMax: read('DATABASE_POOL_MAX', (v) => parseInteger(v, 1, 200), def('DATABASE_POOL_MAX')),
      connectTimeoutMs: read(
        'DATABASE_CONNECT_TIMEOUT',
        parseDuration,
        def('DATABASE_CONNECT_TIMEOUT'),
      ),
      appRole: databaseAppRole,
    },
    redis: {
      url: redisUrl?.url,
      cluster: redisUrl?.cluster,
      keyPrefix: read(
        'REDIS_KEY_PREFIX',
        (v) => {
          if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(v)) {
            throw new EnvError('must be 1-64 characters of letters, digits, ":", "_", "." or "-"');
          }
          return v;
        },
        def('REDIS_KEY_PREFIX'),
      ),
      tls: redisTls,
      commandTimeoutMs: read(
        'REDIS_COMMAND_TIMEOUT',
        (v) => {
          const ms = parseDuration(v);
          if (ms < 100 || ms > 60_000) throw new EnvError('must be between 100ms and 60s');
          return ms;
        },
        def('REDIS_COMMAND_TIMEOUT'),
      ),
    },
    mail: {
      smtpUrl: read('SMTP_URL', (v) => parseUrl(v, ['smtp', 'smtps']).toString(), def('SMTP_URL')),
      from: read('MAIL_FROM', (v) => v.trim(), def('MAIL_FROM')),
    },
    auth: {
      jwtAccessSecret,
      jwtAccessTtlMs: read('JWT_ACCESS_TTL', parseDuration, def('JWT_ACCESS_TTL')),
      jwtRefreshTtlMs: read('JWT_REFRESH_TTL', parseDuration, def('JWT_REFRESH_TTL')),
      sessionIdleTtlMs: read('SESSION_IDLE_TTL', parseDuration, def('SESSION_IDLE_TTL')),
      refreshReuseGraceMs: read(
        'JWT_REFRESH_REUSE_GRACE',
        (v) => {
          const ms = parseDuration(v);
          if (ms > 60_000) throw new EnvError('must be at most 60s (0 turns the grace off)');
          return ms;
        },
        def('JWT_REFRESH_REUSE_GRACE'),
      ),
      jwtIssuer: read('JWT_ISSUER', (v) => v.trim(), def('JWT_ISSUER')),
      jwtAudience: read('JWT_AUDIENCE', (v) => v.trim(), def('JWT_AUDIENCE')),
      argon2: {
        // OWASP's floor (m=19456 KiB, t=2, p=1) is the minimum we accept
        memoryKib: read(
          'ARGON2_MEMORY_KIB',
          (v) => parseInteger(v, 19456, 4 * 1024 * 1024),
          def('ARGON2_MEMORY_KIB'),
        ),
        iterations: read(
          'ARGON2_ITERATIONS',
          (v) => parseInteger(v, 2, 100),
          def('ARGON2_ITERATIONS'),
        ),
        parallelism: read(
          'ARGON2_PARALLELISM',
          (v) => parseInteger(v, 1, 16),
          def('ARGON2_PARALLELISM'),
        ),
      },
      lockoutThreshold: read(
        'LOGIN_LOCKOUT_THRESHOLD',
        (v) => parseInteger(v, 1, 1000),
        def('LOGIN_LOCKOUT_THRESHOLD'),
      ),
      lockoutBaseMs: read('LOGIN_LOCKOUT_BASE', parseDuration, def('LOGIN_LOCKOUT_BASE')),
      lockoutMaxMs: read('LOGIN_LOCKOUT_MAX', parseDuration, def('LOGIN_LOCKOUT_MAX')),
      passwordResetTtlMs: read('PASSWORD_RESET_TTL', parseDuration, def('PASSWORD_RESET_TTL')),
      passwordMinLength: read(
        'PASSWORD_MIN_LENGTH',
        (v) => parseInteger(v, 8, 128),
        def('PASSWORD_MIN_LENGTH'),
      ),
      adminEmail,
      adminPassword,
    },
    storage: {
      dir: read('STORAGE_DIR', (v) => v.trim(), def('STORAGE_DIR')),
      encryptionKeys,
      activeKeyId,
    },
    documents: {
      uploadMaxBytes: read(
        'UPLOAD_MAX_BYTES',
        (v) => parseInteger(v, 1, 10 * 1024 * 1024 * 1024),
        def('UPLOAD_MAX_BYTES'),
      ),
      uploadMaxFiles: read(
        'UPLOAD_MAX_FILES',
        (v) => parseInteger(v, 1, 1000),
        def('UPLOAD_MAX_FILES'),
      ),
      storageQuotaBytes: read(
        'STORAGE_QUOTA_BYTES',
        (v) => parseInteger(v, 0, Number.MAX_SAFE_INTEGER),
        def('STORAGE_QUOTA_BYTES'),
      ),
      ingestionConcurrency: read(
        'INGESTION_CONCURRENCY',
        (v) => parseInteger(v, 1, 64),
        def('INGESTION_CONCURRENCY'),
      ),
      ingestionLockDurationMs: read(
        'INGESTION_LOCK_DURATION',
        parseDuration,
        def('INGESTION_LOCK_DURATION'),
      ),
      maxPages: read(
        'INGESTION_MAX_PAGES',
        (v) => parseInteger(v, 1, 100_000),
        def('INGESTION_MAX_PAGES'),
      ),
      maxChars: read(
        'INGESTION_MAX_CHARS',
        (v) => parseInteger(v, 1, 500_000_000),
        def('INGESTION_MAX_CHARS'),
      ),
      extractionMaxRssMb: read(
        'EXTRACTION_MAX_RSS_MB',
        (v) => parseInteger(v, 128, 1_048_576),
        def('EXTRACTION_MAX_RSS_MB'),
      ),
    },
    chat: {
      sessionTtlMs: read('CHAT_SESSION_TTL', parseDuration, def('CHAT_SESSION_TTL')),
      maxMessages: read(
        'CHAT_MAX_MESSAGES',
        (v) => parseInteger(v, 2, 100_000),
        def('CHAT_MAX_MESSAGES'),
      ),
      retrievalLimit: read(
        'CHAT_RETRIEVAL_LIMIT',
        (v) => parseInteger(v, 1, 50),
        def('CHAT_RETRIEVAL_LIMIT'),
      ),
    },
    llm: {
      provider: llmProvider,
      baseUrl: llmBaseUrl,
      apiKey: llmApiKey,
      model: llmModel,
      timeoutMs: read('LLM_TIMEOUT', parseDuration, def('LLM_TIMEOUT')),
      maxRetries: read('LLM_MAX_RETRIES', (v) => parseInteger(v, 0, 10), def('LLM_MAX_RETRIES')),
    },
    notifications: {
      retentionMs: read('NOTIFICATION_RETENTION', parseDuration, def('NOTIFICATION_RETENTION')),
      socketMaxMessageBytes: read(
        'SOCKET_MAX_MESSAGE_BYTES',
        (v) => parseInteger(v, 1024, 1024 * 1024),
        def('SOCKET_MAX_MESSAGE_BYTES'),
      ),
    },
  };

  if (
    config.documents.ingestionLockDurationMs !== undefined &&
    config.documents.ingestionLockDurationMs < 1000
  ) {
    problems.push('INGESTION_LOCK_DURATION must be at least 1s');
  }
  if (config.app.shutdownTimeoutMs !== undefined && config.app.shutdownTimeoutMs < 1000) {
    problems.push('SHUTDOWN_TIMEOUT must be at least 1s');
  }
  const { auth } = config;
  if (
    auth.lockoutMaxMs !== undefined &&
    auth.lockoutBaseMs !== undefined &&
    auth.lockoutMaxMs < auth.lockoutBaseMs
  ) {
    problems.push('LOGIN_LOCKOUT_MAX must not be shorter than LOGIN_LOCKOUT_BASE');
  }
  if (auth.jwtAccessTtlMs !== undefined && auth.jwtAccessTtlMs < 1000) {
    problems.push('JWT_ACCESS_TTL must be at least 1s');
  }
  if (production) {
    problems.push(
      ...productionProblems({
        corsOrigins: config.app.corsOrigins,
        llmBaseUrl: config.llm.baseUrl,
        llmApiKey: config.llm.apiKey,
        jwtAccessSecret: config.auth.jwtAccessSecret,
      }),
    );
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return config;
}
