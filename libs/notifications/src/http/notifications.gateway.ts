import { RequestContext } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Logger, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  WebSocketGateway,
} from '@nestjs/websockets';
import { Gauge, type Registry } from 'prom-client';
import type { DefaultEventsMap, ExtendedError, Namespace, Socket } from 'socket.io';
import { AccessTokenVerifier, type AuthUser, RevocationStore } from '@docent/auth';
import { AppError, isDependencyOutage, OUTAGE_RETRY_AFTER_SECONDS } from '@docent/common';
import type { AppSettings } from '@docent/config';
import { METRICS_REGISTRY } from '@docent/health';
import {
  type AuthRefreshResult,
  type ClientToServerEvents,
  NOTIFICATIONS_NAMESPACE,
  type ServerToClientEvents,
  sessionRoom,
  userRoom,
} from '../realtime/realtime.events';

/** What the gateway keeps on each socket (plain values: the Redis adapter may serialize it). */
export interface SocketData {
  user: AuthUser;
  /** Epoch milliseconds at which the current access token expires. */
  expiresAt: number;
}

export type NotificationsSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  DefaultEventsMap,
  SocketData
>;
export type NotificationsNamespace = Namespace<
  ClientToServerEvents,
  ServerToClientEvents,
  DefaultEventsMap,
  SocketData
>;

/**
 * Optional: the caller's unread count, pushed as `unread-count` right after connecting. Provided by
 * the notification center when it is part of the app.
 */
export const UNREAD_COUNT_SOURCE = Symbol('UNREAD_COUNT_SOURCE');
export interface UnreadCountSource {
  unreadCount(userId: string): Promise<number>;
}

/** setTimeout's largest delay; a later expiry re-arms when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The handshake's refusal: the client sees `connect_error` with message "unauthorized". */
function unauthorized(code: string): ExtendedError {
  const error: ExtendedError = new Error('unauthorized');
  error.data = { code };
  return error;
}

/**
 * The handshake's answer when PostgreSQL or Redis could not be asked: not the client's fault, so
 * not "unauthorized" (a client would drop its session); `connect_error` "unavailable" with
 * `data: {code: 'unavailable', retryAfter}` (seconds) tells it to keep its token and retry.
 */
function unavailable(): ExtendedError {
  const error: ExtendedError = new Error('unavailable');
  error.data = { code: 'unavailable', retryAfter: OUTAGE_RETRY_AFTER_SECONDS };
  return error;
}

/** A refusal about the token itself (401/403 kinds), as opposed to an outage or a bug. */
const isRefusal = (error: unknown): error is AppError =>
  error instanceof AppError && !isDependencyOutage(error);

/**
 * The socket.io namespace `/notifications` (SPEC §8). Authentication happens in the namespace
 * middleware, before the connection is accepted, with the HTTP guard's checks
 * (`AccessTokenVerifier`: signature, type, issuer, audience, expiry, revoked session, disabled
 * user) on `handshake.auth.token`, plus the handshake's Origin against CORS_ORIGINS. A connected
 * socket is in the rooms `user:<id>` and `session:<id>`, which the worker and the api reach through
 * Redis (`RealtimeEmitter`) on every instance. The client swaps in renewed tokens with
 * `auth.refresh`; a socket whose token expires un-renewed gets `auth.expired` and is disconnected.
 *
 * Client events are handled with plain `socket.on` listeners rather than `@SubscribeMessage`, so
 * the HTTP-only global guards, pipes and filters stay out of the socket path.
 */
