import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { ClsModule } from 'nestjs-cls';
import { ProblemDetailsFilter } from './errors/problem-details.filter';
import { createValidationPipe } from './errors/validation.pipe';
import { requestIdFor } from './http/request-id';

/**
 * Global HTTP plumbing registered as APP_* providers, so a testing module built from an app's
 * root module behaves exactly like production: problem details, validation, request context.
 */
@Global()
@Module({
  imports: [
    ClsModule.forRoot({
      global: true,
      middleware: {
        mount: true,
        generateId: true,
        // Fastify already chose the id (see createFastifyAdapter); middie copies it to the raw request
        idGenerator: (req: IncomingMessage & { id?: string }) => req.id ?? requestIdFor(req),
      },
    }),
  ],
  providers: [
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    { provide: APP_PIPE, useFactory: createValidationPipe },
  ],
})
export class CommonModule {}
