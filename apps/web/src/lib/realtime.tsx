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
import { connection, retryDelayMs, session } from '../api/client';
import type { NotificationDto } from '../api/openapi.gen';
import type { IngestionProgress } from '../api/extra-types';
import { useAuth } from './auth';

interface ServerEvents {
  notification: (notification: NotificationDto) => void;
  'ingestion.progress': (progress: IngestionProgress) => void;
  'unread-count': (body: { count: number }) => void;
  'auth.expired': (body: { reason: string }) => void;
}

type EventName = keyof ServerEvents;
type Handler<E extends EventName> = Parameters<ServerEvents[E]>[0];

interface Realtime {
  connected: boolean;
  unreadCount: number | null;
  setUnreadCount(count: number): void;
  on<E extends EventName>(event: E, handler: (payload: Handler<E>) => void): () => void;
}

const RealtimeContext = createContext<Realtime | null>(null);

/**
 * One socket.io connection to `/notifications` while signed in: the access token goes in the
 * handshake's `auth.token` (read afresh on every reconnect), renewed tokens are pushed with
 * `auth.refresh`, and a refused or expired token triggers one cookie refresh and a reconnect.
 */
export function RealtimeProvider({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const [connected, setConnected] = useState(false);
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
    socket.on('connect', () => {
      attempt = 0;
      setConnected(true);
      // the handshake needed Redis and the api: both are back
      connection.set('ok');
    });
    socket.on('disconnect', (reason) => {
      setConnected(false);
      // the server closed it (expired token, ended session): renew, then come back if still valid
      if (reason === 'io server disconnect') renewAndReconnect();
    });
    socket.on('connect_error', (error: Error & { data?: { retryAfter?: number } }) => {
      // the server could not check the token (Redis or PostgreSQL down): same token, later
      if (error.message === 'unavailable') later(() => socket.connect(), error.data?.retryAfter);
      else if (error.message === 'unauthorized') renewAndReconnect();
    });
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
    const offRenewed = session.onRenewed(() => pushToken());
    return () => {
      for (const timer of timers) clearTimeout(timer);
      offRenewed();
      socket.removeAllListeners();
      socket.disconnect();
      setConnected(false);
      setUnreadCount(null);
    };
  }, [status]);

  const value = useMemo<Realtime>(
    () => ({
      connected,
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
    [connected, unreadCount],
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
