import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { ClsModule } from 'nestjs-cls';
import { DomainEventBus } from './events/domain-events';
import { ProblemDetailsFilter } from './errors/problem-details.filter';
import { createValidationPipe } from './errors/validation.pipe';
import { BodyMediaTypeInterceptor } from './http/body-media-type.interceptor';
import { requestIdFor } from './http/request-id';
import { CLS_IP, CLS_USER_AGENT, RequestContext } from './request-context';

/**
 * Global HTTP plumbing registered as APP_* providers, so a testing module built from an app's
 * root module behaves exactly like production: problem details, validation, body media types,
 * request context.
 */
@Global()
@Module({
  imports: [
    ClsModule.forRoot({
      global: true,
      middleware: {
        mount: true,
        // we declare no proxy providers; resolving them costs a lookup on every request
        resolveProxyProviders: false,
        generateId: true,
        // Fastify already chose the id (see createFastifyAdapter); middie copies it to the raw request
        idGenerator: (req: IncomingMessage & { id?: string }) => req.id ?? requestIdFor(req),
        // who is calling, for audit entries and sessions (middie copies Fastify's ip to the raw request)
        setup: (cls, req: IncomingMessage & { ip?: string }) => {
          cls.set(CLS_IP, req.ip ?? req.socket?.remoteAddress ?? null);
          const agent = req.headers['user-agent'];
          cls.set(CLS_USER_AGENT, typeof agent === 'string' ? agent.slice(0, 512) : null);
        },
      },
    }),
  ],
  providers: [
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_INTERCEPTOR, useClass: BodyMediaTypeInterceptor },
    RequestContext,
    DomainEventBus,
  ],
  exports: [RequestContext, DomainEventBus],
})
export class CommonModule {}
