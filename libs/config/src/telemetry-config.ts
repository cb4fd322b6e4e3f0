import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ErrorTrackingSettings,
  NodeEnv,
  TelemetrySettings,
  TracingSettings,
} from './config.types';
import { EnvError, parseEnum, parseUrl } from './env-parsers';
import { ConfigValidationError, type Env, EnvReader } from './env-reader';

/** `docent@<version of package.json>`, the default release of error events. */
function packageRelease(): string | undefined {
  // libs/config/src (sources, tests) or dist/apps/<app>/libs/config/src (built): the package.json
  // of the repository is the first one found upwards
  for (let dir = __dirname, depth = 0; depth < 8; dir = join(dir, '..'), depth++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'docent' && pkg.version) return `docent@${pkg.version}`;
    } catch {
      // not here: one folder up
    }
  }
  return undefined;
}

/** SENTRY_DSN: `http(s)://<public key>@<host>/<project id>`, as Sentry and GlitchTip show it. */
function parseDsn(raw: string): string {
  const url = parseUrl(raw, ['http', 'https']);
  if (!url.username || !/^\/(?:.*\/)?\d+$/.test(url.pathname)) {
    throw new EnvError('must be a DSN like https://<public key>@<host>/<project id>');
  }
  return url.toString();
}

function readErrorTracking(r: EnvReader, nodeEnv: NodeEnv): ErrorTrackingSettings | undefined {
  const dsn = r.optional('SENTRY_DSN', parseDsn);
  const environment = r.optional('SENTRY_ENVIRONMENT', (v) => {
    // Sentry's rule: no newline, no slash, at most 64 characters
    if (!/^[^\n\r/]{1,64}$/.test(v.trim())) throw new EnvError('must be 1-64 characters, no "/"');
    return v.trim();
  });
  const release = r.optional('SENTRY_RELEASE', (v) => {
    if (!/^[^\n\r/\\]{1,200}$/.test(v.trim()) || v.trim() === '.' || v.trim() === '..') {
      throw new EnvError('must be 1-200 characters, no "/" or "\\"');
    }
    return v.trim();
  });
  if (dsn === undefined) return undefined;
  return { dsn, environment: environment ?? nodeEnv, release: release ?? packageRelease() };
}

function readTracing(r: EnvReader): TracingSettings | undefined {
  const endpoint = r.optional('OTEL_EXPORTER_OTLP_ENDPOINT', (v) => {
    let url = parseUrl(v, ['http', 'https']).toString();
    while (url.endsWith('/')) url = url.slice(0, -1);
    return url;
  });
  const serviceName = r.optional('OTEL_SERVICE_NAME', (v) => {
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(v.trim())) {
      throw new EnvError('must be 1-100 characters of letters, digits, ".", "_" or "-"');
    }
    return v.trim();
  });
  // the exporter Docent ships sends OTLP as JSON over HTTP (every OTLP/HTTP receiver takes it)
  r.optional('OTEL_EXPORTER_OTLP_PROTOCOL', (v) => parseEnum(v, ['http/json'] as const));
  if (endpoint === undefined) return undefined;
  return {
    tracesUrl: `${endpoint}/v1/traces`,
    serviceName,
  };
}

/**
 * Error tracking (Sentry protocol, `SENTRY_*`) and tracing (OpenTelemetry, standard `OTEL_*`):
 * each off unless its endpoint is set.
 */
export function readTelemetry(r: EnvReader, nodeEnv: NodeEnv): TelemetrySettings {
  return { errorTracking: readErrorTracking(r, nodeEnv), tracing: readTracing(r) };
}

/**
 * The telemetry settings alone, for the first module of each app, which starts tracing before
 * anything else loads: throws ConfigValidationError like `loadConfig` (which reads them again).
 */
export function loadTelemetryConfig(env: Env): TelemetrySettings {
  const r = new EnvReader(env);
  const nodeEnv = r.read<NodeEnv>(
    'NODE_ENV',
    (v) => parseEnum(v, ['development', 'test', 'production'] as const),
    r.def('NODE_ENV'),
  );
  r.production = nodeEnv === 'production';
  const settings = readTelemetry(r, nodeEnv);
  if (r.problems.length > 0) throw new ConfigValidationError(r.problems);
  return settings;
}
