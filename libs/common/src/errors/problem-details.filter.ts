import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requestPath } from '../http/request-path';
import { currentRequest } from '../request-context';
import { reportRequestError } from './error-reporter';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem-details';

/**
 * Global filter: every HTTP error, ours or the framework's (unknown route, bad JSON, body too
 * large), leaves as RFC 9457 problem details with the request id. A 5xx other than 503 (an
 * outage of a dependency, or shutting down: metrics and alerts cover those, and an outage would
 * flood the tracker) also goes to the error tracker, when there is one.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { problem, headers, unexpected } = toProblem(exception, {
      instance: requestPath(request.url),
      requestId: String(request.id),
    });
    if (unexpected) {
      this.logger.error({ err: exception, requestId: request.id }, 'Unhandled error');
    }
    if (problem.status >= 500 && problem.status !== 503) {
      reportRequestError({
        error: exception,
        status: problem.status,
        requestId: String(request.id),
        method: request.method,
        route: request.routeOptions?.url,
        userId: currentRequest()?.actorId ?? undefined,
      });
    }
    if (reply.sent) return;
    void reply.status(problem.status).headers(headers).type(PROBLEM_CONTENT_TYPE).send(problem);
  }
}
