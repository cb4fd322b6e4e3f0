import { type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import {
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerRequest,
} from '@nestjs/throttler';
import { AppError } from '@docent/common';
import type { AuthUser } from '../auth.constants';

export const AUTH_THROTTLE = 'docent:authThrottle';
export const DEFAULT_THROTTLER = 'default';
export const AUTH_THROTTLER = 'auth';

/** Adds the stricter per-IP `auth` limit to a route (register, login, refresh, password reset). */
export const AuthRateLimit = (): MethodDecorator & ClassDecorator =>
  SetMetadata(AUTH_THROTTLE, true);

/**
 * The global rate limit, counted in Redis so it holds across api instances: per user when
 * authenticated, per IP otherwise; routes marked `@AuthRateLimit()` also get the stricter per-IP
 * limit. Answers 429 problem details with Retry-After.
 */
@Injectable()
export class DocentThrottlerGuard extends ThrottlerGuard {
  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    if (request.throttler.name === AUTH_THROTTLER) {
      const strict = this.reflector.getAllAndOverride<boolean>(AUTH_THROTTLE, [
        request.context.getHandler(),
        request.context.getClass(),
      ]);
      if (!strict) return true;
    }
    return super.handleRequest(request);
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const user = req.user as AuthUser | undefined;
    return user ? `user:${user.id}` : `ip:${String(req.ip)}`;
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new AppError(
      'rate_limited',
      'rate_limited',
      'Too many requests; slow down and retry later.',
      {
        retryAfterSeconds: Math.max(1, detail.timeToBlockExpire),
      },
    );
  }
}
