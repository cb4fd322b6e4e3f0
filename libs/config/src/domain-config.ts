import type {
  AuthSettings,
  ChatSettings,
  DocumentSettings,
  LlmSettings,
  NotificationSettings,
  OcrSettings,
} from './config.types';
import {
  EnvError,
  parseBoolean,
  parseDuration,
  parseEnum,
  parseInteger,
  parseUrl,
} from './env-parsers';
import type { EnvReader } from './env-reader';

/** The sections of Docent's own features: accounts, documents, chat, notifications. */

export function readAuth(
  r: EnvReader,
  credentials: Pick<AuthSettings, 'jwtAccessSecret' | 'adminEmail' | 'adminPassword'>,
): AuthSettings {
  const { jwtAccessSecret, adminEmail, adminPassword } = credentials;
  return {
    jwtAccessSecret,
    jwtAccessTtlMs: r.read('JWT_ACCESS_TTL', parseDuration, r.def('JWT_ACCESS_TTL')),
    jwtRefreshTtlMs: r.read('JWT_REFRESH_TTL', parseDuration, r.def('JWT_REFRESH_TTL')),
    sessionIdleTtlMs: r.read('SESSION_IDLE_TTL', parseDuration, r.def('SESSION_IDLE_TTL')),
    refreshReuseGraceMs: r.read(
      'JWT_REFRESH_REUSE_GRACE',
      (v) => {
        const ms = parseDuration(v);
        if (ms > 60_000) throw new EnvError('must be at most 60s (0 turns the grace off)');
        return ms;
      },
      r.def('JWT_REFRESH_REUSE_GRACE'),
    ),
    jwtIssuer: r.read('JWT_ISSUER', (v) => v.trim(), r.def('JWT_ISSUER')),
    jwtAudience: r.read('JWT_AUDIENCE', (v) => v.trim(), r.def('JWT_AUDIENCE')),
    argon2: {
      // OWASP's floor (m=19456 KiB, t=2, p=1) is the minimum we accept
      memoryKib: r.read(
        'ARGON2_MEMORY_KIB',
        (v) => parseInteger(v, 19456, 4 * 1024 * 1024),
        r.def('ARGON2_MEMORY_KIB'),
      ),
      iterations: r.read(
        'ARGON2_ITERATIONS',
        (v) => parseInteger(v, 2, 100),
        r.def('ARGON2_ITERATIONS'),
      ),
      parallelism: r.read(
        'ARGON2_PARALLELISM',
        (v) => parseInteger(v, 1, 16),
        r.def('ARGON2_PARALLELISM'),
      ),
    },
    lockoutThreshold: r.read(
      'LOGIN_LOCKOUT_THRESHOLD',
      (v) => parseInteger(v, 1, 1000),
      r.def('LOGIN_LOCKOUT_THRESHOLD'),
    ),
    lockoutBaseMs: r.read('LOGIN_LOCKOUT_BASE', parseDuration, r.def('LOGIN_LOCKOUT_BASE')),
    lockoutMaxMs: r.read('LOGIN_LOCKOUT_MAX', parseDuration, r.def('LOGIN_LOCKOUT_MAX')),
    passwordResetTtlMs: r.read('PASSWORD_RESET_TTL', parseDuration, r.def('PASSWORD_RESET_TTL')),
    passwordMinLength: r.read(
      'PASSWORD_MIN_LENGTH',
      (v) => parseInteger(v, 8, 128),
      r.def('PASSWORD_MIN_LENGTH'),
    ),
    adminEmail,
    adminPassword,
  };
}

export function readDocuments(r: EnvReader): DocumentSettings {
  return {
    uploadMaxBytes: r.read(
      'UPLOAD_MAX_BYTES',
      (v) => parseInteger(v, 1, 10 * 1024 * 1024 * 1024),
      r.def('UPLOAD_MAX_BYTES'),
    ),
    uploadMaxFiles: r.read(
      'UPLOAD_MAX_FILES',
      (v) => parseInteger(v, 1, 1000),
      r.def('UPLOAD_MAX_FILES'),
    ),
    storageQuotaBytes: r.read(
      'STORAGE_QUOTA_BYTES',
      (v) => parseInteger(v, 0, Number.MAX_SAFE_INTEGER),
      r.def('STORAGE_QUOTA_BYTES'),
    ),
    ingestionConcurrency: r.read(
      'INGESTION_CONCURRENCY',
      (v) => parseInteger(v, 1, 64),
      r.def('INGESTION_CONCURRENCY'),
    ),
    ingestionLockDurationMs: r.read(
      'INGESTION_LOCK_DURATION',
      parseDuration,
      r.def('INGESTION_LOCK_DURATION'),
    ),
    maxPages: r.read(
      'INGESTION_MAX_PAGES',
      (v) => parseInteger(v, 1, 100_000),
      r.def('INGESTION_MAX_PAGES'),
    ),
    maxChars: r.read(
      'INGESTION_MAX_CHARS',
      (v) => parseInteger(v, 1, 500_000_000),
      r.def('INGESTION_MAX_CHARS'),
    ),
    extractionMaxRssMb: r.read(
      'EXTRACTION_MAX_RSS_MB',
      (v) => parseInteger(v, 128, 1_048_576),
      r.def('EXTRACTION_MAX_RSS_MB'),
    ),
    ocr: readOcr(r),
    embeddings: r.read('EMBEDDINGS_ENABLED', parseBoolean, r.def('EMBEDDINGS_ENABLED')),
  };
}

