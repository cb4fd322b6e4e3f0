import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, rawRequest } from './client';
import { connection, RETRY_BUDGET_MS } from './connection';
import { ApiError, messageOf } from './errors';
import type { AuthTokensDto } from './openapi.gen';
import { session } from './session';

const tokens = (accessToken: string): AuthTokensDto =>
  ({ accessToken, expiresIn: 900, user: { id: 'u1' } }) as AuthTokensDto;

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });

type Handler = (url: string, init: RequestInit) => Response | Promise<Response>;

/** Answers the client's fetches with `handler`; returns the recorded calls. */
function serve(handler: Handler) {
  const calls: { url: string; method: string; authorization?: string }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const headers = (init.headers ?? {}) as Record<string, string>;
      calls.push({ url, method: init.method ?? 'GET', authorization: headers.Authorization });
      return handler(url, init);
    }),
  );
  return calls;
}

/** The api: `/api/v1/things` wants the token `valid`; the refresh hands it out (or `refresh`). */
function withRenewal(refresh: () => Response = () => json(200, tokens('valid'))) {
  return serve((url, init) => {
    if (url === '/api/v1/auth/refresh') return refresh();
    const authorization = (init.headers as Record<string, string>).Authorization;
    return authorization === 'Bearer valid'
      ? json(200, { ok: true })
      : json(401, { status: 401, title: 'Unauthorized', code: 'token_expired' });
  });
}

beforeEach(() => {
  vi.useFakeTimers();
  // no jitter: the backoff delays are exact
  vi.spyOn(Math, 'random').mockReturnValue(0);
  session.accept(tokens('expired'));
  connection.set('ok');
});

afterEach(() => {
  session.clear();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('token renewal', () => {
  it('renews the access token once on a 401 and repeats the request with the new one', async () => {
    const calls = withRenewal();
    await expect(api.get('/things')).resolves.toEqual({ ok: true });
    expect(calls.map((c) => `${c.method} ${c.url} ${c.authorization ?? ''}`)).toEqual([
      'GET /api/v1/things Bearer expired',
      'POST /api/v1/auth/refresh ',
      'GET /api/v1/things Bearer valid',
    ]);
    expect(session.accessToken).toBe('valid');
  });

  it('shares one refresh between requests that get a 401 at the same time', async () => {
    const calls = withRenewal();
    const answers = await Promise.all([api.get('/things'), api.get('/things'), api.get('/things')]);
    expect(answers).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(calls.filter((c) => c.url === '/api/v1/auth/refresh')).toHaveLength(1);
  });

  it('does not renew twice for one request: a second 401 is the answer', async () => {
    const calls = withRenewal(() => json(200, tokens('still-refused')));
    await expect(api.get('/things')).rejects.toMatchObject({ status: 401, code: 'token_expired' });
    expect(calls.filter((c) => c.url === '/api/v1/auth/refresh')).toHaveLength(1);
    expect(calls).toHaveLength(3);
  });

  it('ends the session when the refresh is refused', async () => {
    withRenewal(() => json(401, { status: 401, title: 'Unauthorized' }));
    const ended = vi.fn();
    const unsubscribe = session.subscribe(ended);
    await expect(api.get('/things')).rejects.toMatchObject({ status: 401 });
    unsubscribe();
    expect(session.signedIn).toBe(false);
    expect(ended).toHaveBeenCalled();
  });

  it('keeps the session when the refresh meets an outage longer than the retry budget', async () => {
    withRenewal(() => json(503, { status: 503, title: 'Service Unavailable' }));
    const failure = api.get('/things').catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(RETRY_BUDGET_MS + 10_000);
    const error = await failure;
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 503, code: 'dependency_unavailable' });
    expect(session.accessToken).toBe('expired');
    expect(connection.current).toBe('unavailable');
  });

  it('sends no token to the public endpoints and does not renew for them', async () => {
    const calls = serve(() => json(401, { status: 401, title: 'Unauthorized' }));
    const { request } = await import('./client');
    await expect(
      request('POST', '/auth/login', { body: { email: 'a@b.c' }, auth: false }),
    ).rejects.toMatchObject({ status: 401 });
    expect(calls).toEqual([
      { url: '/api/v1/auth/login', method: 'POST', authorization: undefined },
    ]);
  });
});

