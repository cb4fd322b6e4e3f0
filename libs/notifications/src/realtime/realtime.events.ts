import type { DomainEvents } from '@docent/common';

/**
 * The socket.io contract of the `/notifications` namespace (SPEC §8), shared by the api's gateway
 * and every process that emits through Redis (the worker's emitter). One typed map per direction.
 */
export const NOTIFICATIONS_NAMESPACE = '/notifications';

/** The stored notification as clients see it (also the REST DTO's shape). */
export interface NotificationPayload {
  id: string;
  type: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  readAt: string | null;
  createdAt: string;
}

/** What the owner's sockets get of the `ingestion.progress` domain event: all but the owner. */
export type IngestionProgressPush = Omit<DomainEvents['ingestion.progress'], 'ownerId'>;

export interface ServerToClientEvents {
  notification: (notification: NotificationPayload) => void;
  'ingestion.progress': (progress: IngestionProgressPush) => void;
  'unread-count': (count: { count: number }) => void;
  /** The access token expired without `auth.refresh`; the server disconnects right after. */
  'auth.expired': (info: { reason: 'token_expired' }) => void;
}

/**
 * The ack of `auth.refresh`: `error` is the token's refusal code (`token_expired`,
 * `session_revoked`, …), or `unavailable` with `retryAfter` (seconds) when PostgreSQL or Redis
 * could not be asked: then the socket keeps its current token and the client retries.
 */
export type AuthRefreshResult =
  { ok: true; expiresAt: string } | { ok: false; error: string; retryAfter?: number };

export interface ClientToServerEvents {
  /** Swap in a renewed access token; acked with `{ok: true, expiresAt}` or `{ok: false, error}`. */
  'auth.refresh': (body: { token: string }, ack?: (result: AuthRefreshResult) => void) => void;
}

export type ServerEventName = keyof ServerToClientEvents;
export type ServerEventPayload<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>[0];

export const userRoom = (userId: string): string => `user:${userId}`;
export const sessionRoom = (sessionId: string): string => `session:${sessionId}`;

/**
 * The Redis key (channel prefix) of the socket.io adapter and emitter: they must agree, and it
 * carries REDIS_KEY_PREFIX so deployments (and parallel test runs) sharing one Redis stay apart.
 * ioredis' keyPrefix does not apply to pub/sub channels, hence the explicit prefix.
 */
export const socketIoKey = (redisKeyPrefix: string): string => `${redisKeyPrefix}socket.io`;
