import type { AuthTokensDto } from './openapi.gen';
import type { FieldProblem, ProblemDetails } from './extra-types';

export const API = '/api/v1';

/** A problem-details answer (RFC 9457), or a network failure dressed as one. */
export class ApiError extends Error {
  constructor(readonly problem: ProblemDetails) {
    super(problem.detail ?? problem.title ?? `Request failed (${problem.status})`);
    this.name = 'ApiError';
  }

  get status(): number {
    return this.problem.status;
  }

  get code(): string | undefined {
    return this.problem.code;
  }

  /** Field errors keyed by field name (several messages for one field are joined). */
  get fields(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const { field, message } of this.problem.errors ?? ([] as FieldProblem[])) {
      out[field] = out[field] ? `${out[field]}; ${message}` : message;
    }
    return out;
  }
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    const retry = error.problem['retryAfter'];
    const base = error.message;
    return typeof retry === 'number' ? `${base} Try again in ${retry} s.` : base;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * The answer as problem details; `unavailable` when a 401 could not be cured because renewing
 * the token hit an outage (the session is kept: a temporary error, not a sign-out).
 */
async function problemFrom(response: Response, as?: 'unavailable'): Promise<ApiError> {
  if (as === 'unavailable') {
    return new ApiError({
      status: 503,
      title: 'Service Unavailable',
      detail: 'Docent is temporarily unavailable; retry shortly.',
      code: 'dependency_unavailable',
    });
  }
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // not JSON (a proxy's error page): fall back to the status line
  }
  const problem: ProblemDetails =
    body && typeof body === 'object'
      ? { status: response.status, ...(body as object) }
      : { status: response.status, title: response.statusText || 'Request failed' };
  const retryAfter = response.headers.get('Retry-After');
  if (retryAfter && /^\d+$/.test(retryAfter)) problem['retryAfter'] = Number(retryAfter);
  return new ApiError(problem);
}

const networkError = (error: unknown) =>
  new ApiError({
    status: 0,
    title: 'Network error',
    detail: `The server could not be reached (${error instanceof Error ? error.message : error}).`,
  });

/**
 * Whether the server can be reached right now. `unavailable` while requests answer 503 (a
 * dependency of the api is down) or cannot get through at all, and the client is retrying: the
 * app shows a non-blocking notice and keeps the session. Back to `ok` on the next real answer.
 */
export type Connectivity = 'ok' | 'unavailable';

class ConnectionState {
  private state: Connectivity = 'ok';
  private readonly listeners = new Set<(state: Connectivity) => void>();

  get current(): Connectivity {
    return this.state;
  }

  set(state: Connectivity): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }

  subscribe(listener: (state: Connectivity) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export const connection = new ConnectionState();

/** How long one call keeps retrying through an outage before it reports the error. */
const RETRY_BUDGET_MS = 60_000;

/** A 503 (or a gateway's 502/504): nothing was done, the same request may be sent again. */
const isRetryableStatus = (status: number) => status === 503 || status === 502 || status === 504;

/** Exponential backoff (0.5 s … 8 s, jittered), never sooner than the server's Retry-After. */
export function retryDelayMs(attempt: number, retryAfter: string | null): number {
  const backoff = Math.min(8_000, 500 * 2 ** attempt);
  const hinted = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : 0;
  return Math.max(hinted, backoff) + Math.floor(Math.random() * 250);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new DOMException('Aborted', 'AbortError'));
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new DOMException('Aborted', 'AbortError'));
      },
      { once: true },
    );
  });
}

/**
 * The refresh token lives in an httpOnly cookie the api sets for `/api/v1/auth` when a request
 * carries this header; the access token lives only in memory, here.
 */
const COOKIE_FLOW = { 'X-Refresh-Token-Transport': 'cookie' } as const;
/** Renew this long before the access token expires (at most). */
const RENEW_MARGIN_MS = 60_000;

type Listener = () => void;

/** The signed-in state: access token in memory, renewed through the cookie before it expires. */
class AuthSession {
  private token: string | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private refreshing: Promise<'renewed' | 'ended' | 'unavailable'> | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly tokenListeners = new Set<(token: string) => void>();

  get accessToken(): string | null {
    return this.token;
  }

  get signedIn(): boolean {
    return this.token !== null;
  }

  /** Called on sign-in / renewal / sign-out. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called with each renewed access token (the socket pushes it with `auth.refresh`). */
  onRenewed(listener: (token: string) => void): () => void {
    this.tokenListeners.add(listener);
    return () => this.tokenListeners.delete(listener);
  }

  accept(tokens: AuthTokensDto): void {
    const renewed = this.token !== null;
    this.token = tokens.accessToken;
    clearTimeout(this.timer);
    // a minute early, or a fifth of the lifetime for short-lived tokens
    const lifetime = tokens.expiresIn * 1000;
    const delay = Math.max(1_000, lifetime - Math.min(RENEW_MARGIN_MS, lifetime / 5));
    this.timer = setTimeout(() => void this.refresh(), delay);
    if (renewed) for (const listener of this.tokenListeners) listener(tokens.accessToken);
    this.emit();
  }

  clear(): void {
    clearTimeout(this.timer);
    const had = this.token !== null;
    this.token = null;
    if (had) this.emit();
  }

  /**
   * Exchanges the cookie for a new pair, one at a time. True with a fresh access token; false
   * when there is none: the session is over (401: the only answer that signs out) or the server
   * stayed unavailable for the whole retry budget (the session is kept and renewal is retried).
   */
  async refresh(): Promise<boolean> {
    return (await this.renew()) === 'renewed';
  }

