import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { DomainEventBus } from './events/domain-events';
import { ProblemDetailsFilter } from './errors/problem-details.filter';
import { createValidationPipe } from './errors/validation.pipe';
import { RequestContext } from './request-context';

/**
 * Global HTTP plumbing registered as APP_* providers, so a testing module built from an app's
 * root module behaves exactly like production: problem details and validation. The request
 * context and the body media-type guard come with `applyHttpBasics`, which every app calls.
 */
@Global()
@Module({
  providers: [
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    { provide: APP_PIPE, useFactory: createValidationPipe },
    RequestContext,
    DomainEventBus,
  ],
  exports: [RequestContext, DomainEventBus],
})
export class CommonModule {}
