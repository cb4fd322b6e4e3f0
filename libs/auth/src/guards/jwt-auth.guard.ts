import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { AppError, IS_PUBLIC, RequestContext } from '@docent/common';
import type { AuthUser } from '../auth.constants';
import { unauthenticated } from './jwt.strategy';

/** Why passport-jwt refused a token, turned into a stable code. */
function codeFor(info: unknown): { code: string; message: string } {
  const name = info instanceof Error ? info.name : undefined;
  const message = info instanceof Error ? info.message : '';
  if (name === 'TokenExpiredError')
    return { code: 'token_expired', message: 'The access token has expired.' };
  if (name === 'NotBeforeError')
    return { code: 'token_not_yet_valid', message: 'The access token is not valid yet.' };
  if (message === 'No auth token') {
    return {
      code: 'missing_token',
      message: 'Authentication is required: send Authorization: Bearer <access token>.',
    };
  }
  return { code: 'invalid_token', message: 'The access token is not valid.' };
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
      const { code, message } = codeFor(info ?? error);
      throw unauthenticated(code, message);
    }
    this.context.setActor((user as unknown as AuthUser).id);
    return user;
  }
}
