import fastifyCors from '@fastify/cors';
import { type DynamicModule, VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { applyHttpBasics, createFastifyAdapter } from '@docent/common';
import type { DocentConfig } from '@docent/config';
import { SOCKET_EVENT_MODELS } from '@docent/documents';
import { withLiveProbe } from '@docent/health';
import { RedisIoAdapter } from '@docent/notifications';
import { ApiModule } from './api.module';
import { serveWebClient } from './web-client';

export interface CreateApiOptions {
  config: DocentConfig;
  imports?: DynamicModule['imports'];
  logStream?: NodeJS.WritableStream;
}

/** Paths that stay outside `/api/v1`. */
export const UNPREFIXED_PATHS = ['health/live', 'health/ready', 'metrics'];

export function buildOpenApiConfig() {
  return new DocumentBuilder()
    .setTitle('Docent API')
    .setDescription(
      'Chat with your documents: uploads, background ingestion, grounded answers with citations. ' +
        'Errors are RFC 9457 problem details (`application/problem+json`).',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .build();
}

/**
 * The api's OpenAPI document: its routes, plus the socket event payloads no route returns (so the
 * web client's types of those are generated too).
 */
export function buildOpenApiDocument(app: NestFastifyApplication) {
  return withLiveProbe(
    SwaggerModule.createDocument(app, buildOpenApiConfig(), {
      extraModels: SOCKET_EVENT_MODELS,
    }),
  );
}

/** Builds the api exactly as production runs it (main.ts and the e2e tests both call this). */
export async function createApiApp(options: CreateApiOptions): Promise<NestFastifyApplication> {
  const { config } = options;
  const app = await NestFactory.create<NestFastifyApplication>(
    ApiModule.forRoot({ config, imports: options.imports, logStream: options.logStream }),
    createFastifyAdapter(config.app),
    { bufferLogs: true, abortOnError: false },
  );
  app.useLogger(app.get(Logger));
  // @fastify/cors on the instance itself, before the hooks of applyHttpBasics so that every
  // answer carries its headers (a 503 while closing too). Nest's enableCors wraps the same
  // plugin to copy its headers onto the raw response for Nest middleware, of which there is none
  await app.register(fastifyCors, {
    origin: config.app.corsOrigins,
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'Content-Disposition'],
    maxAge: 600,
  });
  applyHttpBasics(app);
  // socket.io (`/socket.io`, namespace /notifications) on the same HTTP server, rooms shared
  // across api instances through Redis
  app.useWebSocketAdapter(new RedisIoAdapter(app, config));
  // the web client (dist/web) at `/`, when it was built
  await serveWebClient(app);
  app.setGlobalPrefix('api', { exclude: UNPREFIXED_PATHS });
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    customSiteTitle: 'Docent API',
  });
  return app;
}