  /** Like `refresh`, and says why it got no token. */
  renew(): Promise<'renewed' | 'ended' | 'unavailable'> {
    this.refreshing ??= (async () => {
      const started = Date.now();
      try {
        for (let attempt = 0; ; attempt += 1) {
          let response: Response | null = null;
          try {
            response = await fetch(`${API}/auth/refresh`, {
              method: 'POST',
              credentials: 'same-origin',
              headers: { 'Content-Type': 'application/json', ...COOKIE_FLOW },
              body: '{}',
            });
          } catch {
            // offline or the connection dropped: keep what we have and retry
          }
          if (response?.ok) {
            connection.set('ok');
            this.accept((await response.json()) as AuthTokensDto);
            return 'renewed';
          }
          if (response && [400, 401, 403].includes(response.status)) {
            // the server says there is no session (no cookie, ended, reused, disabled): sign out
            connection.set('ok');
            this.clear();
            return 'ended';
          }
          // 503 / 429 / a 5xx / no answer: says nothing about the session, the cookie still
          // holds (the server keeps it on those): wait and retry
          const retryAfter = response?.headers.get('Retry-After') ?? null;
          const delay = retryDelayMs(attempt, retryAfter);
          if (Date.now() + delay - started > RETRY_BUDGET_MS) {
            this.scheduleRenewal(delay);
            return 'unavailable';
          }
          if (response?.status !== 429) connection.set('unavailable');
          await sleep(delay);
        }
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /** Tries the renewal again later (the server was unavailable); the session is kept meanwhile. */
  private scheduleRenewal(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.renew(), delay);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

export const session = new AuthSession();

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

/** The auth endpoints in the cookie flow. */
export const authApi = {
  async register(body: { email: string; password: string; displayName: string }) {
    const tokens = await request<AuthTokensDto>('POST', '/auth/register', {
      body,
      auth: false,
      headers: COOKIE_FLOW,
    });
    session.accept(tokens);
    return tokens;
  },
  async login(body: { email: string; password: string }) {
    const tokens = await request<AuthTokensDto>('POST', '/auth/login', {
      body,
      auth: false,
      headers: COOKIE_FLOW,
    });
    session.accept(tokens);
    return tokens;
  },
  async logout() {
    try {
      await request<void>('POST', '/auth/logout', { body: {}, headers: COOKIE_FLOW });
    } finally {
      session.clear();
    }
  },
  async logoutAll() {
    try {
      await request<void>('POST', '/auth/logout-all', { body: {} });
    } finally {
      session.clear();
    }
  },
  forgot: (email: string) =>
    request<void>('POST', '/auth/forgot-password', { body: { email }, auth: false }),
  reset: (token: string, newPassword: string) =>
    request<void>('POST', '/auth/reset-password', { body: { token, newPassword }, auth: false }),
};

export interface UploadOutcome<T> {
  status: number;
  body: T | null;
  error?: ApiError;
}

/**
 * One multipart request for the whole batch (one batch, one summary mail), with XMLHttpRequest's
 * upload progress; `onProgress(loaded, total)` reports bytes sent.
 */
export function uploadFiles<T>(
  files: File[],
  onProgress: (loaded: number, total: number) => void,
): Promise<UploadOutcome<T>> {
  const form = new FormData();
  for (const file of files) form.append('files', file, file.name);
  const attempt = () =>
    new Promise<UploadOutcome<T>>((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', buildUrl('/documents'));
      xhr.setRequestHeader('Accept', 'application/json');
      if (session.accessToken)
        xhr.setRequestHeader('Authorization', `Bearer ${session.accessToken}`);
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress(event.loaded, event.total);
      };
      xhr.onload = () => {
        let body: unknown = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          body = null;
        }
        const status = xhr.status;
        if (status >= 200 && status < 300) {
          resolve({ status, body: body as T });
          return;
        }
        const problem: ProblemDetails =
          body && typeof body === 'object'
            ? { status, ...(body as object) }
            : { status, title: xhr.statusText || 'Upload failed' };
        resolve({ status, body: (body as T) ?? null, error: new ApiError(problem) });
      };
      xhr.onerror = () =>
        resolve({ status: 0, body: null, error: networkError(new Error('upload interrupted')) });
      xhr.send(form);
    });
  return attempt().then(async (outcome) => {
    if (outcome.status === 401 && (await session.refresh())) return attempt();
    return outcome;
  });
}

/**
 * Downloads an API resource (bearer-authenticated) and hands it to the browser as a file, never
 * as a page: uploaded files are untrusted (HTML, SVG, …), and anything opened from a `blob:` URL
 * made here would run in the app's origin. So the bytes are re-typed `application/octet-stream`
 * (a browser can only save such a blob, even when the object URL is opened), the link carries
 * `download` and is never navigated to, and the object URL is revoked soon after.
 */
export async function download(path: string, fallbackName: string): Promise<void> {
  const response = await rawRequest('GET', path, { headers: { Accept: '*/*' } });
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const match = /filename\*=UTF-8''([^;]+)|filename="([^"]+)"/i.exec(disposition);
  const name = match ? decodeURIComponent(match[1] ?? match[2] ?? '') : fallbackName;
  const bytes = await response.arrayBuffer();
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name || fallbackName;
  link.rel = 'noopener';
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
