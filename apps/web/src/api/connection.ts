// Reaching the api: its base path, whether it answers right now, and the retry policy (backoff
// honouring Retry-After within a budget) that the HTTP core and the session renewal share.

/** Where the api lives (the web client is served by it, same origin). */
export const API = '/api/v1';

/**
 * Whether the server can be reached right now. `unavailable` while requests answer 503 (a
 * dependency of the api is down) or cannot get through at all, and the client is retrying: the
 * app shows a non-blocking notice and keeps the session. Back to `ok` on the next real answer.
 */
export type Connectivity = 'ok' | 'unavailable';

class ConnectionState {
  private http: Connectivity = 'ok';
  private socket: Connectivity = 'ok';
  private readonly listeners = new Set<(state: Connectivity) => void>();

  /** `unavailable` while the api answers 503 (or nothing), or the live-updates socket is down. */
  get current(): Connectivity {
    return this.http === 'ok' && this.socket === 'ok' ? 'ok' : 'unavailable';
  }

  /** What the last HTTP request met. */
  set(state: Connectivity): void {
    this.change(() => (this.http = state));
  }

  /** Whether the live-updates socket, once connected, has dropped (and is reconnecting). */
  setSocket(state: Connectivity): void {
    this.change(() => (this.socket = state));
  }

  subscribe(listener: (state: Connectivity) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private change(apply: () => void): void {
    const before = this.current;
    apply();
    const after = this.current;
    if (after !== before) for (const listener of this.listeners) listener(after);
  }
}

export const connection = new ConnectionState();

/** How long one call keeps retrying through an outage before it reports the error. */
export const RETRY_BUDGET_MS = 60_000;

/** A 503 (or a gateway's 502/504): nothing was done, the same request may be sent again. */
export const isRetryableStatus = (status: number) =>
  status === 503 || status === 502 || status === 504;

/** Exponential backoff (0.5 s … 8 s, jittered), never sooner than the server's Retry-After. */
export function retryDelayMs(attempt: number, retryAfter: string | null): number {
  const backoff = Math.min(8_000, 500 * 2 ** attempt);
  const hinted = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : 0;
  return Math.max(hinted, backoff) + Math.floor(Math.random() * 250);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
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