describe('503 retry with backoff', () => {
  it('retries a 503 after the Retry-After it names, says "unavailable" meanwhile, then "ok"', async () => {
    let outage = 2;
    const calls = serve(() =>
      outage-- > 0
        ? json(503, { status: 503, title: 'Service Unavailable' }, { 'Retry-After': '3' })
        : json(200, { items: [] }),
    );
    const states: string[] = [];
    const unsubscribe = connection.subscribe((state) => states.push(state));
    const answer = api.get('/things');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    expect(connection.current).toBe('unavailable');
    // not before the server's hint (3 s), though the backoff alone would be 0.5 s
    await vi.advanceTimersByTimeAsync(2_999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(3_000);
    await expect(answer).resolves.toEqual({ items: [] });
    expect(calls).toHaveLength(3);
    unsubscribe();
    expect(states).toEqual(['unavailable', 'ok']);
  });

  it('backs off exponentially without a hint', async () => {
    let outage = 3;
    const calls = serve(() =>
      outage-- > 0 ? new Response('down', { status: 503 }) : json(200, { ok: true }),
    );
    const answer = api.get('/things');
    for (const [wait, expected] of [
      [0, 1],
      [500, 2],
      [1_000, 3],
      [2_000, 4],
    ]) {
      await vi.advanceTimersByTimeAsync(wait);
      expect(calls).toHaveLength(expected);
    }
    await expect(answer).resolves.toEqual({ ok: true });
  });

  it('gives up with the 503 once the retry budget is spent', async () => {
    const calls = serve(() =>
      json(503, { status: 503, title: 'Service Unavailable', detail: 'Redis is down' }),
    );
    const failure = api.get('/things').catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(RETRY_BUDGET_MS + 10_000);
    expect(await failure).toMatchObject({ status: 503, message: 'Redis is down' });
    // 0.5 + 1 + 2 + 4 + 8 + 8 … s within the minute: a handful of attempts, not a hot loop
    expect(calls.length).toBeGreaterThan(5);
    expect(calls.length).toBeLessThan(15);
  });

  it('repeats a read that got no answer, but never a write', async () => {
    let down = true;
    const calls = serve(() => {
      if (down) throw new TypeError('Failed to fetch');
      return json(200, { ok: true });
    });
    await expect(api.post('/things', { a: 1 })).rejects.toMatchObject({ status: 0 });
    expect(calls).toHaveLength(1);

    const read = api.get('/things');
    await vi.advanceTimersByTimeAsync(0);
    expect(connection.current).toBe('unavailable');
    down = false;
    await vi.advanceTimersByTimeAsync(500);
    await expect(read).resolves.toEqual({ ok: true });
    expect(connection.current).toBe('ok');
  });

  it('stops waiting when the request is aborted', async () => {
    serve(() => new Response('down', { status: 503 }));
    const controller = new AbortController();
    const read = rawRequest('GET', '/things', { signal: controller.signal });
    const settled = read.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0);
    controller.abort();
    expect(await settled).toMatchObject({ name: 'AbortError' });
  });
});

describe('problem details', () => {
  it('turns an error answer into an ApiError with its fields', async () => {
    serve(() =>
      json(422, {
        type: 'https://docent.dev/problems/validation',
        title: 'Unprocessable Entity',
        status: 422,
        detail: 'The request is invalid.',
        code: 'validation_failed',
        errors: [
          { field: 'email', message: 'must be an e-mail' },
          { field: 'password', message: 'too short' },
          { field: 'password', message: 'too common' },
        ],
      }),
    );
    const error = await api.post('/auth/register', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const problem = error as ApiError;
    expect(problem.status).toBe(422);
    expect(problem.code).toBe('validation_failed');
    expect(problem.message).toBe('The request is invalid.');
    expect(problem.fields).toEqual({
      email: 'must be an e-mail',
      password: 'too short; too common',
    });
  });

  it('falls back to the status line when the body is not JSON', async () => {
    serve(() => new Response('<h1>Bad gateway</h1>', { status: 500, statusText: 'Oops' }));
    await expect(api.get('/things')).rejects.toMatchObject({ status: 500, message: 'Oops' });
  });

  it('says when to try again after a 429', async () => {
    serve(() =>
      json(
        429,
        { status: 429, title: 'Too Many Requests', detail: 'Slow down.' },
        {
          'Retry-After': '42',
        },
      ),
    );
    const error = await api.get('/things').catch((e: unknown) => e);
    expect(messageOf(error)).toBe('Slow down. Try again in 42 s.');
  });

  it('answers undefined for 204 and non-JSON bodies', async () => {
    serve(() => new Response(null, { status: 204 }));
    await expect(api.del('/things/1')).resolves.toBeUndefined();
  });
});
