// first: refuses an unsupported Node.js with one line, before anything else loads
import '@docent/common/node-version';
// second: error tracking and tracing (SENTRY_DSN, OTEL_EXPORTER_OTLP_ENDPOINT), before pg, ioredis
// and http load
import './instrument';
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { Logger } from 'nestjs-pino';
import { ConfigValidationError, loadConfig } from '@docent/config';
import { handleShutdownSignals } from '@docent/health';
import { stopTelemetry } from '@docent/telemetry/preload';
import { createWorkerApp } from './bootstrap';

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env);
  const app = await createWorkerApp({ config });
  handleShutdownSignals(app, {
    // the worker is not behind a load balancer: no grace period, just drain jobs
    graceMs: 0,
    timeoutMs: config.app.shutdownTimeoutMs,
    logger: app.get(Logger),
    // the error events and spans still held leave before the process does (bounded)
    flush: stopTelemetry,
  });
  await app.listen(config.app.workerHttpPort, config.app.host);
  app
    .get(Logger)
    .log(
      `worker health and metrics on http://${config.app.host}:${config.app.workerHttpPort}`,
      'Bootstrap',
    );
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigValidationError ? error.message : error);
  process.exit(1);
});
