import { type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import {
  type ThrottlerGenerateKeyFunction,
  type ThrottlerGetTrackerFunction,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerOptions,
} from '@nestjs/throttler';
import type { AuthUser } from '../auth.constants';
import { tooManyRequests } from '../auth.errors';
import { rateLimitAddress } from './client-address';
import type { ThrottleCall } from './redis-throttler-storage';
import { type ThrottlePrefetch, throttlePrefetchOf } from './throttle-prefetch';

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

/** The throttlers that apply to one handler, with their numbers: decided once per handler. */
interface ThrottlePlan {
  throttler: ThrottlerOptions & { name: string };
  limit: number;
  ttl: number;
  blockDuration: number;
}

/**
 * What the guard answers when nothing applies: one settled promise (the base class's signature
 * is async) instead of a new one per request.
 */
const TRUE = Promise.resolve(true);

// `@SkipThrottle()` metadata as @nestjs/throttler stores it (not exported from the package root)
const SKIP_METADATA = 'THROTTLER:SKIP';

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
 *
 * Which throttlers apply to a handler, and with which numbers, depends only on the handler's
 * metadata and the configuration: worked out on its first request and kept (the base class reads
 * six metadata entries per throttler on every request, two dozen lookups). For an authenticated
 * request the hits were counted in the authentication round trip (`prefetch`, called by
 * JwtAuthGuard); otherwise one storage call per throttler that applies (one for most routes).
 */
@Injectable()
export class DocentThrottlerGuard extends ThrottlerGuard {
  private readonly plans = new WeakMap<object, ThrottlePlan[]>();

  override canActivate(context: ExecutionContext): Promise<boolean> {
    // socket.io handshakes are authenticated and sized by the gateway; no HTTP request here
    if (context.getType() !== 'http') return TRUE;
    const plans = this.planFor(context);
    if (plans.length === 0) return TRUE;
    return this.count(context, plans);
  }

  private async count(context: ExecutionContext, plans: ThrottlePlan[]): Promise<boolean> {
    const getTracker = this.commonOptions.getTracker as ThrottlerGetTrackerFunction;
    const generateKey = this.commonOptions.generateKey as ThrottlerGenerateKeyFunction;
    const request = context.switchToHttp().getRequest<Record<string, unknown>>();
    // counted already, with the caller's state, when the caller is the one the calls were for
    const made = throttlePrefetchOf(request)?.made;
    const prefetched =
      made && made.tracker === (await getTracker(request, context)) ? made.calls : [];
    for (const plan of plans) {
      const call = prefetched.find((candidate) => candidate.name === plan.throttler.name);
      if (call?.record) {
        await this.applyRecord(context, plan, call, made!.tracker);
      } else {
        await this.handleRequest({ context, ...plan, getTracker, generateKey });
      }
    }
    return true;
  }

  /**
   * What applies to this route, for the authentication guard to count in its round trip (see
   * throttle-prefetch.ts); undefined when nothing does.
   */
  prefetch(context: ExecutionContext): ThrottlePrefetch | undefined {
    if (context.getType() !== 'http') return undefined;
    const plans = this.planFor(context);
    if (plans.length === 0) return undefined;
    const generateKey = this.commonOptions.generateKey as ThrottlerGenerateKeyFunction;
    let made: { tracker: string; calls: ThrottleCall[] } | undefined;
    return {
      get made() {
        return made;
      },
      callsFor(tracker: string): ThrottleCall[] {
        if (made?.tracker === tracker) return made.calls;
        const calls = plans.map((plan) => ({
          key: generateKey(context, tracker, plan.throttler.name),
          name: plan.throttler.name,
          ttl: plan.ttl,
          limit: plan.limit,
          blockDuration: plan.blockDuration,
        }));
        made = { tracker, calls };
        return calls;
      },
    };
  }

  /** The base class's handleRequest after its storage call: headers, then 429 when blocked. */
  private async applyRecord(
    context: ExecutionContext,
    plan: ThrottlePlan,
    call: ThrottleCall,
    tracker: string,
  ): Promise<void> {
    const record = call.record!;
    const response = context.switchToHttp().getResponse<Record<string, unknown>>();
    const suffix = plan.throttler.name === DEFAULT_THROTTLER ? '' : `-${plan.throttler.name}`;
    if (record.isBlocked) {
      this.setResponseHeader(response, `Retry-After${suffix}`, record.timeToBlockExpire);
      await this.throwThrottlingException(context, {
        limit: plan.limit,
        ttl: plan.ttl,
        key: call.key,
        tracker,
        ...record,
      });
    }
    this.setResponseHeader(response, `${this.headerPrefix}-Limit${suffix}`, plan.limit);
    this.setResponseHeader(
      response,
      `${this.headerPrefix}-Remaining${suffix}`,
      Math.max(0, plan.limit - record.totalHits),
    );
    this.setResponseHeader(response, `${this.headerPrefix}-Reset${suffix}`, record.timeToExpire);
  }

  private planFor(context: ExecutionContext): ThrottlePlan[] {
    const handler = context.getHandler();
    const known = this.plans.get(handler);
    if (known) return known;
    const targets = [handler, context.getClass()];
    const plans: ThrottlePlan[] = [];
    for (const throttler of this.throttlers as (ThrottlerOptions & { name: string })[]) {
      const name = throttler.name;
      if (this.reflector.getAllAndOverride<boolean>(SKIP_METADATA + name, targets)) continue;
      if (
        name !== DEFAULT_THROTTLER &&
        !this.reflector.getAllAndOverride<boolean>(strictKey(name as StrictThrottler), targets)
      ) {
        continue;
      }
      // `@Throttle({...})` on the route or its controller overrides the configured numbers
      const override = (kind: string): unknown =>
        this.reflector.getAllAndOverride<unknown>(`THROTTLER:${kind}${name}`, targets);
      const limit = override('LIMIT') ?? throttler.limit;
      const ttl = override('TTL') ?? throttler.ttl;
      const blockDuration = override('BLOCK_DURATION') ?? throttler.blockDuration ?? ttl;
      if (
        typeof limit !== 'number' ||
        typeof ttl !== 'number' ||
        typeof blockDuration !== 'number'
      ) {
        // resolvers (functions of the request) would have to run per request: none is used
        throw new Error(`throttler ${name}: limit, ttl and blockDuration must be numbers`);
      }
      plans.push({ throttler, limit, ttl, blockDuration });
    }
    this.plans.set(handler, plans);
    return plans;
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
