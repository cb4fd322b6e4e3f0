import type { ThrottleCall } from './redis-throttler-storage';

/**
 * The rate-limit hits of an authenticated request, counted in the same Redis round trip as the
 * caller's state. Which throttlers apply depends on the route and the bucket on the caller, who is
 * known once the token's signature is checked, before any Redis call: the authentication guard
 * leaves a `ThrottlePrefetch` on the request (DocentThrottlerGuard.prefetch), asks it for the
 * calls of the token's user and sends them with the caller-state read, and the throttler guard
 * then applies the records instead of calling Redis again.
 */
export interface ThrottlePrefetch {
  /** The calls for `tracker` (made once; the same array later). */
  callsFor(tracker: string): ThrottleCall[];
  /** The calls made, with their records once Redis answered. */
  readonly made?: { tracker: string; calls: ThrottleCall[] };
}

const PREFETCH = Symbol('throttlePrefetch');

type WithPrefetch = { [PREFETCH]?: ThrottlePrefetch };

export function setThrottlePrefetch(request: object, prefetch: ThrottlePrefetch): void {
  (request as WithPrefetch)[PREFETCH] = prefetch;
}

export function throttlePrefetchOf(request: object): ThrottlePrefetch | undefined {
  return (request as WithPrefetch)[PREFETCH];
}
