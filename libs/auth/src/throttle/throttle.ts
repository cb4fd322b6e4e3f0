import { type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import {
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerRequest,
} from '@nestjs/throttler';
import type { AuthUser } from '../auth.constants';
import { tooManyRequests } from '../auth.errors';
import { rateLimitAddress } from './client-address';

export const DEFAULT_THROTTLER = 'default';
export const AUTH_THROTTLER = 'auth';
export const UPLOAD_THROTTLER = 'upload';
export const CHAT_THROTTLER = 'chat';
export type StrictThrottler =
  typeof AUTH_THROTTLER | typeof UPLOAD_THROTTLER | typeof CHAT_THROTTLER;

const strictKey = (name: StrictThrottler): string => `docent:throttle:${name}`;

/**
 * Adds one of the stricter named limits to a route, on top of the general one: `auth` (per IP:
 * register, login, refresh, password reset), `upload` (per user: `POST /documents`), `chat`
 * (per user: questions).
 */
export const StrictRateLimit = (name: StrictThrottler): MethodDecorator & ClassDecorator =>
  SetMetadata(strictKey(name), true);

/** Adds the stricter per-IP `auth` limit to a route (register, login, refresh, password reset). */
export const AuthRateLimit = (): MethodDecorator & ClassDecorator =>
  StrictRateLimit(AUTH_THROTTLER);

/**
 * The global rate limit, counted in Redis so it holds across api instances: per user when
 * authenticated, per IP otherwise (IPv6 per /64); routes marked `@AuthRateLimit()` also get the
 * stricter per-IP limits (`StrictRateLimit`). Answers 429 problem details with Retry-After.
 *
 * Whether a request is limited is decided by the route it matched, never by its URL: the router
 * decodes the path first, so `/%61pi/...` reaches the same handler as `/api/...`. Every Nest
 * route is limited unless it opts out with `@SkipThrottle()` (health and metrics); the bucket key
 * is the throttler's (controller class + handler + tracker), so every spelling of a path that
 * reaches a handler counts against that handler's bucket.
 */
@Injectable()
export class DocentThrottlerGuard extends ThrottlerGuard {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    // socket.io handshakes are authenticated and sized by the gateway; no HTTP request here
    if (context.getType() !== 'http') return true;
    return super.canActivate(context);
  }

  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const name = request.throttler.name ?? DEFAULT_THROTTLER;
    if (name !== DEFAULT_THROTTLER) {
      const strict = this.reflector.getAllAndOverride<boolean>(strictKey(name as StrictThrottler), [
        request.context.getHandler(),
        request.context.getClass(),
      ]);
      if (!strict) return true;
    }
    return super.handleRequest(request);
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const user = req.user as AuthUser | undefined;
    return user ? `user:${user.id}` : `ip:${rateLimitAddress(String(req.ip))}`;
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw tooManyRequests(Math.max(1, detail.timeToBlockExpire));
  }
}
