import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { AppError, IS_PUBLIC, RequestContext } from '@docent/common';
import type { AuthUser } from '../auth.constants';
import {
  accessTokenExpired,
  accessTokenNotYetValid,
  invalidAccessToken,
  missingAccessToken,
} from '../auth.errors';

/** Why passport-jwt refused a token, turned into the error with its stable code. */
function refusalFor(info: unknown): AppError {
  const name = info instanceof Error ? info.name : undefined;
  const message = info instanceof Error ? info.message : '';
  if (name === 'TokenExpiredError') return accessTokenExpired();
  if (name === 'NotBeforeError') return accessTokenNotYetValid();
  if (message === 'No auth token') return missingAccessToken();
  return invalidAccessToken();
}

/**
 * Global: every route needs a valid access token unless marked `@Public()`. Runs before the
 * throttler so limits can be per user.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly context: RequestContext,
  ) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    return super.canActivate(context);
  }

  override handleRequest<TUser = AuthUser>(
    error: unknown,
    user: TUser | false,
    info: unknown,
  ): TUser {
    if (error instanceof AppError) throw error;
    // passport hands over what `validate` threw as `error` (token problems arrive as `info`):
    // Redis or PostgreSQL failing there is an outage (503 from the filter), not a bad token
    if (error instanceof Error) throw error;
    if (error || !user) {
      throw refusalFor(info ?? error);
    }
    this.context.setActor((user as unknown as AuthUser).id);
    return user;
  }
}
