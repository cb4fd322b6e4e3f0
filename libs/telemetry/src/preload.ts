import { type Env, loadTelemetryConfig } from '@docent/config';

/** The service name of each app's traces unless OTEL_SERVICE_NAME says otherwise. */
export const DEFAULT_SERVICE_NAMES = { api: 'docent-api', worker: 'docent-worker' } as const;

export type TelemetryApp = keyof typeof DEFAULT_SERVICE_NAMES;

type ErrorTracking = typeof import('./error-tracking');
type Tracing = typeof import('./tracing');

/** What was started (the SDKs are loaded only then: together they cost about a second). */
const started: { errorTracking?: ErrorTracking; tracing?: Tracing } = {};

/**
 * Error tracking and tracing for an app, from its environment. Called by the first module each
 * app imports (apps/<app>/src/instrument.ts), so that the instrumentations are in place before
 * pg, ioredis and http load. An invalid setting starts nothing here: loadConfig reports it right
 * after and the app refuses to start.
 */
export function startTelemetry(app: TelemetryApp, env: Env): void {
  let settings: ReturnType<typeof loadTelemetryConfig>;
  try {
    settings = loadTelemetryConfig(env);
  } catch {
    return;
  }
  // synchronous loads on purpose: the instrumentations must be registered before this returns
  if (settings.tracing) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    started.tracing = require('./tracing') as Tracing;
    started.tracing.startTracing(
      settings.tracing,
      settings.tracing.serviceName ?? DEFAULT_SERVICE_NAMES[app],
    );
  }
  if (settings.errorTracking) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    started.errorTracking = require('./error-tracking') as ErrorTracking;
    started.errorTracking.startErrorTracking(settings.errorTracking, app);
  }
}

/**
 * Sends the error events and exports the spans still held, each bounded (a dead tracker or
 * collector delays a stop by a few seconds at most); for the end of a graceful shutdown.
 */
export async function stopTelemetry(): Promise<void> {
  await Promise.all([started.errorTracking?.stopErrorTracking(), started.tracing?.stopTracing()]);
}
