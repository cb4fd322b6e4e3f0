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
import { createApiApp } from './bootstrap';

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env);
  const app = await createApiApp({ config });
  handleShutdownSignals(app, {
    graceMs: config.app.shutdownGraceMs,
    timeoutMs: config.app.shutdownTimeoutMs,
    logger: app.get(Logger),
    // the error events and spans still held leave before the process does (bounded)
    flush: stopTelemetry,
  });
  await app.listen(config.app.port, config.app.host);
  app.get(Logger).log(`api listening on http://${config.app.host}:${config.app.port}`, 'Bootstrap');
}

main().catch((error: unknown) => {
  // configuration problems are the operator's to fix: say what is wrong, no stack trace
  console.error(error instanceof ConfigValidationError ? error.message : error);
  process.exit(1);
});
