// The signed-in session: the access token in memory, renewed through the refresh cookie.

import { API, connection, RETRY_BUDGET_MS, retryDelayMs, sleep } from './connection';
import type { AuthTokensDto } from './openapi.gen';

/**
 * The refresh token lives in an httpOnly cookie the api sets for `/api/v1/auth` when a request
 * carries this header; the access token lives only in memory, here.
 */
export const COOKIE_FLOW = { 'X-Refresh-Token-Transport': 'cookie' } as const;
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
