import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DECORATORS } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { AppError } from '../errors/app-error';

export const JSON_MEDIA_TYPE = 'application/json';

/** Methods whose bodies Fastify never parses: a content type there describes nothing. */
const BODILESS = new Set(['GET', 'HEAD']);

/** `type/subtype` of a Content-Type header, lower-cased, without parameters. */
export function mediaTypeOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const end = header.indexOf(';');
  const type = (end === -1 ? header : header.slice(0, end)).trim().toLowerCase();
  return type.length > 0 ? type : undefined;
}

function hasBody(request: FastifyRequest): boolean {
  if (BODILESS.has(request.method)) return false;
  const length = request.headers['content-length'];
  return (
    request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
  );
}

/**
 * A body is accepted only in a media type the route documents: `@ApiConsumes(...)` (what
 * docs/openapi.json shows), `application/json` when it says nothing. The parsers already refuse
 * types nobody accepts; this refuses the ones some other route accepts (a multipart body sent to
 * a JSON endpoint, JSON sent to the upload). An interceptor, so it runs after every guard: an
 * anonymous caller learns nothing about a route's contract before authentication (401 first).
 */
@Injectable()
export class BodyMediaTypeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') this.check(context);
    return next.handle();
  }

  private check(context: ExecutionContext): void {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!hasBody(request)) return;
    const sent = mediaTypeOf(request.headers['content-type']);
    const accepted = this.reflector.getAllAndOverride<string[] | undefined>(
      DECORATORS.API_CONSUMES,
      [context.getHandler(), context.getClass()],
    ) ?? [JSON_MEDIA_TYPE];
    if (sent !== undefined && accepted.includes(sent)) return;
    const multipartOnly = accepted.length === 1 && accepted[0] === 'multipart/form-data';
    throw new AppError(
      'unsupported_media_type',
      multipartOnly ? 'multipart_required' : 'unsupported_media_type',
      multipartOnly
        ? 'Upload files as multipart/form-data.'
        : `Send the request body as ${accepted.join(' or ')}.`,
    );
  }
}
