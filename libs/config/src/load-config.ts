import type { DocentConfig, NodeEnv } from './config.types';
import {
  readDatabaseAppRole,
  readFirstAdmin,
  readJwtAccessSecret,
  readKeyring,
} from './credentials';
import {
  readAuth,
  readChat,
  readDocuments,
  readLlm,
  readLlmChoice,
  readNotifications,
} from './domain-config';
import { parseEnum } from './env-parsers';
import { ConfigValidationError, type Env, EnvReader } from './env-reader';
import { readApp, readDatabase, readMail, readRedis, readRedisConnection } from './platform-config';
import { productionProblems } from './production-checks';
import { readTelemetry } from './telemetry-config';

export { DEFAULTS } from './defaults';
export { ConfigValidationError, type Env } from './env-reader';
export { loadTelemetryConfig } from './telemetry-config';

/**
 * Reads and validates every variable at once. Unknown problems are never silently defaulted:
 * a bad value is reported with the variable's name and what was expected. The order of the reads
 * is the order the problems are listed in: credentials and choices that other settings depend on
 * first, then the sections.
 */
export function loadConfig(env: Env): DocentConfig {
  const r = new EnvReader(env);
  const nodeEnv = r.read<NodeEnv>(
    'NODE_ENV',
    (v) => parseEnum(v, ['development', 'test', 'production'] as const),
    r.def('NODE_ENV'),
  );
  r.production = nodeEnv === 'production';

  const appRole = readDatabaseAppRole(r);
  const redisConnection = readRedisConnection(r);
  const jwtAccessSecret = readJwtAccessSecret(r);
  const firstAdmin = readFirstAdmin(r);
  const keyring = readKeyring(r);
  const llmChoice = readLlmChoice(r);

  const config: DocentConfig = {
    app: readApp(r, nodeEnv),
    database: readDatabase(r, appRole),
    redis: readRedis(r, redisConnection),
    mail: readMail(r),
    auth: readAuth(r, { jwtAccessSecret, ...firstAdmin }),
    storage: {
      dir: r.read('STORAGE_DIR', (v) => v.trim(), r.def('STORAGE_DIR')),
      ...keyring,
    },
    documents: readDocuments(r),
    chat: readChat(r),
    llm: readLlm(r, llmChoice),
    notifications: readNotifications(r),
    telemetry: readTelemetry(r, nodeEnv),
  };

  if (
    config.documents.ingestionLockDurationMs !== undefined &&
    config.documents.ingestionLockDurationMs < 1000
  ) {
    r.problem('INGESTION_LOCK_DURATION must be at least 1s');
  }
  const { ocr } = config.documents;
  if (ocr.pageTimeoutMs !== undefined && ocr.pageTimeoutMs < 1000) {
    r.problem('OCR_PAGE_TIMEOUT must be at least 1s');
  }
  if (
    ocr.timeoutMs !== undefined &&
    ocr.pageTimeoutMs !== undefined &&
    ocr.timeoutMs < ocr.pageTimeoutMs
  ) {
    r.problem('OCR_TIMEOUT must not be shorter than OCR_PAGE_TIMEOUT');
  }
  if (config.app.shutdownTimeoutMs !== undefined && config.app.shutdownTimeoutMs < 1000) {
    r.problem('SHUTDOWN_TIMEOUT must be at least 1s');
  }
  const { auth } = config;
  if (
    auth.lockoutMaxMs !== undefined &&
    auth.lockoutBaseMs !== undefined &&
    auth.lockoutMaxMs < auth.lockoutBaseMs
  ) {
    r.problem('LOGIN_LOCKOUT_MAX must not be shorter than LOGIN_LOCKOUT_BASE');
  }
  if (auth.jwtAccessTtlMs !== undefined && auth.jwtAccessTtlMs < 1000) {
    r.problem('JWT_ACCESS_TTL must be at least 1s');
  }
  if (r.production) {
    r.problems.push(
      ...productionProblems({
        corsOrigins: config.app.corsOrigins,
        llmBaseUrl: config.llm.baseUrl,
        llmApiKey: config.llm.apiKey,
        jwtAccessSecret: config.auth.jwtAccessSecret,
      }),
    );
  }
  if (r.problems.length > 0) throw new ConfigValidationError(r.problems);
  return config;
}