@WebSocketGateway({ namespace: NOTIFICATIONS_NAMESPACE })
export class NotificationsGateway
  implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnApplicationShutdown
{
  private readonly logger = new Logger('NotificationsGateway');
  private readonly allowedOrigins: Set<string>;
  private readonly expiryTimers = new Map<string, NodeJS.Timeout>();
  private namespace?: NotificationsNamespace;

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly revocations: RevocationStore,
    private readonly em: EntityManager,
    config: ConfigService,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Optional()
    @Inject(UNREAD_COUNT_SOURCE)
    private readonly unreadCounts?: UnreadCountSource,
  ) {
    const app = config.getOrThrow<AppSettings>('app');
    // the web client served by this api (PUBLIC_APP_URL) is always same-origin, hence allowed
    this.allowedOrigins = new Set([...app.corsOrigins, new URL(app.publicAppUrl).origin]);
    // read when scraped, so it cannot drift from the namespace's own count
    const gauge: Gauge = new Gauge({
      name: 'socket_connections',
      help: 'Sockets connected to this api instance (namespace /notifications)',
      registers: [registry],
      collect: () => gauge.set(this.namespace?.sockets.size ?? 0),
    });
  }

  afterInit(namespace: NotificationsNamespace): void {
    this.namespace = namespace;
    namespace.use((socket, next) => {
      this.authenticate(socket).then(
        () => next(),
        (error: unknown) => {
          if (isRefusal(error)) return next(unauthorized(error.code));
          // Redis or PostgreSQL failed: not the client's fault, worth retrying later
          this.logFailure('handshake check failed', error);
          next(unavailable());
        },
      );
    });
  }

  async handleConnection(socket: NotificationsSocket): Promise<void> {
    const { user } = socket.data;
    socket.on('auth.refresh', (body, ack) => void this.refresh(socket, body, ack));
    this.arm(socket);
    try {
      await socket.join([userRoom(user.id), sessionRoom(user.sessionId)]);
      // the session may have ended between the check and the join, and its disconnect was
      // broadcast before this socket was in the room: look once more now that it is
      const state = await this.revocations.callerState(user.sessionId, user.id, user.role);
      if (state.sessionRevoked || (state.user && state.user.status !== 'active')) {
        socket.disconnect(true);
        return;
      }
    } catch (error) {
      // Redis is down: the handshake's check stands
      this.logger.warn(
        `connection check skipped: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    await this.pushUnreadCount(socket);
  }

  handleDisconnect(socket: NotificationsSocket): void {
    this.disarm(socket.id);
  }

  onApplicationShutdown(): void {
    for (const id of [...this.expiryTimers.keys()]) this.disarm(id);
  }

  private async authenticate(socket: NotificationsSocket): Promise<void> {
    // browsers always send Origin, so a foreign one is refused; clients that are not browsers
    // (mobile apps, scripts) send none and are judged by their token alone, as on HTTP
    const origin = socket.handshake.headers.origin;
    if (origin !== undefined && !this.allowedOrigins.has(origin)) {
      throw new AppError('forbidden', 'origin_not_allowed', 'This origin is not allowed.');
    }
    const token: unknown = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token.length === 0) {
      throw new AppError('unauthenticated', 'missing_token', 'An access token is required.');
    }
    const verified = await this.verify(token);
    socket.data = { user: verified.user, expiresAt: verified.expiresAt.getTime() };
  }

  /** The verifier may read PostgreSQL (a user missing from Redis): give it its own context. */
  private verify(token: string) {
    return RequestContext.create(this.em, () => this.verifier.verify(token));
  }

  private async refresh(socket: NotificationsSocket, body: unknown, ack: unknown): Promise<void> {
    const reply =
      typeof ack === 'function' ? (ack as (result: AuthRefreshResult) => void) : () => undefined;
    const token: unknown = (body as { token?: unknown } | null)?.token;
    if (typeof token !== 'string' || token.length === 0) {
      reply({ ok: false, error: 'missing_token' });
      return;
    }
    try {
      const verified = await this.verify(token);
      const current = socket.data.user;
      if (verified.user.id !== current.id || verified.user.sessionId !== current.sessionId) {
        reply({ ok: false, error: 'token_mismatch' });
        return;
      }
      if (!socket.connected) return;
      socket.data = { user: verified.user, expiresAt: verified.expiresAt.getTime() };
      this.arm(socket);
      reply({ ok: true, expiresAt: verified.expiresAt.toISOString() });
    } catch (error) {
      if (isRefusal(error)) {
        reply({ ok: false, error: error.code });
        return;
      }
      // an outage: the socket keeps its current token (and its expiry); the client retries
      this.logFailure('auth.refresh failed', error);
      reply({ ok: false, error: 'unavailable', retryAfter: OUTAGE_RETRY_AFTER_SECONDS });
    }
  }

  /** Outages are expected now and then (a warning); anything else is a bug (an error). */
  private logFailure(what: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (isDependencyOutage(error)) this.logger.warn(`${what}: ${message}`);
    else this.logger.error(`${what}: ${message}`);
  }

  /** (Re)starts the socket's expiry timer at its token's `exp`. */
  private arm(socket: NotificationsSocket): void {
    this.disarm(socket.id);
    const delay = Math.max(0, socket.data.expiresAt - Date.now());
    const timer = setTimeout(
      () => {
        this.expiryTimers.delete(socket.id);
        if (!socket.connected) return;
        if (Date.now() < socket.data.expiresAt) {
          this.arm(socket);
          return;
        }
        socket.emit('auth.expired', { reason: 'token_expired' });
        // the engine flushes the event before it closes the transport
        socket.disconnect(true);
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    timer.unref();
    this.expiryTimers.set(socket.id, timer);
  }

  private disarm(socketId: string): void {
    const timer = this.expiryTimers.get(socketId);
    if (timer) clearTimeout(timer);
    this.expiryTimers.delete(socketId);
  }

  private async pushUnreadCount(socket: NotificationsSocket): Promise<void> {
    if (!this.unreadCounts) return;
    try {
      const source = this.unreadCounts;
      const userId = socket.data.user.id;
      const count = await RequestContext.create(this.em, () => source.unreadCount(userId));
      if (socket.connected) socket.emit('unread-count', { count });
    } catch (error) {
      this.logger.warn(
        `unread count not sent: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
