import {
  createContext,
  type ReactNode,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { io, type Socket } from 'socket.io-client';
import { connection, retryDelayMs } from '../api/connection';
import { session } from '../api/session';
import type { IngestionProgressDto, NotificationDto } from '../api/openapi.gen';
import { useAuth } from './auth';

interface ServerEvents {
  notification: (notification: NotificationDto) => void;
  'ingestion.progress': (progress: IngestionProgressDto) => void;
  'unread-count': (body: { count: number }) => void;
  'auth.expired': (body: { reason: string }) => void;
}

type EventName = keyof ServerEvents;
type Handler<E extends EventName> = Parameters<ServerEvents[E]>[0];

/**
 * `on`: connected. `reconnecting`: not connected, and the client is on its way back (a dropped
 * connection, an outage, a token being renewed). `unavailable`: the server refused the socket for a
 * reason a new token cannot cure (e.g. this page's origin is not allowed), or kept refusing fresh
 * tokens: the client stopped trying; the rest of the app works without live updates.
 */
export type LiveState = 'on' | 'reconnecting' | 'unavailable';

interface Realtime {
  connected: boolean;
  live: LiveState;
  unreadCount: number | null;
  setUnreadCount(count: number): void;
  on<E extends EventName>(event: E, handler: (payload: Handler<E>) => void): () => void;
}

const RealtimeContext = createContext<Realtime | null>(null);

/**
 * The handshake refusals (`connect_error` "unauthorized", `data.code`) about the access token or
 * its session: a cookie refresh either cures them or ends the session. Any other code (e.g.
 * `origin_not_allowed`) is not about the token, and refreshing for it would only loop (each
 * refresh counts against the per-IP auth rate limit that sign-ins share).
 */
const TOKEN_REFUSALS = new Set([
  'missing_token',
  'invalid_token',
  'token_expired',
  'token_not_yet_valid',
  'session_revoked',
  'account_disabled',
]);

/** How long a dropped socket may take to come back before the app says the service is away. */
const SOCKET_DROP_GRACE_MS = 4_000;

/** Renewals in a row whose fresh token the handshake still refused: then the client gives up. */
const MAX_TOKEN_RENEWALS = 3;

/**
 * One socket.io connection to `/notifications` while signed in: the access token goes in the
 * handshake's `auth.token` (read afresh on every reconnect), renewed tokens are pushed with
 * `auth.refresh`, and a refused or expired token triggers one cookie refresh and a reconnect (the
 * first at once, further ones with backoff, at most MAX_TOKEN_RENEWALS in a row). A refusal not
 * about the token is final for this page: `live` says "unavailable".
 */
export function RealtimeProvider({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const [live, setLive] = useState<LiveState>('reconnecting');
  const [unreadCount, setUnreadCount] = useState<number | null>(null);
  const handlers = useRef(new Map<string, Set<(payload: unknown) => void>>());

  useEffect(() => {
    if (status !== 'signed-in') return;
    const socket: Socket = io('/notifications', {
      auth: (cb) => cb({ token: session.accessToken ?? '' }),
      transports: ['websocket'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 5_000,
    });
    const dispatch = (event: string, payload: unknown) => {
      for (const handler of handlers.current.get(event) ?? []) handler(payload);
    };
    const timers = new Set<ReturnType<typeof setTimeout>>();
    let attempt = 0;
    const later = (run: () => void, retryAfterSeconds?: number) => {
      const delay = retryDelayMs(attempt, retryAfterSeconds ? String(retryAfterSeconds) : null);
      attempt += 1;
      const timer = setTimeout(() => {
        timers.delete(timer);
        run();
      }, delay);
      timers.add(timer);
    };
    // renew through the cookie, then reconnect; an outage on the way means "try again later"
    const renewAndReconnect = () => {
      void session.renew().then((outcome) => {
        if (outcome === 'renewed') socket.connect();
        else if (outcome === 'unavailable') later(renewAndReconnect);
      });
    };
    // token refusals since the last successful connection
    let tokenRefusals = 0;
    // the token (or the session) was refused: one renewal for this refusal, at once the first
    // time (the usual case: the token expired meanwhile), with backoff after that
    const tokenRefused = () => {
      tokenRefusals += 1;
      if (tokenRefusals > MAX_TOKEN_RENEWALS) setLive('unavailable');
      else if (tokenRefusals === 1) renewAndReconnect();
      else later(renewAndReconnect);
    };
    // a connection that dropped and stays down for a while (not a reconnect for a fresh token)
    // shows the "service unavailable" banner until it is back
    let dropTimer: ReturnType<typeof setTimeout> | undefined;
    socket.on('connect', () => {
      attempt = 0;
      tokenRefusals = 0;
      setLive('on');
      clearTimeout(dropTimer);
      connection.setSocket('ok');
      // the handshake needed Redis and the api: both are back
      connection.set('ok');
    });
    socket.on('disconnect', (reason) => {
      setLive('reconnecting');
      clearTimeout(dropTimer);
      if (reason !== 'io client disconnect') {
        dropTimer = setTimeout(() => connection.setSocket('unavailable'), SOCKET_DROP_GRACE_MS);
      }
      // the server closed it (expired token, ended session): renew, then come back if still valid
      if (reason === 'io server disconnect') tokenRefused();
    });
    socket.on(
      'connect_error',
      (error: Error & { data?: { code?: string; retryAfter?: number } }) => {
        // the server could not check the token (Redis or PostgreSQL down): same token, later
        if (error.message === 'unavailable') {
          setLive('reconnecting');
          later(() => socket.connect(), error.data?.retryAfter);
        } else if (error.message === 'unauthorized') {
          if (TOKEN_REFUSALS.has(error.data?.code ?? '')) tokenRefused();
          // refused for something a token cannot change (origin_not_allowed): stop here
          else setLive('unavailable');
        }
        // anything else (the network) is socket.io's own reconnection, with its backoff
      },
    );
    socket.on('unread-count', (body: { count: number }) => {
      setUnreadCount(body.count);
      dispatch('unread-count', body);
    });
    for (const event of ['notification', 'ingestion.progress', 'auth.expired']) {
      socket.on(event, (payload: unknown) => dispatch(event, payload));
    }
    const pushToken = () => {
      const token = session.accessToken;
      if (!socket.connected || !token) return;
      socket.emit(
        'auth.refresh',
        { token },
        (result?: { ok: boolean; error?: string; retryAfter?: number }) => {
          if (result?.ok) return;
          // the server could not check it right now: the socket keeps its token, push it later
          if (result?.error === 'unavailable') later(pushToken, result.retryAfter);
          // refused (e.g. raced with an expiry): start over with a fresh handshake
          else socket.disconnect().connect();
        },
      );
    };
    const offRenewed = session.onRenewed(() => {
      // gave up on refused tokens: a token renewed on schedule deserves one more handshake
      if (tokenRefusals > MAX_TOKEN_RENEWALS && !socket.active) {
        tokenRefusals = 0;
        setLive('reconnecting');
        socket.connect();
      } else pushToken();
    });
    return () => {
      clearTimeout(dropTimer);
      connection.setSocket('ok');
      for (const timer of timers) clearTimeout(timer);
      offRenewed();
      socket.removeAllListeners();
      socket.disconnect();
      setLive('reconnecting');
      setUnreadCount(null);
    };
  }, [status]);

  const value = useMemo<Realtime>(
    () => ({
      connected: live === 'on',
      live,
      unreadCount,
      setUnreadCount,
      on(event, handler) {
        const set = handlers.current.get(event) ?? new Set();
        handlers.current.set(event, set);
        const wrapped = handler as (payload: unknown) => void;
        set.add(wrapped);
        return () => set.delete(wrapped);
      },
    }),
    [live, unreadCount],
  );
  return <RealtimeContext.Provider value={value}>{children}</RealtimeContext.Provider>;
}

export function useRealtime(): Realtime {
  const value = useContext(RealtimeContext);
  if (!value) throw new Error('useRealtime outside RealtimeProvider');
  return value;
}

/** Subscribes for the component's lifetime; the handler may change between renders. */
export function useSocketEvent<E extends EventName>(
  event: E,
  handler: (payload: Handler<E>) => void,
): void {
  const realtime = useRealtime();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => realtime.on(event, (payload) => latest.current(payload)), [realtime, event]);
}
