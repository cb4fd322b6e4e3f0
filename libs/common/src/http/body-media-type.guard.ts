import type { CanActivate, ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { DECORATORS } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
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
 * a JSON endpoint, JSON sent to the upload).
 *
 * The last guard (`applyHttpBasics` adds it with `useGlobalGuards`, which comes after every
 * APP_GUARD): an anonymous caller learns nothing about a route's contract before authentication
 * (401 first), nor a limited or forbidden one (429, 403 first). A guard rather than an
 * interceptor: a global interceptor wraps every request of every route in an Observable chain
 * for a check that only bodies need. What a handler accepts is read once per handler.
 */
export class BodyMediaTypeGuard implements CanActivate {
  private readonly accepted = new WeakMap<object, readonly string[]>();

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!hasBody(request)) return true;
    const accepted = this.acceptedBy(context);
    const sent = mediaTypeOf(request.headers['content-type']);
    if (sent !== undefined && accepted.includes(sent)) return true;
    const multipartOnly = accepted.length === 1 && accepted[0] === 'multipart/form-data';
    throw new AppError(
      'unsupported_media_type',
      multipartOnly ? 'multipart_required' : 'unsupported_media_type',
      multipartOnly
        ? 'Upload files as multipart/form-data.'
        : `Send the request body as ${accepted.join(' or ')}.`,
    );
  }

  private acceptedBy(context: ExecutionContext): readonly string[] {
    const handler = context.getHandler();
    let accepted = this.accepted.get(handler);
    if (!accepted) {
      accepted = this.reflector.getAllAndOverride<string[] | undefined>(DECORATORS.API_CONSUMES, [
        handler,
        context.getClass(),
      ]) ?? [JSON_MEDIA_TYPE];
      this.accepted.set(handler, accepted);
    }
    return accepted;
  }
}
