import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id';
import { securityHeaders } from './security-headers';

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
export function applyHttpBasics(app: NestFastifyApplication | INestApplication): void {
  const fastifyApp = app as NestFastifyApplication;
  const instance = fastifyApp.getHttpAdapter().getInstance();
  const security = securityHeaders();
  instance.addHook('onRequest', (request, reply, done) => {
    void reply.headers(security).header(REQUEST_ID_HEADER, request.id);
    done();
  });
}
