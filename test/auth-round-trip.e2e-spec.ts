import { getStorageToken, type ThrottlerStorage } from '@nestjs/throttler';
import { bearer, newIdentity, signUp, type Stack, startStack } from './support/stack';

/**
 * An authenticated request costs one Redis round trip: the caller's state and the route's
 * rate-limit hits travel together (throttle-prefetch.ts), so the throttler guard never calls its
 * storage for it; anonymous requests are counted by the guard as before (issue 14).
 */
describe('one Redis round trip per authenticated request', () => {
  let stack: Stack;
  let increments: jest.SpyInstance;

  beforeAll(async () => {
    stack = await startStack({ RATE_LIMIT: '3/1m' });
    const storage = stack.api.get<ThrottlerStorage>(getStorageToken(), { strict: false });
    increments = jest.spyOn(storage, 'increment');
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('counts the hits of a signed-in caller with the caller-state read, with the same headers and 429', async () => {
    const user = await signUp(stack);
    increments.mockClear();
    for (const remaining of [2, 1, 0]) {
      const res = await stack.http.get('/api/v1/auth/me').set(bearer(user.token)).expect(200);
      expect(res.headers['x-ratelimit-limit']).toBe('3');
      expect(res.headers['x-ratelimit-remaining']).toBe(String(remaining));
      expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    }
    const limited = await stack.http.get('/api/v1/auth/me').set(bearer(user.token)).expect(429);
    expect(limited.body.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(increments).not.toHaveBeenCalled();
  });

  it('keeps counting anonymous callers in the throttler guard', async () => {
    increments.mockClear();
    const res = await stack.http.post('/api/v1/auth/login').send({
      email: newIdentity('anon').email,
      password: 'not the password at all',
    });
    expect(res.status).toBe(401);
    expect(increments).toHaveBeenCalled();
  });
});
