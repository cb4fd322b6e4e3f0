import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { DomainEventBus } from './events/domain-events';
import { ProblemDetailsFilter } from './errors/problem-details.filter';
import { createValidationPipe } from './errors/validation.pipe';
import { BodyMediaTypeInterceptor } from './http/body-media-type.interceptor';
import { RequestContext } from './request-context';

/**
 * Global HTTP plumbing registered as APP_* providers, so a testing module built from an app's
 * root module behaves exactly like production: problem details, validation, body media types,
 * request context (entered by the first hook of `applyHttpBasics`).
 */
@Global()
@Module({
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
