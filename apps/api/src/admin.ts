// first: refuses an unsupported Node.js with one line, before anything else loads
import '@docent/common/node-version';
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AuditModule } from '@docent/audit';
import { AdminBootstrap, AuthModule } from '@docent/auth';
import { CommonModule } from '@docent/common';
import {
  ConfigValidationError,
  type DocentConfig,
  DocentConfigModule,
  loadConfig,
} from '@docent/config';
import { DatabaseModule } from '@docent/database';
import { QueueModule } from '@docent/queue';
import { RedisModule } from '@docent/redis';
import { ENTITIES } from '@docent/schema';

const USAGE = `usage: npm run admin:create -- --email <address> [--name "Display Name"]
The password is read from ADMIN_PASSWORD, or from standard input when that is not set.`;

function cliModule(config: DocentConfig) {
  @Module({
    imports: [
      DocentConfigModule.forRoot({ config }),
      CommonModule,
      DatabaseModule.forRoot(ENTITIES),
      RedisModule.forRoot(),
      QueueModule,
      AuditModule,
      AuthModule,
    ],
  })
  class AdminCliModule {}
  return AdminCliModule;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** `npm run admin:create`: creates an administrator account (the password policy applies). */
async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { email: { type: 'string' }, name: { type: 'string' } },
  });
  if (positionals[0] !== 'create' || !values.email) {
    console.error(USAGE);
    process.exit(2);
  }
  const password = process.env.ADMIN_PASSWORD || (await readStdin());
  if (!password) {
    console.error('no password given (ADMIN_PASSWORD or standard input)');
    process.exit(2);
  }
  // the start-up admin variables are not this command's business (it takes its own e-mail)
  const config = loadConfig({ ...process.env, ADMIN_EMAIL: undefined, ADMIN_PASSWORD: undefined });
  const app = await NestFactory.createApplicationContext(cliModule(config), {
    logger: ['error', 'warn'],
  });
  try {
    const result = await app
      .get(AdminBootstrap)
      .ensureAdmin(values.email, password, values.name ?? 'Administrator', {
        onlyIfNoAdmin: false,
      });
    console.log(
      result === 'created'
        ? `administrator ${values.email} created`
        : `an account for ${values.email} already exists; nothing changed`,
    );
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  const message =
    error instanceof ConfigValidationError
      ? error.message
      : error instanceof Error && 'code' in error
        ? `${(error as { code: string }).code}: ${error.message}`
        : error;
  console.error(message);
  process.exit(1);
});
