// first: refuses an unsupported Node.js with one line, before anything else loads
import '@docent/common/node-version';
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { Logger } from 'nestjs-pino';
import { ConfigValidationError, loadConfig } from '@docent/config';
import { handleShutdownSignals } from '@docent/health';
import { createApiApp } from './bootstrap';

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env);
  const app = await createApiApp({ config });
  handleShutdownSignals(app, {
    graceMs: config.app.shutdownGraceMs,
    timeoutMs: config.app.shutdownTimeoutMs,
    logger: app.get(Logger),
  });
  await app.listen(config.app.port, config.app.host);
  app.get(Logger).log(`api listening on http://${config.app.host}:${config.app.port}`, 'Bootstrap');
}

main().catch((error: unknown) => {
  // configuration problems are the operator's to fix: say what is wrong, no stack trace
  console.error(error instanceof ConfigValidationError ? error.message : error);
  process.exit(1);
});
