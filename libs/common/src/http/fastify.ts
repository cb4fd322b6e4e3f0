import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet from '@fastify/helmet';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id';

export interface HttpSettings {
  bodyLimitBytes: number;
  trustProxy: boolean;
}

/** The Fastify adapter both apps use: request ids from `X-Request-Id`, body limit, proxy trust. */
export function createFastifyAdapter(settings: HttpSettings): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: settings.bodyLimitBytes,
    trustProxy: settings.trustProxy,
    genReqId: requestIdFor,
    // pino (nestjs-pino) does the request logging
    logger: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: false },
  });
}

/**
 * Hooks every Docent HTTP server needs, whatever app it is: security headers (on errors too)
 * and the request id echoed on every response.
 */
export async function applyHttpBasics(
  app: NestFastifyApplication | INestApplication,
): Promise<void> {
  const fastifyApp = app as NestFastifyApplication;
  const instance = fastifyApp.getHttpAdapter().getInstance();
  instance.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  await fastifyApp.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'validator.swagger.io'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
    crossOriginEmbedderPolicy: false,
  });
}
