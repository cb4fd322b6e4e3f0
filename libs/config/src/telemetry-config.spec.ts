import { ConfigValidationError, loadConfig } from './load-config';
import { loadTelemetryConfig } from './telemetry-config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadTelemetryConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('telemetry settings', () => {
  it('are off unless their endpoints are set', () => {
    expect(loadConfig({}).telemetry).toEqual({ errorTracking: undefined, tracing: undefined });
    expect(loadTelemetryConfig({ SENTRY_ENVIRONMENT: 'x', OTEL_SERVICE_NAME: 'y' })).toEqual({
      errorTracking: undefined,
      tracing: undefined,
    });
  });

  it('track errors with the DSN, NODE_ENV as environment and the package version as release', () => {
    const { errorTracking } = loadTelemetryConfig({
      NODE_ENV: 'test',
      SENTRY_DSN: 'https://abc123@glitchtip.example.org/42',
    });
    expect(errorTracking).toEqual({
      dsn: 'https://abc123@glitchtip.example.org/42',
      environment: 'test',
      release: expect.stringMatching(/^docent@\d+\.\d+\.\d+/) as unknown,
    });
    expect(
      loadTelemetryConfig({
        SENTRY_DSN: 'http://key@127.0.0.1:9000/1',
        SENTRY_ENVIRONMENT: 'staging',
        SENTRY_RELEASE: 'docent@1.2.3+abc',
      }).errorTracking,
    ).toMatchObject({ environment: 'staging', release: 'docent@1.2.3+abc' });
  });

  it('trace to <endpoint>/v1/traces, the service name only when given', () => {
    expect(
      loadTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing,
    ).toEqual({ tracesUrl: 'http://collector:4318/v1/traces', serviceName: undefined });
    expect(
      loadTelemetryConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example.org/otlp',
        OTEL_SERVICE_NAME: 'docent-api-eu',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      }).tracing,
    ).toEqual({
      tracesUrl: 'https://otlp.example.org/otlp/v1/traces',
      serviceName: 'docent-api-eu',
    });
  });

  it('refuse what they cannot use, one line per variable', () => {
    expect(
      problemsOf({
        SENTRY_DSN: 'https://glitchtip.example.org/42',
        SENTRY_ENVIRONMENT: 'prod/eu',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317',
        OTEL_SERVICE_NAME: 'docent api',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      }),
    ).toEqual([
      'SENTRY_DSN must be a DSN like https://<public key>@<host>/<project id>',
      'SENTRY_ENVIRONMENT must be 1-64 characters, no "/"',
      'OTEL_EXPORTER_OTLP_ENDPOINT must use http:// or https://',
      'OTEL_SERVICE_NAME must be 1-100 characters of letters, digits, ".", "_" or "-"',
      expect.stringMatching(/^OTEL_EXPORTER_OTLP_PROTOCOL /) as unknown,
    ]);
  });
});
