// first: refuses an unsupported Node.js with one line, before anything else loads
import '@docent/common/node-version';
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { Logger } from 'nestjs-pino';
import { ConfigValidationError, loadConfig } from '@docent/config';
import { handleShutdownSignals } from '@docent/health';
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
