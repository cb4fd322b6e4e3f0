// The HTTP core: every api call goes through `rawRequest` (bearer token, one renewal on 401,
// retries through a 503 outage). Per-area helpers: auth-api.ts, files.ts, sse.ts.

import {
  API,
  connection,
  isRetryableStatus,
  RETRY_BUDGET_MS,
  retryDelayMs,
  sleep,
} from './connection';
import { networkError, problemFrom } from './errors';
import { session } from './session';

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined | null | string[]>;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** false for the public auth endpoints */
  auth?: boolean;
}

export function buildUrl(path: string, query?: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const search = params.toString();
  return `${API}${path}${search ? `?${search}` : ''}`;
}

/**
 * fetch with the bearer token; one renewal and retry on 401. A 503 (a dependency of the api is
 * down) is retried with backoff honouring Retry-After, and so is a request that got no answer at
 * all when it is a read; the session is kept throughout and `connection` says "unavailable".
 */
export async function rawRequest(
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<Response> {
  const send = () => {
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.auth !== false && session.accessToken) {
      headers.Authorization = `Bearer ${session.accessToken}`;
    }
    return fetch(buildUrl(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  };
  // a write that got no answer may have happened: only reads are sent again blindly
  const replayable = method === 'GET' || method === 'HEAD';
  const started = Date.now();
  let renewed = false;
  for (let attempt = 0; ; attempt += 1) {
    let response: Response;
    try {
      response = await send();
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      const delay = retryDelayMs(attempt, null);
      if (!replayable || Date.now() + delay - started > RETRY_BUDGET_MS) {
        throw networkError(error);
      }
      connection.set('unavailable');
      await sleep(delay, options.signal);
      continue;
    }
    if (response.status === 401 && options.auth !== false && !renewed) {
      renewed = true;
      const outcome = await session.renew();
      if (outcome === 'renewed') continue;
      if (outcome === 'unavailable') throw await problemFrom(response, 'unavailable');
    }
    if (isRetryableStatus(response.status)) {
      const delay = retryDelayMs(attempt, response.headers.get('Retry-After'));
      if (Date.now() + delay - started <= RETRY_BUDGET_MS) {
        connection.set('unavailable');
        await response.body?.cancel().catch(() => undefined);
        await sleep(delay, options.signal);
        continue;
      }
    } else {
      connection.set('ok');
    }
    if (!response.ok) throw await problemFrom(response);
    return response;
  }
}

export async function request<T>(
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const response = await rawRequest(method, path, options);
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('Content-Type') ?? '';
  if (!type.includes('json')) return undefined as T;
  return (await response.json()) as T;
}

export const api = {
  get: <T>(path: string, query?: RequestOptions['query'], signal?: AbortSignal) =>
    request<T>('GET', path, { query, signal }),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, { body: body ?? {} }),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, { body }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  del: (path: string) => request<void>('DELETE', path),
};
