import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { IS_PUBLIC, RequestContext } from '@docent/common';
import type { AuthUser } from '../auth.constants';
import { missingAccessToken } from '../auth.errors';
import { DocentThrottlerGuard } from '../throttle/throttle';
import { setThrottlePrefetch } from '../throttle/throttle-prefetch';
import { AccessTokenVerifier } from '../tokens/access-token.verifier';

const isSpace = (code: number): boolean =>
  code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0xa0 || code === 0xfeff;

/**
 * The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, the first two
 * words of the value), or null. One pass over the header, whatever it holds: the usual
 * `/(\S+)\s+(\S+)/` takes time quadratic in the length of a header with no space in it.
 */
export function bearerToken(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null;
  const length = header.length;
  let i = 0;
  while (i < length && isSpace(header.charCodeAt(i))) i += 1;
  const schemeStart = i;
  while (i < length && !isSpace(header.charCodeAt(i))) i += 1;
  const scheme = header.slice(schemeStart, i);
  while (i < length && isSpace(header.charCodeAt(i))) i += 1;
  const valueStart = i;
  while (i < length && !isSpace(header.charCodeAt(i))) i += 1;
  if (valueStart === i || scheme.toLowerCase() !== 'bearer') return null;
  return header.slice(valueStart, i);
}

/**
 * Global: every route needs a valid access token unless marked `@Public()`. The token is checked
 * by AccessTokenVerifier (signature, claims, then one Redis round trip for the caller's state, in
 * which the route's rate-limit hits are counted too: see throttle-prefetch.ts). Runs before the
 * throttler so limits can be per user.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  /** Whether each handler is `@Public()`: metadata, read once per handler. */
  private readonly publicHandlers = new WeakMap<object, boolean>();

  constructor(
    private readonly reflector: Reflector,
    private readonly context: RequestContext,
    private readonly throttler: DocentThrottlerGuard,
    private readonly verifier: AccessTokenVerifier,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // answered synchronously for public routes: no promise, no microtask
    if (this.isPublic(context)) return true;
    return this.authenticate(context);
  }

  private async authenticate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
    const token = bearerToken(request.headers.authorization);
    if (token === null) throw missingAccessToken();
    const prefetch = this.throttler.prefetch(context);
    if (prefetch) setThrottlePrefetch(request, prefetch);
    const { user } = await this.verifier.verify(token, (userId) =>
      prefetch ? prefetch.callsFor(`user:${userId}`) : [],
    );
    request.user = user;
    this.context.setActor(user.id);
    return true;
  }

  private isPublic(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let known = this.publicHandlers.get(handler);
    if (known === undefined) {
      known =
        this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [handler, context.getClass()]) ===
        true;
      this.publicHandlers.set(handler, known);
    }
    return known;
  }
}
