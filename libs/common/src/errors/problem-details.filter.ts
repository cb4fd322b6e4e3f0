import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requestPath } from '../http/request-path';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem-details';

/**
 * Global filter: every HTTP error, ours or the framework's (unknown route, bad JSON, body too
 * large), leaves as RFC 9457 problem details with the request id.
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
    if (reply.sent) return;
    void reply.status(problem.status).headers(headers).type(PROBLEM_CONTENT_TYPE).send(problem);
  }
}
