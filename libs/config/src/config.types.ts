export type NodeEnv = 'development' | 'test' | 'production';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type SslMode = 'disable' | 'require' | 'verify-full';
export type LlmProvider = 'extractive' | 'openai';
/** Which proxy hops to trust: none, the last N, or hops from these addresses/CIDRs. */
export type TrustProxy = false | number | string[];

export interface TlsOptions {
  /** PEM contents of a CA bundle to trust, when configured. */
  ca?: string;
  rejectUnauthorized: boolean;
}

export interface AppSettings {
  nodeEnv: NodeEnv;
  host: string;
  port: number;
  workerHttpPort: number;
  logLevel: LogLevel;
  logPretty: boolean;
  corsOrigins: string[];
  publicAppUrl: string;
  bodyLimitBytes: number;
  /**
   * Which `X-Forwarded-For` hops decide the client address: none (`false`), the last N (the
   * proxies in front of the app), or hops from these addresses/CIDRs.
   */
  trustProxy: TrustProxy;
  /** How long a stopping process keeps answering (ready = 503) before it closes its listener. */
  shutdownGraceMs: number;
  /** Upper bound on waiting for in-flight work (requests, jobs) during shutdown. */
  shutdownTimeoutMs: number;
  /** General per-user (or per-IP) request limit. */
  rateLimit: RateLimit;
  /** Stricter per-IP limit on register, login, refresh and forgot/reset password. */
  authRateLimit: RateLimit;
  /** Stricter per-user limit on uploads (`POST /documents`). */
  uploadRateLimit: RateLimit;
  /** Stricter per-user limit on chat questions (`POST /chat/sessions/:id/messages`). */
  chatRateLimit: RateLimit;
  /** When set, `GET /metrics` (both apps) answers only `Authorization: Bearer <this>`. */
  metricsToken?: string;
}

export interface DatabaseSettings {
  url: string;
  sslMode: SslMode;
  sslCa?: string;
  poolMax: number;
  /** Statement timeout and connection acquire timeout. */
  connectTimeoutMs: number;
  /**
   * The least-privilege role the apps connect as (no DDL, the audit log append-only), created or
   * updated by `migration:up`, which itself runs as the owner role of `url`. Unset: no role is
   * managed (the apps then use whatever role their own DATABASE_URL names).
   */
  appRole?: { name: string; password?: string };
}

export interface RedisNode {
  host: string;
  port: number;
}

/** A Redis Cluster (REDIS_URL `redis+cluster://` or `rediss+cluster://`). */
export interface RedisClusterSettings {
  /** Seed nodes: the client discovers the rest (and every failover) from any of them. */
  nodes: RedisNode[];
  username?: string;
  password?: string;
}

export interface RedisSettings {
  /** REDIS_URL as given (a single node, or the cluster form). */
  url: string;
  keyPrefix: string;
  tls?: TlsOptions;
  /**
   * How long a command on a request path may wait for Redis (queued while reconnecting included)
   * before it fails, so a request answers 503 instead of hanging while Redis is down.
   */
  commandTimeoutMs: number;
  /** Set for the cluster form: every client is then an ioredis `Cluster`. */
  cluster?: RedisClusterSettings;
}

export interface MailSettings {
  smtpUrl: string;
  from: string;
}

export interface RateLimit {
  limit: number;
  ttlMs: number;
}

export interface Argon2Settings {
  /** KiB of memory per hash (OWASP: at least 19456). */
  memoryKib: number;
  iterations: number;
  parallelism: number;
}

export interface AuthSettings {
  jwtAccessSecret: string;
  jwtAccessTtlMs: number;
  /** Absolute lifetime of a session (refresh-token family). */
  jwtRefreshTtlMs: number;
  /** A session unused this long ends. */
  sessionIdleTtlMs: number;
  /**
   * A refresh token presented again this soon after its rotation gets the same new pair (two
   * tabs, a retry after a timeout) instead of counting as theft; 0 turns the grace off.
   */
  refreshReuseGraceMs: number;
  jwtIssuer: string;
  jwtAudience: string;
  passwordMinLength: number;
  argon2: Argon2Settings;
  /** Failed logins before an account locks; each further lock doubles, up to the max. */
  lockoutThreshold: number;
  lockoutBaseMs: number;
  lockoutMaxMs: number;
  passwordResetTtlMs: number;
  adminEmail?: string;
  adminPassword?: string;
}