/** Tesseract language names joined by `+` (`eng`, `eng+deu`, `chi_sim`): nothing else. */
const OCR_LANGUAGES = /^[a-z_]{3,20}(?:\+[a-z_]{3,20}){0,7}$/;

export function readOcr(r: EnvReader): OcrSettings {
  return {
    enabled: r.read(
      'OCR_ENABLED',
      (v) => {
        if (v.trim().toLowerCase() === 'auto') return 'auto';
        try {
          return parseBoolean(v);
        } catch {
          throw new EnvError(`must be auto, true or false (got "${v.trim().slice(0, 20)}")`);
        }
      },
      r.def('OCR_ENABLED'),
    ),
    languages: r.read(
      'OCR_LANGUAGES',
      (v) => {
        const value = v.trim();
        if (value.length > 100 || !OCR_LANGUAGES.test(value)) {
          throw new EnvError(
            `must be Tesseract language names (lower case letters and _, 3 to 20 each) joined by +, at most 8, e.g. eng or eng+deu (got "${value.slice(0, 100)}")`,
          );
        }
        return value;
      },
      r.def('OCR_LANGUAGES'),
    ),
    maxPages: r.read('OCR_MAX_PAGES', (v) => parseInteger(v, 1, 10_000), r.def('OCR_MAX_PAGES')),
    dpi: r.read('OCR_DPI', (v) => parseInteger(v, 72, 600), r.def('OCR_DPI')),
    pageTimeoutMs: r.read('OCR_PAGE_TIMEOUT', parseDuration, r.def('OCR_PAGE_TIMEOUT')),
    timeoutMs: r.read('OCR_TIMEOUT', parseDuration, r.def('OCR_TIMEOUT')),
  };
}

export function readChat(r: EnvReader): ChatSettings {
  return {
    sessionTtlMs: r.read('CHAT_SESSION_TTL', parseDuration, r.def('CHAT_SESSION_TTL')),
    maxMessages: r.read(
      'CHAT_MAX_MESSAGES',
      (v) => parseInteger(v, 2, 100_000),
      r.def('CHAT_MAX_MESSAGES'),
    ),
    retrievalLimit: r.read(
      'CHAT_RETRIEVAL_LIMIT',
      (v) => parseInteger(v, 1, 50),
      r.def('CHAT_RETRIEVAL_LIMIT'),
    ),
  };
}

export type LlmChoice = Pick<LlmSettings, 'provider' | 'baseUrl' | 'apiKey' | 'model'>;

/** Which model answers chat questions; read early so its missing settings are reported together. */
export function readLlmChoice(r: EnvReader): LlmChoice {
  const provider = r.read(
    'LLM_PROVIDER',
    (v) => parseEnum(v, ['extractive', 'openai'] as const),
    r.def('LLM_PROVIDER'),
  );
  const baseUrl = r.optional('LLM_BASE_URL', (v) => parseUrl(v, ['http', 'https']).toString());
  const apiKey = r.optional('LLM_API_KEY', (v) => v);
  const model = r.optional('LLM_MODEL', (v) => v.trim());
  if (provider === 'openai') {
    if (!baseUrl) r.problem('LLM_BASE_URL is required when LLM_PROVIDER=openai');
    if (!model) r.problem('LLM_MODEL is required when LLM_PROVIDER=openai');
  }
  return { provider, baseUrl, apiKey, model };
}

export function readLlm(r: EnvReader, choice: LlmChoice): LlmSettings {
  return {
    ...choice,
    timeoutMs: r.read('LLM_TIMEOUT', parseDuration, r.def('LLM_TIMEOUT')),
    maxRetries: r.read('LLM_MAX_RETRIES', (v) => parseInteger(v, 0, 10), r.def('LLM_MAX_RETRIES')),
  };
}

export function readNotifications(r: EnvReader): NotificationSettings {
  return {
    retentionMs: r.read('NOTIFICATION_RETENTION', parseDuration, r.def('NOTIFICATION_RETENTION')),
    socketMaxMessageBytes: r.read(
      'SOCKET_MAX_MESSAGE_BYTES',
      (v) => parseInteger(v, 1024, 1024 * 1024),
      r.def('SOCKET_MAX_MESSAGE_BYTES'),
    ),
  };
}
