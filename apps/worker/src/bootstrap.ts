import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { applyHttpBasics, createFastifyAdapter } from '@docent/common';
import type { DocentConfig } from '@docent/config';
import { WorkerModule } from './worker.module';

export interface CreateWorkerOptions {
  config: DocentConfig;
  imports?: DynamicModule['imports'];
  logStream?: NodeJS.WritableStream;
}

/** Builds the worker as production runs it; its HTTP server only has health and metrics. */
export async function createWorkerApp(
  options: CreateWorkerOptions,
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    WorkerModule.forRoot({
      config: options.config,
      imports: options.imports,
      logStream: options.logStream,
    }),
    createFastifyAdapter(options.config.app),
    { bufferLogs: true, abortOnError: false },
  );
  app.useLogger(app.get(Logger));
  applyHttpBasics(app);
  return app;
}
