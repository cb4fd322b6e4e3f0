import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { AppSettings } from '@docent/config';
import { REDIS_CLIENT, type RedisClient } from '@docent/redis';
import { FirstAdminOnStartup } from './accounts/admin-bootstrap';
import { AuthController } from './auth.controller';
import { AuthModule } from './auth.module';
import { JwtAuthGuard } from './guards/jwt-auth.guard';
import { RefreshCookie } from './refresh-cookie';
import {
  AUTH_THROTTLER,
  CHAT_THROTTLER,
  DEFAULT_THROTTLER,
  DocentThrottlerGuard,
  UPLOAD_THROTTLER,
} from './throttle/throttle';
import { RedisThrottlerStorage } from './throttle/redis-throttler-storage';

/**
 * The api side of authentication: `/api/v1/auth/*`, and the global guards — authentication
 * first (default deny: routes opt out with `@Public()`), then the Redis-backed rate limits.
 */
@Module({
  imports: [
    AuthModule,
    ThrottlerModule.forRootAsync({
      inject: [ConfigService, REDIS_CLIENT],
      useFactory: (config: ConfigService, redis: RedisClient) => {
        const { rateLimit, authRateLimit, uploadRateLimit, chatRateLimit } =
          config.getOrThrow<AppSettings>('app');
        return {
          throttlers: [
            { name: DEFAULT_THROTTLER, limit: rateLimit.limit, ttl: rateLimit.ttlMs },
            { name: AUTH_THROTTLER, limit: authRateLimit.limit, ttl: authRateLimit.ttlMs },
            { name: UPLOAD_THROTTLER, limit: uploadRateLimit.limit, ttl: uploadRateLimit.ttlMs },
            { name: CHAT_THROTTLER, limit: chatRateLimit.limit, ttl: chatRateLimit.ttlMs },
          ],
          // the storage's script keeps both of its keys under one hash tag: cluster-safe
          storage: new RedisThrottlerStorage(redis),
          // no skipIf: which routes are limited follows from the matched route (see
          // DocentThrottlerGuard); health and metrics opt out with @SkipThrottle()
        };
      },
    }),
  ],
  controllers: [AuthController],
  providers: [
    FirstAdminOnStartup,
    RefreshCookie,
    // one throttler guard: the authentication guard asks it which hits to count (prefetch)
    DocentThrottlerGuard,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useExisting: DocentThrottlerGuard },
  ],
})
export class AuthHttpModule {}