export interface StorageSettings {
  dir: string;
  encryptionKeys: Map<string, Buffer>;
  activeKeyId: string;
}

export interface DocumentSettings {
  uploadMaxBytes: number;
  uploadMaxFiles: number;
  /** Most bytes one user's documents may hold in all (sum of their sizes); 0 means no limit. */
  storageQuotaBytes: number;
  ingestionConcurrency: number;
  /**
   * Bull lock of an ingestion job (renewed every half of it) and the stalled-job check interval:
   * a job whose worker died is handed to another worker within about twice this.
   */
  ingestionLockDurationMs: number;
  /** PDFs with more pages fail with `limit_exceeded`. */
  maxPages: number;
  /** Documents with more extracted characters fail with `limit_exceeded`. */
  maxChars: number;
  /**
   * Resident memory (MB) an extraction process may reach; above it the process is killed and the
   * document fails with `limit_exceeded`.
   */
  extractionMaxRssMb: number;
  /** OCR of PDF pages without a text layer (worker only). */
  ocr: OcrSettings;
  /**
   * Sentence embeddings (the bundled encoder): the worker embeds every chunk, and search and chat
   * rank by meaning beside BM25. Off: ranking by words alone, and no encoder is loaded.
   */
  embeddings: boolean;
}

/**
 * OCR of scanned PDF pages with Tesseract (`tesseract`) after rendering them with poppler's
 * `pdftoppm`; the worker finds both on its PATH at start-up.
 */
export interface OcrSettings {
  /**
   * `auto` (default): on when both programs and the languages are installed, otherwise off with a
   * warning; `true`: the worker refuses to start without them; `false`: off.
   */
  enabled: 'auto' | boolean;
  /** Tesseract languages joined by `+`, e.g. `eng` or `eng+deu`. */
  languages: string;
  /** Pages of one document read with OCR, at most (later textless pages stay without text). */
  maxPages: number;
  /** Resolution pages are rendered at (lowered for very large pages, see the worker). */
  dpi: number;
  /** One page (render + recognise) taking longer is killed and left without text. */
  pageTimeoutMs: number;
  /** All OCR of one document; pages left when it is spent stay without text. */
  timeoutMs: number;
}

export interface ChatSettings {
  sessionTtlMs: number;
  maxMessages: number;
  /** Chunks retrieved per question and handed to the generator. */
  retrievalLimit: number;
}

export interface LlmSettings {
  provider: LlmProvider;
  baseUrl?: string;
  apiKey?: string;
  model?: string;
  /** Upper bound on one completion request (connect to last token). */
  timeoutMs: number;
  /** Retries on 429/5xx/network errors before the answer fails. */
  maxRetries: number;
}

export interface NotificationSettings {
  /** Notifications older than this are purged by the worker's maintenance job. */
  retentionMs: number;
  /** Largest socket.io message the gateway accepts (maxHttpBufferSize). */
  socketMaxMessageBytes: number;
}

/** Error tracking over the Sentry protocol (Sentry, GlitchTip): on when SENTRY_DSN is set. */
export interface ErrorTrackingSettings {
  dsn: string;
  /** SENTRY_ENVIRONMENT, by default NODE_ENV. */
  environment: string;
  /** SENTRY_RELEASE, by default `docent@<package.json version>`. */
  release?: string;
}

/** OpenTelemetry traces over OTLP/HTTP (JSON): on when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
export interface TracingSettings {
  /** `<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces` */
  tracesUrl: string;
  /** OTEL_SERVICE_NAME; unset, each app names itself (`docent-api`, `docent-worker`). */
  serviceName?: string;
}

export interface TelemetrySettings {
  errorTracking?: ErrorTrackingSettings;
  tracing?: TracingSettings;
}

/** Every setting Docent reads, grouped by the library that owns it. */
export interface DocentConfig {
  app: AppSettings;
  database: DatabaseSettings;
  redis: RedisSettings;
  mail: MailSettings;
  auth: AuthSettings;
  storage: StorageSettings;
  documents: DocumentSettings;
  chat: ChatSettings;
  llm: LlmSettings;
  notifications: NotificationSettings;
  telemetry: TelemetrySettings;
}
